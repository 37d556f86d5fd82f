// The FIFO keeper holding services' pidfds: replaced (new one first) when a pidfd is added, at
// most once per interval; made to hold everything before a daemon leaves; and read by the next
// daemon, which gets the status of a service that ended meanwhile through the keeper's fd.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../../src/log.js';
import { FifoKeeper } from '../../../src/logs/keeper.js';
import { EpollLoop } from '../../../src/process/event-loop.js';
import { kernelKeepsExitStatus } from '../../../src/process/exit-status.js';
import { PidWatcher } from '../../../src/process/pidwatch.js';
import { bootId } from '../../../src/process/procfs.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { tempHome } from '../../helpers/home.js';
import { waitFor } from '../../helpers/wait.js';
import { startFixture, testEnv } from './support.js';

/** The live keepers of `home` and the pids each says it holds a pidfd of. */
function keepers(home: string): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const env = readFileSync(`/proc/${name}/environ`, 'latin1').split('\0');
      if (!env.includes('CORRAL_FIFO_KEEPER=1') || !env.includes(`CORRAL_HOME=${home}`)) continue;
      const pids = env
        .filter((kv) => kv.startsWith('CORRAL_KEEPER_PIDFDS_'))
        .flatMap((kv) => kv.slice(kv.indexOf('=') + 1).split(','))
        .map((e) => Number(e.split(':')[1]));
      out.set(
        Number(name),
        pids.sort((a, b) => a - b),
      );
    } catch {
      // gone, or not ours
    }
  }
  return out;
}

test('the keeper holds each added pidfd, is replaced new-first, holds all before the daemon leaves; the next daemon reads a status through it', {
  skip: !kernelKeepsExitStatus() && 'Linux < 6.15',
}, async (t) => {
  const home = tempHome();
  const homeDir = join(home.dir, 'home');
  const loop = new EpollLoop(
    () => {},
    (e) => assert.fail(e),
  );
  const clock = new FakeClock();
  let keeper: FifoKeeper | null = null;
  const watcher = new PidWatcher(loop, { onHeld: () => keeper?.pidfdsChanged() });
  const env = { ...testEnv(home), CORRAL_HOME: homeDir };
  keeper = new FifoKeeper(homeDir, env, silentLogger(), () => watcher.list(), clock);
  t.after(async () => {
    keeper?.stop();
    watcher.close();
    await loop.close();
    home.cleanup();
  });
  const fifo = join(home.dir, 'a.fifo');
  execFileSync('mkfifo', [fifo]);
  keeper.hold(fifo);
  const a = startFixture(home, 'exit-with.mjs', ['0', '60000']);
  watcher.hold({ pid: a.pid, startTime: a.startTime, exited: a.exited });
  const first = await waitFor(
    () => {
      const k = [...keepers(homeDir)];
      return k.length === 1 && k[0][1].length === 1 ? k[0] : null;
    },
    { what: 'a keeper holding a' },
  );
  assert.deepEqual(first[1], [a.pid]);

  // within the interval: not replaced yet, only a timer waits
  const b = startFixture(home, 'exit-with.mjs', ['0', '60000']);
  watcher.hold({ pid: b.pid, startTime: b.startTime, exited: b.exited });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual([...keepers(homeDir).keys()], [first[0]], 'not replaced within the interval');
  // the daemon leaves: the replacement due is made now, and the old keeper goes after it
  keeper.freeze();
  const second = await waitFor(
    () => {
      const k = [...keepers(homeDir)];
      return k.length === 1 && k[0][0] !== first[0] ? k[0] : null;
    },
    { what: 'the new keeper alone' },
  );
  assert.deepEqual(
    second[1],
    [a.pid, b.pid].sort((x, y) => x - y),
  );
  keeper.pidfdsChanged();
  clock.advance(60_000);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual([...keepers(homeDir).keys()], [second[0]], 'a frozen keeper is never replaced');

  // the daemon closes its pidfds; b is killed by SIGSEGV (and reaped by us, its parent)
  watcher.close();
  b.child.kill('SIGSEGV');
  await b.exited;
  const next = new FifoKeeper(homeDir, env, silentLogger());
  assert.deepEqual(next.inheritedStatus({ pid: b.pid, startTime: b.startTime, bootId: bootId() }), {
    code: null,
    signal: 'SIGSEGV',
  });
  assert.equal(
    next.inheritedStatus({ pid: b.pid, startTime: b.startTime + 1, bootId: bootId() }),
    null,
    'not for another start time',
  );
  a.child.kill('SIGKILL');
});
