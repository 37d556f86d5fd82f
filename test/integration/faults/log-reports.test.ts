// A log channel that cannot write is reported once when it begins to fail (again only if the
// cause changes), and once when bytes move again, however many retries fail in between.
// (The journal's and daemon.log's kept lines are shown by test/e2e/faults.test.ts on a full tmpfs.)
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { LogFailure, LogRecovery } from '../../../src/logs/hub.js';
import { LogHub } from '../../../src/logs/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { tempHome } from '../../helpers/home.js';
import { waitFor } from '../../helpers/wait.js';
import { channelOptions, expectedText, printLines } from '../logs/support.js';

test('a failing log channel: one error and one failed event per cause, one recovered event, whatever the retries', async (t) => {
  const home = tempHome();
  const clock = new FakeClock(0);
  const entries: { level: string; msg: string }[] = [];
  const logger = {
    warn: (_: object, msg: string) => entries.push({ level: 'warn', msg }),
    error: (_: object, msg: string) => entries.push({ level: 'error', msg }),
    info: (_: object, msg: string) => entries.push({ level: 'info', msg }),
  };
  const hub = new LogHub({ logger, retryMs: 1_000, maxRetryMs: 4_000, clock });
  t.after(async () => {
    await hub.closeAll();
    home.cleanup();
  });
  const failures: LogFailure[] = [];
  const recoveries: LogRecovery[] = [];
  let stalls = 0;
  hub.on('failed', (f: LogFailure) => failures.push(f));
  hub.on('recovered', (r: LogRecovery) => recoveries.push(r));
  hub.on('stalled', () => stalls++);
  const logs = join(home.dir, 'logs');
  writeFileSync(logs, 'a file where the log directory should be');
  const o = channelOptions(home);
  const channel = hub.open(o);
  const run = printLines(home, channel.childFd(), 1_000);
  assert.equal((await run.exited).code, 0);
  for (let i = 0; i < 5; i++) clock.advance(4_000); // five retries, each failing the same way
  assert.ok(stalls >= 6, `${stalls} stalls`);
  assert.equal(failures.length, 1, 'reported once');
  assert.match(failures[0].message, /^Could not open the log file .*web\.log: not a directory \(ENOTDIR\)\./);
  // another cause: reported again
  rmSync(logs);
  mkdirSync(o.logPath, { recursive: true });
  clock.advance(4_000);
  clock.advance(4_000);
  assert.equal(failures.length, 2);
  assert.match(failures[1].message, /illegal operation on a directory \(EISDIR\)/);
  assert.equal(recoveries.length, 0);
  rmSync(o.logPath, { recursive: true });
  clock.advance(4_000);
  await waitFor(() => recoveries.length === 1, { what: 'the recovery' });
  assert.equal(readFileSync(o.logPath, 'utf8'), expectedText(1, 1_000));
  assert.equal(recoveries[0].failedForMs, 32_000);
  assert.match(recoveries[0].message, /^Writing the log file .*web\.log again, after 32 s;/);
  assert.deepEqual(
    entries.map((e) => e.level),
    ['error', 'error', 'info'],
    'daemon.log: an error per cause, a line at the end, nothing per retry',
  );
});
