// Watching the exit of processes that are not our children (adopted ones) through pidfds: a
// failure to open a pidfd other than ESRCH must never pass for an exit.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { registerChild, spawnChild } from '../../../src/process/children.js';
import { EpollLoop } from '../../../src/process/event-loop.js';
import { PidWatcher } from '../../../src/process/pidwatch.js';
import { bootId, readProcStat, sameProcess } from '../../../src/process/procfs.js';
import { REPO_ROOT, tempHome } from '../../helpers/home.js';
import { waitFor } from '../../helpers/wait.js';

const dist = join(REPO_ROOT, 'dist', 'src', 'process');

// In a process of its own, with a low fd limit: open fds until EMFILE, then watch `pid`. Prints
// what watch() did and, two event-loop turns later (after any setImmediate(onExit) it queued),
// whether onExit ran.
const EXHAUSTED_WATCH = `
import { openSync } from 'node:fs';
import { EpollLoop } from ${JSON.stringify(join(dist, 'event-loop.js'))};
import { PidWatcher } from ${JSON.stringify(join(dist, 'pidwatch.js'))};
const id = JSON.parse(process.argv[1]);
const loop = new EpollLoop(() => {}, () => {});
const watcher = new PidWatcher(loop);
let opened = 0;
for (;;) {
  try { openSync('/dev/null', 'r'); opened++; } catch (e) { if (e.code === 'EMFILE') break; throw e; }
}
let outcome = 'watching';
let fired = false;
try { watcher.watch(id, () => { fired = true; }); } catch (e) { outcome = e.code + ' ' + e.message; }
setImmediate(() => setImmediate(async () => {
  console.log(JSON.stringify({ outcome, fired, opened }));
  watcher.close();
  await loop.close(); // wakes the parked epoll_wait, which would otherwise hold the exit
}));
`;

test('pidfd_open failing with EMFILE is thrown, naming EMFILE; the live process is not taken as exited', async (t) => {
  const home = tempHome();
  const target = spawnChild('sleep', ['1000'], { stdio: 'ignore', detached: true });
  home.track(target.pid!);
  t.after(() => home.cleanup());
  const stat = readProcStat(target.pid!);
  assert.ok(stat, 'the target runs');
  const id = { pid: target.pid!, startTime: stat.startTimeTicks, bootId: bootId() };
  const out = await new Promise<string>((resolve, reject) => {
    registerChild(
      execFile(
        'prlimit',
        [
          '--nofile=64:64',
          process.execPath,
          '--input-type=module',
          '-e',
          EXHAUSTED_WATCH,
          JSON.stringify(id),
        ],
        { timeout: 20_000 },
        (e, stdout, stderr) => (e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(stdout)),
      ),
    );
  });
  const result = JSON.parse(out) as { outcome: string; fired: boolean; opened: number };
  assert.ok(result.opened > 0, 'the child ran out of fds after opening some');
  assert.match(result.outcome, /^EMFILE EMFILE: pidfd_open failed/);
  assert.equal(result.fired, false, 'onExit never ran');
  assert.equal(sameProcess(id), true, 'the watched process is still alive');
});

test('a process that is gone (ESRCH) and one that exits later are both reported, once', async (t) => {
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
  const child = spawnChild('sleep', ['1000'], { stdio: 'ignore', detached: true });
  home.track(child.pid!);
  const stat = readProcStat(child.pid!)!;
  const id = { pid: child.pid!, startTime: stat.startTimeTicks, bootId: bootId() };
  let exits = 0;
  watcher.watch(id, () => exits++);
  // a pid above pid_max never exists: pidfd_open says ESRCH
  let goneExits = 0;
  watcher.watch({ pid: 2 ** 22 + 1, startTime: 1, bootId: bootId() }, () => goneExits++);
  await waitFor(() => goneExits === 1, { what: 'the exit of a process that is gone' });
  assert.equal(exits, 0);
  process.kill(child.pid!, 'SIGTERM');
  await waitFor(() => exits === 1, { what: 'the exit of the watched process' });
  assert.equal(goneExits, 1);
});
