// Following a log by position: a follower that comes back with the last id it got receives
// exactly the lines written since, across rotations; a position rotated away, or an id that is
// no position, is said (reset) and the follow starts again from the oldest line kept.
import assert from 'node:assert/strict';
import { readFileSync, writeSync } from 'node:fs';
import { test } from 'node:test';
import { followLogs } from '../../../src/daemon/follow-logs.js';
import type { Instance } from '../../../src/engine/instance.js';
import type { OutputKey } from '../../../src/engine/output.js';
import { silentLogger } from '../../../src/log.js';
import { LogHub, stripTimestamp } from '../../../src/logs/index.js';
import { FifoKeeper } from '../../../src/logs/keeper.js';
import { DaemonOutput } from '../../../src/logs/router.js';
import { type TempHome, tempHome } from '../../helpers/home.js';
import { recordingSink } from '../../helpers/log-sink.js';

/** One process's log channel, written by the test itself through the process's own fd. */
async function channel(
  t: { after(fn: () => void | Promise<void>): void },
  logs: OutputKey['logs'],
): Promise<{
  home: TempHome;
  output: DaemonOutput;
  key: OutputKey;
  write(from: number, to: number): void;
  /** writes `text` as it is, then into the log file */
  writeText(text: string): void;
  follow(
    from: Parameters<typeof followLogs>[2],
  ): Promise<ReturnType<typeof recordingSink> & { stop(): void }>;
}> {
  const home = tempHome();
  const logger = silentLogger();
  const hub = new LogHub({ logger });
  const keeper = new FifoKeeper(
    home.dir,
    { PATH: process.env.PATH ?? '', CORRAL_TEST_HOME: home.dir },
    logger,
  );
  const output = new DaemonOutput(hub, `${home.dir}/logs`, `${home.dir}/run`, keeper);
  const key: OutputKey = { project: 'shop', service: 'web', index: 0, instances: 1, logs };
  const target = output.prepare(key);
  const inst = { name: 'shop/web:0', outputKey: key } as unknown as Instance;
  t.after(async () => {
    target.release();
    await hub.closeAll();
    keeper.stop();
    home.cleanup();
  });
  return {
    home,
    output,
    key,
    // whole lines `line N`, then into the log file at once (as the pump would on its next wake)
    write: (from, to) => {
      for (let n = from; n <= to; n++) writeSync(target.stdout as number, `line ${n}\n`);
      output.flush(key);
    },
    writeText: (text) => {
      writeSync(target.stdout as number, text);
      output.flush(key);
    },
    follow: async (from) => {
      const r = recordingSink();
      const stop = await followLogs(output, [inst], from, r.sink);
      return Object.assign(r, { stop });
    },
  };
}

/** The numbers of `line N` lines, stamped or not, in order. */
function numbers(lines: string[]): number[] {
  return lines.map((l) => Number(/^line (\d+)$/.exec(stripTimestamp(l))?.[1] ?? Number.NaN));
}

/** `from`..`to`. */
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

for (const timestamps of [false, true]) {
  test(`a follower that resumes from its last id gets exactly what it missed, across rotations (timestamps ${timestamps})`, async (t) => {
    const c = await channel(t, { timestamps, maxSizeBytes: timestamps ? 600 : 200, keep: 20 });
    c.write(1, 20);
    const first = await c.follow({ lines: 5, sinceMs: null });
    assert.deepEqual(numbers(first.lines), range(16, 20), 'the tail');
    c.write(21, 40);
    first.stop();
    const seen = [...numbers(first.lines), ...numbers(first.text.split('\n').slice(0, -1))];
    assert.deepEqual(seen, range(16, 40), 'tail then chunks');
    const lastId = first.ids[first.ids.length - 1];

    c.write(41, 120); // rotates several times while nobody follows
    const again = await c.follow({ lastEventId: lastId });
    assert.deepEqual(again.resets, []);
    assert.deepEqual(numbers(again.lines), range(41, 120), 'exactly the lines missed');
    c.write(121, 130);
    again.stop();
    assert.deepEqual(numbers(again.text.split('\n').slice(0, -1)), range(121, 130), 'then the live ones');

    // an id from the middle of a replay resumes from there
    const middle = again.ids[again.lines.indexOf(again.lines.find((l) => l.endsWith('line 77'))!)];
    const third = await c.follow({ lastEventId: middle });
    third.stop();
    assert.deepEqual(numbers(third.lines), range(78, 130));
    // nothing missed: no entry, but the position
    const caughtUp = await c.follow({ lastEventId: third.ids[third.ids.length - 1] });
    caughtUp.stop();
    assert.deepEqual(caughtUp.lines, []);
    assert.equal(caughtUp.ids.length, 1);
    assert.equal(caughtUp.ids[0], third.ids[third.ids.length - 1]);
  });
}

test('a position rotated away is said (reset) and the follow starts again from the oldest line kept', async (t) => {
  const c = await channel(t, { timestamps: false, maxSizeBytes: 100, keep: 1 });
  c.write(1, 5);
  const first = await c.follow({ lines: 2, sinceMs: null });
  first.stop();
  c.write(6, 200); // far more than the two files kept hold
  const again = await c.follow({ lastEventId: first.ids[first.ids.length - 1] });
  again.stop();
  assert.equal(again.resets.length, 1);
  assert.equal(again.resets[0].name, 'shop/web:0');
  assert.match(again.resets[0].reason, /rotated away/);
  const logPath = `${c.home.dir}/logs/shop/web.log`;
  const kept = `${readFileSync(`${logPath}.1`, 'utf8')}${readFileSync(logPath, 'utf8')}`;
  assert.deepEqual(again.lines, kept.split('\n').slice(0, -1), 'everything kept, oldest first');
  assert.equal(numbers(again.lines).at(-1), 200);
});

test('an id that is no position is said (reset) and everything kept follows', async (t) => {
  const c = await channel(t, { timestamps: false, maxSizeBytes: 0, keep: 3 });
  c.write(1, 30);
  for (const bad of ['42', 'shop/web:0@zz', 'nonsense@1.2']) {
    const r = await c.follow({ lastEventId: bad });
    r.stop();
    assert.equal(r.resets.length, 1, bad);
    assert.deepEqual(numbers(r.lines), range(1, 30), bad);
  }
  // a process the id does not name (new since) gets all of its lines, with no reset
  const other = await c.follow({ lastEventId: 'shop/db:0@-' });
  other.stop();
  assert.deepEqual(other.resets, []);
  assert.deepEqual(numbers(other.lines), range(1, 30));
});

test('a follow of a log with no line yet sends its position, and resuming from it misses nothing', async (t) => {
  const c = await channel(t, { timestamps: false, maxSizeBytes: 0, keep: 3 });
  const first = await c.follow({ lines: 10, sinceMs: null });
  first.stop();
  assert.deepEqual(first.lines, []);
  assert.equal(first.ids.length, 1, 'the position alone');
  c.write(1, 30); // more than a tail would give back
  const again = await c.follow({ lastEventId: first.ids[0] });
  again.stop();
  assert.deepEqual(numbers(again.lines), range(1, 30));
});

test('a position in the middle of a line resumes with the rest of that line', async (t) => {
  const c = await channel(t, { timestamps: true, maxSizeBytes: 0, keep: 3 });
  c.write(1, 2);
  const first = await c.follow({ lines: 0, sinceMs: null });
  c.writeText('line 3 begins');
  first.stop();
  assert.equal(first.text, 'line 3 begins');
  c.writeText(' and ends\nline 4\n');
  const again = await c.follow({ lastEventId: first.ids[first.ids.length - 1] });
  again.stop();
  assert.deepEqual(again.lines, [' and ends', again.lines[1]]);
  assert.match(again.lines[1], /^\d{4}-\d\d-\d\dT[\d:.]+Z line 4$/, 'a whole line keeps its stamp');
});

test('a follow from a time starts at the first line stamped at or after it (the last N of them)', async (t) => {
  const c = await channel(t, { timestamps: true, maxSizeBytes: 300, keep: 20 });
  c.write(1, 40);
  const all = await c.follow({ lines: 0, sinceMs: 0 });
  all.stop();
  assert.deepEqual(numbers(all.lines), range(1, 40), 'every line, across the rotated files');
  const last = await c.follow({ lines: 5, sinceMs: 0 });
  last.stop();
  assert.deepEqual(numbers(last.lines), range(36, 40));
  const none = await c.follow({ lines: 5, sinceMs: Date.now() + 60_000 });
  none.stop();
  assert.deepEqual(none.lines, []);
  assert.equal(none.ids.length, 1, 'the position alone');
  c.write(41, 42);
  const resumed = await c.follow({ lastEventId: none.ids[0] });
  resumed.stop();
  assert.deepEqual(numbers(resumed.lines), [41, 42]);
});
