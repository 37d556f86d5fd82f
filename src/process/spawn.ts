// Starting one process of a service: exec'd as given, in its own session and process group,
// with exactly the environment and file descriptors the caller chose. Two ways, the same result:
// spawnService (Node's child_process: a fork of the daemon, its exit from libuv) and
// spawnWithoutFork (posix_spawn: no copy of the daemon, its exit from a pidfd in the daemon's
// EpollLoop). The daemon uses the second wherever libc has what it needs (backend.ts).
//
// - The child calls setsid() (`detached: true`, or POSIX_SPAWN_SETSID): pid = process group id =
//   session id, so the whole group can be signalled and it has no controlling terminal of ours.
// - No shell is added: argv[0] is exec'd directly (a string command in the config file is
//   already ['/bin/sh', '-c', command] by the time it gets here).
// - stdio is never the daemon's: 'ignore' (/dev/null), 'pipe', or an fd the caller opened.
//   Fds the caller lists after stderr become the child's fds 3, 4, … (listening sockets);
//   every other fd of the daemon is close-on-exec (Node opens everything that way), and
//   without a fork also closed in the child (closefrom), so the child sees none of them.
// - A spawn that fails never throws: the result says why, naming the command.
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULTS } from '../defaults.js';
import type { RawExit } from '../engine/host.js';
import { spawnChild, watchChild } from './children.js';
import type { EpollLoop } from './event-loop.js';
import { SystemCallError } from './native/koffi.js';
import { posixSpawn, type SpawnPlan } from './native/spawn.js';
import { openFileLimit } from './pidwatch.js';
import { readProcStat } from './procfs.js';
import { DEFAULT_PATH, explainSpawnFailure } from './spawn-failure.js';

export type StdinOption = 'ignore' | number;
export type OutputOption = 'ignore' | 'pipe' | number;

export interface SpawnServiceOptions {
  /** argv[0] is looked up in env.PATH when it has no slash */
  argv: string[];
  /** absolute working directory */
  cwd: string;
  /** the child's whole environment; nothing of the daemon's is added */
  env: Record<string, string>;
  /** stdin, stdout, stderr, then fds to pass as 3, 4, … */
  stdio: [StdinOption, OutputOption, OutputOption, ...number[]];
  /** run as this user and group (numbers; only when the daemon runs as root); set both */
  uid?: number;
  gid?: number;
  /** the process's umask from its first instruction on (set around the fork: no race) */
  umask?: number;
}

export interface SpawnedService {
  child: ChildProcess;
  /** also the process group id and session id */
  pid: number;
  /** start time in clock ticks after boot (/proc/<pid>/stat field 22), for ProcessIdentity */
  startTime: number;
}

export interface SpawnFailure {
  /** a sentence for the user, e.g. `could not start "foo": ENOENT: no such file or directory (not found in PATH=…)` */
  error: string;
  /** errno name when known, e.g. ENOENT */
  errno: string | null;
}

function failure(command: string, opts: SpawnServiceOptions, thrown?: unknown): SpawnFailure {
  const cause = explainSpawnFailure(command, opts.cwd, opts.env);
  if (cause.errno === null && thrown instanceof Error) {
    const code = (thrown as NodeJS.ErrnoException).code ?? null;
    return { error: `could not start "${command}": ${thrown.message}`, errno: code };
  }
  return { error: `could not start "${command}": ${cause.message}`, errno: cause.errno };
}

// Errors after a successful spawn come only from ChildProcess.kill(), which corral does not
// use (it signals groups with killGroup); this listener keeps one from throwing in the daemon.
function ignoreError(): void {}

/** Starts a service's process in a new session; returns the child, or why it could not start. */
export function spawnService(opts: SpawnServiceOptions): SpawnedService | SpawnFailure {
  const [command, ...args] = opts.argv;
  if (!command) return { error: 'could not start: the command is empty', errno: null };
  let child: ChildProcess;
  // the umask is inherited through fork and exec; spawn forks synchronously, so setting ours
  // around it affects nothing else
  const previousUmask = opts.umask === undefined ? null : process.umask(opts.umask);
  try {
    child = spawnChild(command, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: opts.stdio,
      detached: true,
      uid: opts.uid,
      gid: opts.gid,
    });
  } catch (e) {
    return failure(command, opts, e);
  } finally {
    if (previousUmask !== null) process.umask(previousUmask);
  }
  child.on('error', ignoreError);
  const pid = child.pid;
  if (pid === undefined) return failure(command, opts);
  // The child cannot have been reaped yet (that happens on a later turn of the event loop),
  // so its /proc entry is there; 0 would only make a later identity check fail safe.
  const startTime = readProcStat(pid)?.startTimeTicks ?? 0;
  return { child, pid, startTime };
}

/** A service started by posix_spawn: no ChildProcess, its exit watched through a pidfd. */
export interface SpawnedWithoutFork {
  /** also the process group id and session id */
  pid: number;
  /** start time in clock ticks after boot (/proc/<pid>/stat field 22), for ProcessIdentity */
  startTime: number;
  /** settles once the child has ended and been reaped, with its code or signal */
  exited: Promise<RawExit>;
  /**
   * the pidfd its exit is watched through, open until `exited` settles (PidWatcher.hold borrows
   * it); null when fds ran short and its exit is found at SIGCHLD
   */
  pidfd: number | null;
}

/**
 * Whether spawnWithoutFork can carry out these options: 'pipe' and uid/gid need Node's spawn,
 * and so does a NUL byte in argv, env or cwd (C strings would cut it short where Node refuses it,
 * in its own words).
 */
export function fitsWithoutFork(opts: SpawnServiceOptions): boolean {
  if (opts.uid !== undefined || opts.gid !== undefined || opts.stdio.includes('pipe')) return false;
  const strings = [opts.cwd, ...opts.argv, ...Object.keys(opts.env), ...Object.values(opts.env)];
  return !strings.some((s) => s.includes('\0'));
}

// What execvp would run for `command`: a path with a slash as is (relative to `cwd`), else the
// first executable regular file of env.PATH (relative entries taken from `cwd`); null if none.
function resolveCommand(command: string, cwd: string, env: Record<string, string>): string | null {
  if (command.includes('/')) return command;
  for (const dir of (env.PATH ?? DEFAULT_PATH).split(':')) {
    const candidate = resolve(cwd, dir || '.', command);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not there, or not executable: the next entry, as execvp does
    }
  }
  return null;
}

/**
 * The fd moves that give the child stdio[i] as fd i and nothing else. A source that is itself a
 * target number (below stdio.length) is first copied above every target and every source, so no
 * dup2 overwrites a source still to be read, and none is dup2(fd, fd), which would leave it
 * close-on-exec; those copies are closed afterwards.
 */
export function fdPlan(
  stdio: SpawnServiceOptions['stdio'],
): Pick<SpawnPlan, 'dup2' | 'devNull' | 'close' | 'closeFrom'> {
  const count = stdio.length;
  const sources = new Set(stdio.filter((s): s is number => typeof s === 'number'));
  const dup2: SpawnPlan['dup2'] = [];
  const moved = new Map<number, number>();
  let spare = count;
  for (const source of sources) {
    if (source >= count) continue;
    while (sources.has(spare)) spare++;
    moved.set(source, spare);
    dup2.push({ from: source, to: spare });
    spare++;
  }
  const devNull: number[] = [];
  stdio.forEach((source, target) => {
    if (typeof source === 'number') dup2.push({ from: moved.get(source) ?? source, to: target });
    else devNull.push(target);
  });
  return { dup2, devNull, close: [...moved.values()], closeFrom: count };
}

/**
 * Starts a service's process with posix_spawn (no fork of the daemon) in a new session, and
 * watches its exit through a pidfd in `exits`. Only for options that fitsWithoutFork; never
 * throws: the result says why it could not start, in the same words as spawnService.
 */
export function spawnWithoutFork(
  opts: SpawnServiceOptions,
  exits: EpollLoop,
): SpawnedWithoutFork | SpawnFailure {
  const [command] = opts.argv;
  if (!command) return { error: 'could not start: the command is empty', errno: null };
  const path = resolveCommand(command, opts.cwd, opts.env);
  if (path === null) return failure(command, opts);
  const plan: SpawnPlan = {
    path,
    argv: opts.argv,
    env: Object.entries(opts.env).map(([k, v]) => `${k}=${v}`),
    cwd: opts.cwd,
    ...fdPlan(opts.stdio),
  };
  let pid: number;
  // the umask is inherited through clone and exec, and posix_spawn returns only after the exec
  const previousUmask = opts.umask === undefined ? null : process.umask(opts.umask);
  try {
    pid = spawnOrShell(plan);
  } catch (e) {
    return failure(command, opts, e);
  } finally {
    if (previousUmask !== null) process.umask(previousUmask);
  }
  const watched = watchChild(pid, exits, pidfdCeiling());
  // exec'd already (posix_spawn returns after the exec), and reaped only by watchChild
  const startTime = readProcStat(pid)?.startTimeTicks ?? 0;
  return { pid, startTime, ...watched };
}

// posix_spawn, and for an executable without a `#!` line (ENOEXEC) /bin/sh running it, as
// execvp (and so Node's spawn) does.
function spawnOrShell(plan: SpawnPlan): number {
  try {
    return posixSpawn(plan);
  } catch (e) {
    if (!(e instanceof SystemCallError) || e.code !== 'ENOEXEC') throw e;
    return posixSpawn({ ...plan, path: '/bin/sh', argv: ['/bin/sh', plan.path, ...plan.argv.slice(1)] });
  }
}

let ceiling: number | undefined;

// The fd number from which a child's exit is watched at SIGCHLD rather than through a pidfd: half
// the open-file limit (read once), as for the pidfds held for the keeper.
function pidfdCeiling(): number {
  ceiling ??= Math.floor(openFileLimit() * DEFAULTS.internal.heldPidfdsFdCeiling);
  return ceiling;
}
