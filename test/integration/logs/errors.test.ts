// Errors never crash the hub: the channel stalls, the bytes wait in the pipe, a retry resumes.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LogHub } from '../../../src/logs/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { tempHome } from '../../helpers/home.js';
import { waitFor } from '../../helpers/wait.js';
import { assertSameText, captureLogger, channelOptions, expectedText, printLines } from './support.js';

test('an unusable log directory: open() succeeds, output waits in the pipe, and arrives once fixed', async (t) => {
  const home = tempHome();
  const logger = captureLogger();
  const hub = new LogHub({ logger, retryMs: 20, maxRetryMs: 100 });
  t.after(async () => {
    await hub.closeAll();
    home.cleanup();
  });
  const blocker = join(home.dir, 'logs');
  writeFileSync(blocker, 'a file where the log directory should be');
  const o = channelOptions(home, { logPath: join(blocker, 'shop', 'web.log') });
  const stalls: string[] = [];
  hub.on('stalled', ({ id }: { id: string }) => stalls.push(id));
  const channel = hub.open(o);
  const run = printLines(home, channel.childFd(), 20_000);
  assert.equal((await run.exited).code, 0, 'the writer never sees an error');
  await waitFor(() => stalls.length >= 2, { what: 'a retry that fails again' });
  assert.equal(logger.entries[0].level, 'error');
  assert.match(logger.entries[0].msg, /Could not open the log file .*web\.log/);
  assert.ok(
    logger.entries.slice(1).every((e) => e.level === 'warn'),
    'one error, then warnings',
  );
  channel.flush(); // a stalled channel does nothing, and does not throw
  rmSync(blocker);
  mkdirSync(blocker);
  await waitFor(() => existsSync(o.logPath) && readFileSync(o.logPath, 'utf8').endsWith('\n20000\n'), {
    what: 'the retry to move the waiting lines',
  });
  assertSameText(readFileSync(o.logPath, 'utf8'), expectedText(1, 20_000), 'log file');
});

test("the retry of a stalled channel runs on the hub's clock", async (t) => {
  const home = tempHome();
  const clock = new FakeClock(0);
  const hub = new LogHub({ logger: captureLogger(), retryMs: 1_000, maxRetryMs: 8_000, clock });
  t.after(async () => {
    await hub.closeAll();
    home.cleanup();
  });
  const blocker = join(home.dir, 'logs');
  writeFileSync(blocker, 'a file where the log directory should be');
  const o = channelOptions(home, { logPath: join(blocker, 'shop', 'web.log') });
  let resumed = 0;
  hub.on('resumed', () => resumed++);
  const channel = hub.open(o);
  const run = printLines(home, channel.childFd(), 100);
  assert.equal((await run.exited).code, 0);
  await waitFor(() => clock.armed === 1, { what: 'the retry to be set' });
  rmSync(blocker);
  mkdirSync(blocker);
  clock.advance(999);
  assert.equal(resumed, 0, 'no retry before the clock says 1 s');
  clock.advance(1);
  assert.equal(resumed, 1);
  await waitFor(() => existsSync(o.logPath) && readFileSync(o.logPath, 'utf8').endsWith('\n100\n'), {
    what: 'the waiting lines to arrive',
  });
});

for (const timestamps of [false, true]) {
  test(`a failing write (${timestamps ? 'timestamped copy' : 'splice'}) stalls the channel without losing a line`, async (t) => {
    const home = tempHome();
    const logger = captureLogger();
    const hub = new LogHub({ logger, retryMs: 20, maxRetryMs: 100 });
    t.after(async () => {
      await hub.closeAll();
      home.cleanup();
    });
    const o = channelOptions(home, { timestamps });
    mkdirSync(join(home.dir, 'logs', 'shop'), { recursive: true });
    symlinkSync('/dev/full', o.logPath); // every write fails (ENOSPC; EINVAL for splice at an offset)
    let resumed = 0;
    hub.on('resumed', () => resumed++);
    const channel = hub.open(o);
    const run = printLines(home, channel.childFd(), 5_000, ['--stay']);
    await waitFor(() => logger.entries.some((e) => /Could not write the log file/.test(e.msg)), {
      what: 'the write error to be reported',
    });
    await waitFor(() => resumed >= 2, { what: 'retries' });
    rmSync(o.logPath); // the next retry re-opens the path: a plain file now
    await waitFor(() => existsSync(o.logPath) && readFileSync(o.logPath, 'utf8').endsWith('5000\n'), {
      what: 'the lines to arrive after the retry',
    });
    const text = readFileSync(o.logPath, 'utf8');
    const raw = timestamps ? text.replace(/^\S+Z /gm, '') : text;
    assertSameText(raw, expectedText(1, 5_000), 'log file');
    run.child.kill('SIGKILL');
    await run.exited;
  });
}

test('a throwing data listener is reported and the pump goes on', async (t) => {
  const home = tempHome();
  const logger = captureLogger();
  const hub = new LogHub({ logger });
  t.after(async () => {
    await hub.closeAll();
    home.cleanup();
  });
  const o = channelOptions(home);
  const channel = hub.open(o);
  channel.on('data', () => {
    throw new Error('listener bug');
  });
  const run = printLines(home, channel.childFd(), 10_000);
  await run.exited;
  await waitFor(() => existsSync(o.logPath) && readFileSync(o.logPath, 'utf8').endsWith('\n10000\n'), {
    what: 'every line',
  });
  assertSameText(readFileSync(o.logPath, 'utf8'), expectedText(1, 10_000), 'log file');
  assert.ok(logger.entries.some((e) => e.level === 'warn' && /listener threw/.test(e.msg)));
});
