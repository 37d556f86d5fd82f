// Reaping orphans: as PID 1 (a container's), or as a child subreaper, corral becomes the parent
// of every process that its services leave behind (a daemonizing grandchild, say) and must
// wait() for them, or they stay zombies forever; libuv only waits for the children Node spawned.
//
// waitpid(-1) is not an option: it would also take the exits of Node's own children, whose
// 'exit' events would then never fire. So, a few ms after a SIGCHLD, this lists our main
// thread's children (/proc/self/task/PID/children), skips those corral spawned itself
// (children.ts), and waitpid(pid, WNOHANG)s each of the rest, which reaps the ones that have ended
// and leaves the others be. The main thread's list is the whole list: corral spawns only from it,
// and the kernel hands an orphan to the first live thread of its subreaper, which is the main
// thread while the process lives. SIGCHLD is the kernel's event; the timer only gathers the
// SIGCHLDs of a burst into one look, after the exits of corral's own children were handled.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { DEFAULTS } from '../defaults.js';
import { signalName } from '../signals.js';
import { isRegisteredChild } from './children.js';
import { decodeWaitStatus, setChildSubreaper, WNOHANG, waitpid } from './native/pidfd.js';

export interface ReapedProcess {
  pid: number;
  /** the raw wait status */
  status: number;
  /** exit code, when it exited */
  code: number | null;
  /** the signal that ended it, when one did */
  signal: NodeJS.Signals | null;
}

/** Whether this process now gets the orphans of its descendants, and why not when it does not. */
export type SubreaperResult = { ok: true } | { ok: false; reason: string };

/**
 * Makes orphaned descendants reparent to this process instead of PID 1 (prctl
 * PR_SET_CHILD_SUBREAPER). ok when done, or when this process is PID 1 and gets them anyway; else
 * the reason (koffi cannot load, prctl failed with its errno, /proc lists no children), for the
 * caller to report.
 */
export function becomeSubreaper(): SubreaperResult {
  // the reaper finds orphans in this file; without it (a kernel built without
  // CONFIG_PROC_CHILDREN) it would find none, and reap none, silently
  const children = `/proc/self/task/${process.pid}/children`;
  if (!existsSync(children)) {
    return {
      ok: false,
      reason: `cannot reap orphans: ${children} is missing (kernel without CONFIG_PROC_CHILDREN)`,
    };
  }
  if (process.pid === 1) return { ok: true };
  try {
    setChildSubreaper();
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: `cannot become a child subreaper: ${(e as Error).message}` };
  }
}

/** The pids whose parent is `pid` (this process by default), from every one of its threads. */
export function childrenOf(pid: number | 'self' = 'self'): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return tasks.flatMap((tid) => childrenOfThread(pid, tid));
}

// The children one thread of a process started or was given as orphans (none when it ended).
function childrenOfThread(pid: number | 'self', tid: number | string): number[] {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const word of text.split(' ')) if (word !== '') out.push(Number(word));
  return out;
}

// A reaped child's wait status as an exit code or a signal name.
function describe(pid: number, status: number): ReapedProcess {
  const { code, signal } = decodeWaitStatus(status);
  return { pid, status, code, signal: signal === null ? null : signalName(signal) };
}

/** Reaps every ended child that `isOwned` disowns (by default, every one corral did not spawn); returns what was reaped. */
function reapOrphans(isOwned: (pid: number) => boolean = isRegisteredChild): ReapedProcess[] {
  const reaped: ReapedProcess[] = [];
  for (const pid of childrenOfThread('self', process.pid)) {
    if (isOwned(pid)) continue;
    const r = waitpid(pid, WNOHANG);
    if (r !== null && typeof r === 'object') reaped.push(describe(r.pid, r.status));
  }
  return reaped;
}

/**
 * Reaps orphans at every SIGCHLD (and once now, for those that ended before), leaving alone the
 * children corral spawned itself (registered in children.ts). `onReaped` hears of each.
 * Returns a function that stops.
 */
export function startReaping(onReaped: (reaped: ReapedProcess) => void = () => {}): () => void {
  // one scan per burst of SIGCHLDs, a few ms later: the exit of a service (seen through its pidfd,
  // which can wake the loop after the signal does) is handled first, and its restart never waits
  // behind the scan
  let scheduled: NodeJS.Timeout | null = null;
  const scan = (): void => {
    scheduled = null;
    for (const r of reapOrphans()) onReaped(r);
  };
  const onSignal = (): void => {
    if (scheduled !== null) return;
    scheduled = setTimeout(scan, DEFAULTS.internal.reapDelayMs).unref();
  };
  process.on('SIGCHLD', onSignal);
  scan();
  return () => {
    process.off('SIGCHLD', onSignal);
    if (scheduled !== null) clearTimeout(scheduled);
  };
}
