// How a process that is not our child ended, as a daemon learns it: through a pidfd held since
// before the reap (PIDFD_INFO_EXIT, Linux 6.15+), or from the zombie's /proc stat field 52; and
// the PidWatcher that hands these to the engine. Real processes: each one is a grandchild of the
// test (a shell's background job), so its parent, not the test, takes the wait status.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, readdirSync, readlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RawExit } from '../../../src/engine/host.js';
import { EpollLoop } from '../../../src/process/event-loop.js';
import { exitStatusOf, kernelKeepsExitStatus, zombieExitStatus } from '../../../src/process/exit-status.js';
import { pidfdExitStatus, pidfdOpen } from '../../../src/process/native/pidfd.js';
import { PidWatcher } from '../../../src/process/pidwatch.js';
import { bootId, type ProcessIdentity, readProcStat } from '../../../src/process/procfs.js';
import { spawnService } from '../../../src/process/spawn.js';
import { fixture, type TempHome, tempHome } from '../../helpers/home.js';
import { waitFor } from '../../helpers/wait.js';
import { capture, startFixture, testEnv } from './support.js';

const keeps = kernelKeepsExitStatus();

/**
 * A grandchild that ends as told through its FIFO: `sh -c 'sh exit-on-fifo.sh F & echo $!; THEN'`,
 * where THEN is `wait` (the shell reaps it at once) or `exec sleep` (it stays a zombie).
 */
async function grandchild(
  home: TempHome,
  parent: 'reaps' | 'never reaps',
): Promise<{ id: ProcessIdentity; fifo: string; parentPid: number }> {
  const fifo = join(home.dir, `f${Math.random().toString(36).slice(2)}`);
  execFileSync('mkfifo', [fifo]);
  const then = parent === 'reaps' ? 'wait' : 'exec sleep 1000';
  const result = spawnService({
    argv: ['sh', '-c', `sh ${fixture('exit-on-fifo.sh')} ${fifo} & echo $!; ${then}`],
    cwd: home.dir,
    env: testEnv(home),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if ('error' in result) throw new Error(result.error);
  home.track(result.pid);
  const sh = capture(result.child, result.pid, result.startTime);
  const pid = Number(await sh.line(''));
  home.track(pid);
  const stat = readProcStat(pid);
  assert.ok(stat, 'the grandchild runs');
  return { id: { pid, startTime: stat.startTimeTicks, bootId: bootId() }, fifo, parentPid: sh.pid };
}

/** Writes how to end to a FIFO whose reader is (or soon will be) there. */
async function endWith(fifo: string, how: string): Promise<void> {
  const fd = await waitFor(
    () => {
      try {
        return openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK) + 1;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENXIO') return 0;
        throw e;
      }
    },
    { what: 'the reader' },
  );
  writeSync(fd - 1, `${how}\n`);
  closeSync(fd - 1);
}

const reaped = (pid: number): boolean => readProcStat(pid) === null;
const zombie = (pid: number): boolean => readProcStat(pid)?.state === 'Z';

test('kernel versions that keep exit statuses for pidfds: 6.15 and later', () => {
  assert.equal(kernelKeepsExitStatus('6.14.11-300.fc42.x86_64'), false);
  assert.equal(kernelKeepsExitStatus('6.15.0-rc1'), true);
  assert.equal(kernelKeepsExitStatus('6.18.44-fc-v669'), true);
  assert.equal(kernelKeepsExitStatus('7.0.0'), true);
  assert.equal(kernelKeepsExitStatus('5.15.0-91-generic'), false);
  assert.equal(kernelKeepsExitStatus('garbage'), false);
});

test('a reaped non-child: its code and its signal through a pidfd opened before the reap', {
  skip: !keeps && 'Linux < 6.15',
}, async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  for (const [how, expected] of [
    ['42', { code: 42, signal: null }],
    ['SEGV', { code: null, signal: 'SIGSEGV' }],
  ] as const) {
    const { id, fifo } = await grandchild(home, 'reaps');
    const fd = pidfdOpen(id.pid);
    try {
      assert.equal(pidfdExitStatus(fd), null, 'nothing while it runs');
      await endWith(fifo, how);
      await waitFor(() => reaped(id.pid), { what: 'its parent to reap it' });
      assert.equal(zombieExitStatus(id), null, 'no zombie left to read');
      assert.deepEqual(exitStatusOf(fd, id), expected);
    } finally {
      closeSync(fd);
    }
  }
});

test('an unreaped zombie: its status from /proc stat field 52, no pidfd needed; never for another start time', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const { id, fifo } = await grandchild(home, 'never reaps');
  await endWith(fifo, 'SEGV');
  await waitFor(() => zombie(id.pid), { what: 'a zombie' });
  assert.deepEqual(exitStatusOf(null, id), { code: null, signal: 'SIGSEGV' });
  assert.equal(
    zombieExitStatus({ ...id, startTime: id.startTime + 1 }),
    null,
    'another process with the pid',
  );
  assert.equal(exitStatusOf(null, { ...id, bootId: 'another-boot' }), null, 'another boot');
});

test('PidWatcher: an adopted process exiting 7 is reported with 7, whoever reaps it', async (t) => {
  const home = tempHome();
  const loop = new EpollLoop(
    () => {},
    (e) => assert.fail(e),
  );
  const watcher = new PidWatcher(loop);
  t.after(async () => {
    watcher.close();
    await loop.close();
    home.cleanup();
  });
  for (const parent of ['reaps', 'never reaps'] as const) {
    const { id, fifo } = await grandchild(home, parent);
    const seen = new Promise<RawExit | null>((resolve) => watcher.watch(id, resolve));
    await endWith(fifo, '7');
    assert.deepEqual(await seen, { code: 7, signal: null }, `parent ${parent}`);
  }
});

test('PidWatcher: a process gone before its watch began is asked of `lost` (the previous keeper)', async (t) => {
  const home = tempHome();
  const loop = new EpollLoop(
    () => {},
    (e) => assert.fail(e),
  );
  const asked: number[] = [];
  const watcher = new PidWatcher(loop, {
    lost: (id) => {
      asked.push(id.pid);
      return { code: 3, signal: null };
    },
  });
  t.after(async () => {
    watcher.close();
    await loop.close();
    home.cleanup();
  });
  const { id, fifo } = await grandchild(home, 'reaps');
  await endWith(fifo, '3');
  await waitFor(() => reaped(id.pid), { what: 'the reap' });
  const seen = await new Promise<RawExit | null>((resolve) => watcher.watch(id, resolve));
  assert.deepEqual(seen, { code: 3, signal: null });
  assert.deepEqual(asked, [id.pid]);
});

test('PidWatcher.hold: one pidfd per live child, listed for the keeper, closed once the child has exited', {
  skip: !keeps && 'Linux < 6.15',
}, async (t) => {
  const home = tempHome();
  const loop = new EpollLoop(
    () => {},
    (e) => assert.fail(e),
  );
  let held = 0;
  const watcher = new PidWatcher(loop, { onHeld: () => held++ });
  t.after(async () => {
    watcher.close();
    await loop.close();
    home.cleanup();
  });
  const pidfds = (): number =>
    readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:[pidfd]';
      } catch {
        return false;
      }
    }).length;
  const before = pidfds();
  const child = startFixture(home, 'exit-with.mjs', ['5', '60000']);
  const exited = child.exited.then(() => undefined);
  watcher.hold({ pid: child.pid, startTime: child.startTime, exited });
  assert.equal(held, 1);
  assert.deepEqual(
    watcher.list().map((p) => [p.pid, p.startTime]),
    [[child.pid, child.startTime]],
  );
  assert.equal(pidfds(), before + 1);
  child.child.kill('SIGKILL');
  await exited;
  await waitFor(() => watcher.list().length === 0, { what: 'the pidfd to be let go' });
  assert.equal(pidfds(), before);
});

test('PidWatcher.hold: with the fd table filled past its ceiling a child gets no pidfd, and that is said once', {
  skip: !keeps && 'Linux < 6.15',
}, async (t) => {
  const home = tempHome();
  const loop = new EpollLoop(
    () => {},
    (e) => assert.fail(e),
  );
  const warnings: string[] = [];
  const children = [0, 1, 2].map(() => startFixture(home, 'exit-with.mjs', ['0', '60000']));
  // fds are numbered lowest-free: with the ceiling just past the next free number, the first
  // child's pidfd fits, the next ones do not
  const probe = openSync('/dev/null', 'r');
  closeSync(probe);
  const watcher = new PidWatcher(loop, { fdCeiling: probe + 1, warn: (m) => warnings.push(m) });
  t.after(async () => {
    watcher.close();
    await loop.close();
    home.cleanup();
  });
  for (const c of children) watcher.hold({ pid: c.pid, startTime: c.startTime, exited: c.exited });
  assert.deepEqual(
    watcher.list().map((p) => p.pid),
    [children[0].pid],
  );
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0],
    new RegExp(
      `^${probe + 1} fds or more open, half the open-file limit: services started while it is so get no pidfd, and end as "unknown"`,
    ),
  );
});
