// Reaping orphans: as PID 1 (a container's), or as a child subreaper, corral becomes the parent
// of every process that its services leave behind (a daemonizing grandchild, say) and must
// wait() for them, or they stay zombies forever; libuv only waits for the children Node spawned.
//
// waitpid(-1) is not an option: it would also take the exits of Node's own children, whose
// 'exit' events would then never fire. So, on each SIGCHLD, this lists our children
// (/proc/self/task/*/children: every thread's, since an orphan may be given to any of them),
// skips those that Node's child_process owns, and waitpid(pid, WNOHANG)s each of the rest, which
// reaps the ones that have ended and leaves the others be. SIGCHLD is the kernel's event; there
// is no timer.
import { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { decodeWaitStatus, WNOHANG, waitpid } from './libc.js';
import { setChildSubreaper } from './native.js';

export interface ReapedProcess {
  pid: number;
  /** the raw wait status */
  status: number;
  /** exit code, when it exited */
  code: number | null;
  /** the signal that ended it, when one did */
  signal: NodeJS.Signals | null;
}

const signalNames = new Map<number, NodeJS.Signals>(
  Object.entries(osConstants.signals).map(([name, n]) => [n, name as NodeJS.Signals]),
);

/**
 * Makes orphaned descendants reparent to this process instead of PID 1 (prctl
 * PR_SET_CHILD_SUBREAPER). True when done, or when this process is PID 1 and gets them anyway.
 */
export function becomeSubreaper(): boolean {
  if (process.pid === 1) return true;
  try {
    return setChildSubreaper();
  } catch {
    return false; // not Linux, or koffi cannot load
  }
}

/** The pids whose parent is `pid` (this process by default), from every one of its threads. */
export function childrenOf(pid: number | 'self' = 'self'): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1');
    } catch {
      continue; // the thread ended while we looked
    }
    for (const word of text.split(' ')) if (word !== '') out.push(Number(word));
  }
  return out;
}

const nodeChildren = new Set<number>();
let tracking = false;

/**
 * A test for "Node's child_process spawned this pid and has not reaped it yet", covering every
 * spawn, exec, execFile and fork of the process from now on, whoever makes them (probes, the
 * CLI, libraries): it wraps ChildProcess.prototype.spawn, through which they all go. Call it
 * before the first spawn; children that already exist are not known to it. (spawnSync needs no
 * tracking: its child is waited for before it returns.) Children of worker threads are not
 * covered: corral spawns from the main thread only.
 */
export function trackNodeChildren(): (pid: number) => boolean {
  if (!tracking) {
    tracking = true;
    // an undocumented method of Node's (lib/internal/child_process.js), in every release since 0.x
    const proto = ChildProcess.prototype as unknown as {
      spawn: (this: ChildProcess, ...args: unknown[]) => unknown;
    };
    const spawn = proto.spawn;
    if (typeof spawn !== 'function')
      throw new Error('cannot track child processes: ChildProcess.prototype.spawn is gone');
    proto.spawn = function trackedSpawn(this: ChildProcess, ...args: unknown[]) {
      const result = spawn.apply(this, args);
      const pid = this.pid;
      if (pid !== undefined) {
        nodeChildren.add(pid);
        // 'exit' comes right after libuv's waitpid: from then on the pid is free for reuse
        this.once('exit', () => nodeChildren.delete(pid));
      }
      return result;
    };
  }
  return (pid) => nodeChildren.has(pid);
}

function describe(pid: number, status: number): ReapedProcess {
  const { code, signal } = decodeWaitStatus(status);
  return { pid, status, code, signal: signal === null ? null : (signalNames.get(signal) ?? null) };
}

/** Reaps every ended child that `isOwned` disowns, now and at each SIGCHLD; returns what was reaped. */
export function reapOrphans(isOwned: (pid: number) => boolean): ReapedProcess[] {
  const reaped: ReapedProcess[] = [];
  for (const pid of childrenOf()) {
    if (isOwned(pid)) continue;
    const r = waitpid(pid, WNOHANG);
    if (r !== null && typeof r === 'object') reaped.push(describe(r.pid, r.status));
  }
  return reaped;
}

/**
 * Reaps orphans at every SIGCHLD (and once now, for those that ended before), leaving alone the
 * children for which `isOwned(pid)` is true (use trackNodeChildren()). `onReaped` hears of each.
 * Returns a function that stops.
 */
export function startReaping(
  isOwned: (pid: number) => boolean,
  onReaped: (reaped: ReapedProcess) => void = () => {},
): () => void {
  // one scan per event-loop turn, however many SIGCHLDs came in it, and after libuv has handled
  // its own children's exits (so a service's restart is not held up by the scan)
  let scheduled = false;
  const scan = (): void => {
    scheduled = false;
    for (const r of reapOrphans(isOwned)) onReaped(r);
  };
  const onSignal = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(scan);
  };
  process.on('SIGCHLD', onSignal);
  scan();
  return () => {
    process.off('SIGCHLD', onSignal);
  };
}
