// The event journal stamps events with its clock's time.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EventJournal } from '../../../src/state/journal.js';
import { tempHome } from '../../helpers/home.js';

test("an event's time is the journal clock's now(), in the file and for followers", (t) => {
  const home = tempHome();
  const at = Date.parse('2031-05-06T07:08:09.010Z');
  const journal = new EventJournal(join(home.dir, 'events.jsonl'), {
    now: () => at,
    after: () => ({ cancel() {} }),
  });
  t.after(() => {
    journal.close();
    home.cleanup();
  });
  const heard: string[] = [];
  journal.on('event', (e: { time: string }) => heard.push(e.time));
  journal.record({ type: 'spawned', project: 'shop', service: 'web' });
  assert.deepEqual(heard, ['2031-05-06T07:08:09.010Z']);
  const line = JSON.parse(readFileSync(join(home.dir, 'events.jsonl'), 'utf8')) as { time: string };
  assert.equal(line.time, '2031-05-06T07:08:09.010Z');
});
