// The journal numbers its events (seq, the id of an events follow): on across rotations and
// daemon restarts, and it tells which events came after a seq, or that it cannot (rotated away,
// or not yet recorded).
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EventJournal } from '../../../src/state/journal.js';
import { tempHome } from '../../helpers/home.js';

test('events are numbered on across a rotation and a new journal on the same files', (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const path = join(home.dir, 'events.jsonl');
  const heard: number[] = [];
  const first = new EventJournal(path);
  first.on('event', (_e, seq: number) => heard.push(seq));
  first.record({ type: 'spawned', service: 'a' });
  first.record({ type: 'ready', service: 'a' });
  (first as unknown as { rotate(): void }).rotate();
  first.close();
  // the next daemon: events.jsonl is empty, the last seq is in events.jsonl.1
  const second = new EventJournal(path);
  assert.equal(second.lastSeq, 2);
  second.on('event', (_e, seq: number) => heard.push(seq));
  second.record({ type: 'exited', service: 'a' });
  // a torn last line (a crash mid-write) and blank lines are passed over
  second.close();
  appendFileSync(path, '\n\n{"seq":4,"time":"20');
  const third = new EventJournal(path);
  assert.equal(third.lastSeq, 3);
  third.close();
  assert.deepEqual(heard, [1, 2, 3]);
  const line = JSON.parse(readFileSync(path, 'utf8').split('\n')[0]) as Record<string, unknown>;
  assert.equal(line.seq, 3);
  // the events themselves keep their wire shape: the seq is the stream's id, not a field
  assert.equal('seq' in third.read(null)[0], false);
});

test('after(seq): exactly the events after it; null when it is older than what is kept, or newer than the last', (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const path = join(home.dir, 'events.jsonl');
  const journal = new EventJournal(path);
  t.after(() => journal.close());
  for (const service of ['a', 'b', 'c']) journal.record({ type: 'spawned', service });
  assert.deepEqual(
    journal.after(1)?.map((e) => `${e.seq}:${e.event.service}`),
    ['2:b', '3:c'],
  );
  assert.deepEqual(journal.after(3), []);
  assert.equal(journal.after(4), null, 'not recorded yet (another home, or a lost journal)');
  const rotate = (): void => (journal as unknown as { rotate(): void }).rotate();
  rotate();
  journal.record({ type: 'spawned', service: 'd' }); // 4, in the new file
  assert.deepEqual(
    journal.after(1)?.map((e) => e.seq),
    [2, 3, 4],
    'across the rotation',
  );
  rotate(); // 1..3 gone: only events.jsonl.1 (4) and events.jsonl (5) are kept
  journal.record({ type: 'spawned', service: 'e' });
  assert.deepEqual(
    journal.after(3)?.map((e) => e.seq),
    [4, 5],
  );
  assert.equal(journal.after(2), null, 'event 3 was rotated away');
});

test('a journal written before events had numbers counts on from 1 and never resumes into the old lines', (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const path = join(home.dir, 'events.jsonl');
  writeFileSync(path, '{"time":"2026-11-30T00:00:00.000Z","type":"spawned"}\n');
  const journal = new EventJournal(path);
  t.after(() => journal.close());
  assert.equal(journal.lastSeq, 0);
  journal.record({ type: 'ready' });
  assert.deepEqual(
    journal.after(0)?.map((e) => `${e.seq}:${e.event.type}`),
    ['1:ready'],
  );
  assert.equal(journal.read(null).length, 2);
});
