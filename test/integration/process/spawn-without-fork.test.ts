// The daemon's spawn path without a fork (posix_spawn): every guarantee of Node's spawn, with
// real processes, and the exit from a pidfd in an EpollLoop, reaped by us and by nobody else.
import assert from 'node:assert/strict';
import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { LaunchRequest } from '../../../src/engine/host.js';
import { spawnWithoutForkOr, systemBackend } from '../../../src/process/backend.js';
import { isRegisteredChild, letGoOfChildPidfds, watchChild } from '../../../src/process/children.js';
import { credentialsFor } from '../../../src/process/credentials.js';
import { EpollLoop } from '../../../src/process/event-loop.js';
import { killGroup } from '../../../src/process/kill.js';
import { PIPE_CLOEXEC, pipe } from '../../../src/process/native/fd.js';
import { posixSpawn, posixSpawnSupport } from '../../../src/process/native/spawn.js';
import { PidWatcher } from '../../../src/process/pidwatch.js';
import { readProcStat } from '../../../src/process/procfs.js';
import { type ReapedProcess, startReaping } from '../../../src/process/reaper.js';
import {
  fdPlan,
  type SpawnedWithoutFork,
  type SpawnServiceOptions,
  spawnService,
  spawnWithoutFork,
} from '../../../src/process/spawn.js';
import { resolveUser } from '../../../src/process/users.js';
import { wrapArgv } from '../../../src/process/wrapper.js';
import { type TempHome, tempHome } from '../../helpers/home.js';
import { waitFor } from '../../helpers/wait.js';
import { testEnv } from './support.js';

const loop = new EpollLoop(
  () => {},
  (e) => {
    throw e;
  },
);
after(() => loop.close());

// Starts `argv` without a fork, registered for cleanup; fails the test if it could not start.
function start(home: TempHome, argv: string[], opts: Partial<SpawnServiceOptions> = {}): SpawnedWithoutFork {
  const r = spawnWithoutFork(
    { argv, cwd: home.dir, env: testEnv(home), stdio: ['ignore', 'ignore', 'ignore'], ...opts },
    loop,
  );
  if ('error' in r) throw new Error(r.error);
  home.track(r.pid);
  return r;
}

function execd(pid: number, comm: string): Promise<boolean> {
  return waitFor(() => readProcStat(pid)?.comm === comm, { what: `${pid} to exec ${comm}` });
}

/** A line of /proc/PID/status, e.g. SigIgn, as its value. */
function status(pid: number | 'self', key: string): string {
  const m = new RegExp(`^${key}:\\s+(.*)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return m ? m[1] : '';
}

function fdsOf(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`).sort((a, b) => Number(a) - Number(b));
}

// The fds of a child once the loader is done with the libraries it maps (see spawn.test.ts).
async function settledFds(pid: number, comm: string, expected: number): Promise<string[]> {
  await execd(pid, comm);
  let seen: string[] = [];
  await waitFor(
    () => {
      seen = fdsOf(pid);
      return seen.length === expected;
    },
    { timeout: 3_000, what: 'the fds to settle' },
  ).catch(() => {});
  return seen;
}

test('this machine has the fast path (glibc with SETSID, chdir and closefrom)', () => {
  assert.deepEqual(posixSpawnSupport(), { ok: true, closesFds: true });
});

test('the child runs in a session and process group of its own, a child of this process', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const p = start(home, ['sleep', '1000']);
  await execd(p.pid, 'sleep');
  const stat = readProcStat(p.pid)!;
  assert.equal(stat.pgrp, p.pid);
  assert.equal(stat.session, p.pid);
  assert.equal(stat.ppid, process.pid);
  assert.equal(p.startTime, stat.startTimeTicks);
  assert.ok(p.startTime > 0);
  killGroup(p.pid, 'SIGKILL');
  assert.deepEqual(await p.exited, { code: null, signal: 'SIGKILL' });
});

test('the exit comes from the pidfd with its exact code or signal; the registry knows the child until then', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const coded = start(home, ['/bin/sh', '-c', 'read x; exit 7'], { stdio: ['ignore', 'ignore', 'ignore'] });
  const signalled = start(home, ['sleep', '1000']);
  assert.equal(isRegisteredChild(coded.pid), true);
  assert.equal(isRegisteredChild(signalled.pid), true);
  await execd(signalled.pid, 'sleep');
  process.kill(signalled.pid, 'SIGTERM');
  assert.deepEqual(await signalled.exited, { code: null, signal: 'SIGTERM' });
  assert.equal(isRegisteredChild(signalled.pid), false);
  assert.equal(readProcStat(signalled.pid), null, 'reaped: no zombie left');
  // stdin is /dev/null: `read` ends at once
  assert.deepEqual(await coded.exited, { code: 7, signal: null });
  assert.equal(isRegisteredChild(coded.pid), false);
});

test('the orphan reaper leaves them to their pidfd: every status exact, none reaped as an orphan', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const reaped: ReapedProcess[] = [];
  const stop = startReaping((r) => reaped.push(r));
  t.after(stop);
  const started = Array.from({ length: 30 }, (_, i) => start(home, ['/bin/sh', '-c', `exit ${i + 1}`]));
  const exits = await Promise.all(started.map((p) => p.exited));
  assert.deepEqual(
    exits,
    started.map((_, i) => ({ code: i + 1, signal: null })),
  );
  const ours = new Set(started.map((p) => p.pid));
  assert.deepEqual(
    reaped.filter((r) => ours.has(r.pid)),
    [],
  );
});

test('one pidfd per child: the one that watches its exit is the one held for the keeper', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const pidfds = (): string[] =>
    fdsOf(process.pid).filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:[pidfd]';
      } catch {
        return false;
      }
    });
  const before = pidfds();
  const watcher = new PidWatcher(loop, { holdChildren: true });
  t.after(() => watcher.close());
  const p = start(home, ['sleep', '1000']);
  watcher.hold(p);
  assert.deepEqual(
    watcher.list().map((h) => h.fd),
    [p.pidfd],
  );
  assert.equal(pidfds().length, before.length + 1);
  killGroup(p.pid, 'SIGKILL');
  await p.exited;
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(watcher.list(), []);
  assert.deepEqual(pidfds(), before, 'closed once, by its owner');
});

test('when fds run short a child costs none: its exit, exact, comes at SIGCHLD instead', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const reaped: ReapedProcess[] = [];
  const stop = startReaping((r) => reaped.push(r));
  t.after(stop);
  // past the ceiling from the start (fd numbers reach it), and let go of later (shed)
  const spawnAt = (argv: string[]) => {
    const r = posixSpawn({
      path: '/bin/sh',
      argv,
      env: [],
      cwd: home.dir,
      ...fdPlan(['ignore', 'ignore', 'ignore']),
    });
    home.track(r);
    return r;
  };
  // exits 9 once its stdin (a pipe of ours) is closed: after the checks below
  const [readEnd, writeEnd] = pipe(PIPE_CLOEXEC);
  t.after(() => closeSync(readEnd));
  const pastCeiling = posixSpawn({
    path: '/bin/sh',
    argv: ['/bin/sh', '-c', 'read x; exit 9'],
    env: [],
    cwd: home.dir,
    ...fdPlan([readEnd, 'ignore', 'ignore']),
  });
  home.track(pastCeiling);
  const early = watchChild(pastCeiling, loop, 0);
  assert.equal(early.pidfd, null);
  assert.equal(isRegisteredChild(pastCeiling), true);
  const shedPid = spawnAt(['/bin/sh', '-c', 'exec sleep 1000']);
  const shed = watchChild(shedPid, loop, Number.MAX_SAFE_INTEGER);
  assert.ok(shed.pidfd !== null);
  assert.deepEqual(letGoOfChildPidfds(1), [shed.pidfd]);
  await execd(shedPid, 'sleep');
  process.kill(shedPid, 'SIGTERM');
  closeSync(writeEnd);
  assert.deepEqual(await early.exited, { code: 9, signal: null });
  assert.deepEqual(await shed.exited, { code: null, signal: 'SIGTERM' });
  assert.equal(isRegisteredChild(pastCeiling), false);
  assert.equal(isRegisteredChild(shedPid), false);
  assert.deepEqual(
    reaped.filter((r) => r.pid === pastCeiling || r.pid === shedPid),
    [],
  );
});

test('only 0, 1, 2 reach the child: stdin /dev/null, output to the fd given, no other fd (not even one without close-on-exec)', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const logPath = join(home.dir, 'out.log');
  const log = openSync(logPath, 'a');
  // a pipe without close-on-exec: what an fd inherited by the daemon would be
  const [r, w] = pipe(0);
  t.after(() => {
    for (const fd of [log, r, w]) closeSync(fd);
  });
  assert.ok(fdsOf(process.pid).length > 6, 'this process has fds a child could inherit');
  const p = start(home, ['sleep', '1000'], { stdio: ['ignore', log, log] });
  assert.deepEqual(await settledFds(p.pid, 'sleep', 3), ['0', '1', '2']);
  assert.equal(readlinkSync(`/proc/${p.pid}/fd/0`), '/dev/null');
  assert.equal(readlinkSync(`/proc/${p.pid}/fd/1`), logPath);
  assert.equal(readlinkSync(`/proc/${p.pid}/fd/2`), logPath);
});

test('passed fds land at 3, 4, … in order, even when their numbers cross the targets', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const files = Array.from({ length: 40 }, (_, i) => join(home.dir, `f${i}`));
  const fds = files.map((f) => openSync(f, 'w'));
  t.after(() => {
    for (const fd of fds) closeSync(fd);
  });
  // the last first: fd numbers that are also targets (below 43) go to other targets
  const passed = [...fds].reverse();
  const stdio = ['ignore', 'ignore', 'ignore', ...passed] as SpawnServiceOptions['stdio'];
  assert.ok(
    passed.some((fd, i) => fd < stdio.length && fd !== i + 3),
    `some passed fd is another one's target (${passed.join(',')})`,
  );
  const p = start(home, ['sleep', '1000'], { stdio });
  const seen = await settledFds(p.pid, 'sleep', stdio.length);
  assert.deepEqual(
    seen,
    stdio.map((_, i) => String(i)),
  );
  const got = passed.map((_, i) => readlinkSync(`/proc/${p.pid}/fd/${i + 3}`));
  assert.deepEqual(got, [...files].reverse());
});

test('the environment is exactly the one given, its PATH finds the command, and cwd is entered', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  // a command found only through the child's PATH (a relative entry, from the child's cwd)
  mkdirSync(join(home.dir, 'bin'));
  symlinkSync(realpathSync('/bin/sleep'), join(home.dir, 'bin', 'corral-only'));
  const env = { ...testEnv(home), PATH: `bin:${testEnv(home).PATH}`, ONLY_THIS: 'yes' };
  const p = start(home, ['corral-only', '1000'], { env });
  await execd(p.pid, 'corral-only');
  // the comm changes early in the exec, the environment is in place a moment later
  const environ = (): string[] =>
    readFileSync(`/proc/${p.pid}/environ`, 'utf8').split('\0').filter(Boolean).sort();
  const got = await waitFor(() => (environ().length > 0 ? environ() : null), { what: 'the environment' });
  assert.deepEqual(
    got,
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .sort(),
  );
  assert.equal(readlinkSync(`/proc/${p.pid}/cwd`), home.dir);
});

test('every signal at its default and none blocked, although this process ignores SIGPIPE', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  assert.notEqual(status('self', 'SigIgn'), '0000000000000000', 'Node ignores SIGPIPE');
  const p = start(home, ['sleep', '1000']);
  await execd(p.pid, 'sleep');
  assert.equal(status(p.pid, 'SigIgn'), '0000000000000000');
  assert.equal(status(p.pid, 'SigBlk'), '0000000000000000');
});

test('the umask is the one given, from the first instruction; this process keeps its own', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const mine = process.umask();
  const p = start(home, ['sleep', '1000'], { umask: 0o027 });
  await execd(p.pid, 'sleep');
  assert.equal(status(p.pid, 'Umask'), '0027');
  assert.equal(process.umask(), mine);
});

test('the preludes work as with a fork: LISTEN_PID is the program’s pid, oom_score_adj is set', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const out = join(home.dir, 'listen-pid');
  const p = start(
    home,
    wrapArgv(['/bin/sh', '-c', `echo $LISTEN_PID > ${out}; exec sleep 1000`], { listenPid: true }),
  );
  const oom = start(home, wrapArgv(['sleep', '1000'], { oomScoreAdj: 500 }));
  await execd(p.pid, 'sleep');
  await execd(oom.pid, 'sleep');
  assert.equal(readFileSync(out, 'utf8').trim(), String(p.pid));
  assert.equal(readFileSync(`/proc/${oom.pid}/oom_score_adj`, 'utf8').trim(), '500');
});

test('a command that cannot start is reported in the very words of the fork path', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const env = testEnv(home);
  const stdio: SpawnServiceOptions['stdio'] = ['ignore', 'ignore', 'ignore'];
  const noInterpreter = join(home.dir, 'no-interpreter');
  writeFileSync(noInterpreter, '#!/no/such/interpreter\n');
  chmodSync(noInterpreter, 0o755);
  const notExecutable = join(home.dir, 'not-executable');
  writeFileSync(notExecutable, '#!/bin/sh\nexit 0\n');
  chmodSync(notExecutable, 0o644);
  const cases: Array<{ argv: string[]; cwd?: string }> = [
    { argv: ['no-such-command-corral', 'arg'] },
    { argv: [join(home.dir, 'nope')] },
    { argv: ['sleep', '1'], cwd: join(home.dir, 'gone') },
    { argv: [noInterpreter] },
    { argv: [notExecutable] },
    { argv: [] },
  ];
  for (const c of cases) {
    const opts = { argv: c.argv, cwd: c.cwd ?? home.dir, env, stdio };
    const fast = spawnWithoutFork(opts, loop);
    const forked = spawnService(opts);
    assert.ok('error' in fast, `${c.argv.join(' ')} started`);
    assert.ok('error' in forked);
    assert.deepEqual(fast, forked, c.argv.join(' '));
  }
  await new Promise((resolve) => setImmediate(resolve));
});

test('a NUL byte in argv or env is refused as the fork path refuses it, not cut short', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const out = openSync(join(home.dir, 'out'), 'w');
  t.after(() => closeSync(out));
  const log = { warn: () => {} };
  const base: LaunchRequest = {
    argv: ['sleep', '1000'],
    cwd: home.dir,
    env: testEnv(home),
    stdio: ['ignore', out, out],
  };
  for (const req of [
    { ...base, argv: ['sleep', '1000\0 && evil'] },
    { ...base, env: { ...base.env, X: 'a\0b' } },
  ]) {
    const fast = spawnWithoutForkOr(req, loop, log);
    const forked = systemBackend.spawn(req);
    assert.ok('error' in fast, 'refused');
    assert.deepEqual(fast, forked);
    assert.match(fast.error, /null bytes/);
  }
  await new Promise((resolve) => setImmediate(resolve));
});

test('another user through the setpriv prefix, as with a fork', {
  skip: process.getuid?.() !== 0 && 'needs root',
}, async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const credentials = credentialsFor('nobody', null);
  assert.ok(!('error' in credentials) && credentials.argvPrefix.length > 0, 'setpriv is there');
  const nobody = resolveUser('nobody');
  const p = start(home, [...credentials.argvPrefix, 'sleep', '1000'], { cwd: '/' });
  await execd(p.pid, 'sleep');
  assert.equal(status(p.pid, 'Uid').split(/\s+/)[0], String(nobody.uid));
  assert.equal(status(p.pid, 'Gid').split(/\s+/)[0], String(nobody.gid));
  assert.equal(readProcStat(p.pid)?.session, p.pid);
});

test('an executable without #! runs under /bin/sh, as execvp runs it', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const script = join(home.dir, 'no-shebang');
  writeFileSync(script, 'exit 5\n');
  chmodSync(script, 0o755);
  const p = start(home, ['./no-shebang']);
  assert.deepEqual(await p.exited, { code: 5, signal: null });
});

test('where libc cannot, the fork path starts it, and daemon.log hears why once', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const warnings: string[] = [];
  const log = { warn: (_: object, msg: string) => warnings.push(msg) };
  const unsupported = { ok: false as const, reason: 'a libc without posix_spawn' };
  const out = openSync(join(home.dir, 'out'), 'w');
  t.after(() => closeSync(out));
  const req: LaunchRequest = {
    argv: ['sleep', '1000'],
    cwd: home.dir,
    env: testEnv(home),
    stdio: ['ignore', out, out],
  };
  const launched = [
    spawnWithoutForkOr(req, loop, log, unsupported),
    spawnWithoutForkOr(req, loop, log, unsupported),
  ];
  for (const l of launched) {
    assert.ok(!('error' in l));
    home.track(l.pid);
    await execd(l.pid, 'sleep');
    assert.equal(readProcStat(l.pid)?.session, l.pid);
    killGroup(l.pid, 'SIGKILL');
    assert.deepEqual(await l.exited, { code: null, signal: 'SIGKILL' });
  }
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /forking the daemon .*a libc without posix_spawn/);
});
