// Starting one process of a service: exec'd as given, in its own session and process group,
// with exactly the environment and file descriptors the caller chose.
//
// - `detached: true` makes the child call setsid(): pid = process group id = session id, so
//   the whole group can be signalled and the child has no controlling terminal of ours.
// - No shell is added: argv[0] is exec'd directly (a string command in the config file is
//   already ['/bin/sh', '-c', command] by the time it gets here).
// - stdio is never the daemon's: 'ignore' (/dev/null), 'pipe', or an fd the caller opened.
//   Fds the caller lists after stderr become the child's fds 3, 4, … (listening sockets);
//   every other fd of the daemon is close-on-exec (Node opens everything that way), so the
//   child sees none of them.
// - A spawn that fails never throws: the result says why, naming the command.
import type { ChildProcess } from 'node:child_process';
import { spawnChild } from './children.js';
import { readProcStat } from './procfs.js';
import { explainSpawnFailure } from './spawn-failure.js';

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
