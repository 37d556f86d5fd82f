// Where the journal stood at a state snapshot, and the events recorded after it: what the next
// daemon replays when the snapshot lagged the journal.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { EventJournal, eventsAfter } from '../../../src/state/journal.js';
import { tempHome } from '../../helpers/home.js';

test('the events after a position, in the same file and across a rotation', (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const path = join(home.dir, 'events.jsonl');
  const journal = new EventJournal(path);
  journal.record({ type: 'spawned', service: 'a' });
  const at = journal.position();
  assert.ok(at);
  journal.record({ type: 'restart-scheduled', service: 'a' });
  journal.record({ type: 'restart-scheduled', service: 'b' });
  assert.deepEqual(
    eventsAfter(path, at)?.map((e) => `${e.type}:${e.service}`),
    ['restart-scheduled:a', 'restart-scheduled:b'],
  );
  // rotated: the rest of the old file (now events.jsonl.1), then the whole new one
  (journal as unknown as { rotate(): void }).rotate();
  journal.record({ type: 'exited', service: 'c' });
  assert.deepEqual(
    eventsAfter(path, at)?.map((e) => `${e.type}:${e.service}`),
    ['restart-scheduled:a', 'restart-scheduled:b', 'exited:c'],
  );
  journal.close();
  assert.equal(eventsAfter(path, { ino: -1, offset: 0 }), null, 'a position that is gone is said to be');
});
