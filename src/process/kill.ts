// Stopping a service's process group: its stop signal, a grace period, then SIGKILL.
//
// "Stopped" means the leader's exit was seen AND no live member is left in its group:
// a leader that obeys SIGTERM but leaves a child behind is not stopped yet. The leader's
// exit comes as an event (the caller's `exited` promise). The kernel has no event for
// "this group is now empty", so once the leader is gone, and only while members remain,
// the group is checked again at growing intervals (1, 2, 4 … 50 ms) until it is empty or
// the deadline passes. Each check is one kill(-pgid, 0) (ESRCH: nobody, not even a zombie,
// is left) and, only if that finds someone, one scan of /proc that ignores zombies.
// This is not a steady-state poll: it runs during a stop and ends with it.
import { groupMembers } from './procfs.js';

/** How long to wait for the group to be gone after SIGKILL, ms (a process in disk wait can outlive it). */
export const KILL_WAIT_MS = 1_000;

const MAX_CHECK_INTERVAL_MS = 50;

function assertGroup(pgid: number): void {
  // -0 would signal our own group and -1 every process we may signal
  if (!Number.isInteger(pgid) || pgid <= 1)
    throw new RangeError(`Expected a process group id > 1, got ${pgid}`);
}

/** Signals every process of a group; false when the group no longer exists (ESRCH). */
export function killGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  assertGroup(pgid);
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}

/** True when no live process is left in the group (zombies do not count). */
export function groupIsEmpty(pgid: number): boolean {
  try {
    if (!killGroup(pgid, 0)) return true;
  } catch {
    // EPERM: members we may not signal still exist; the scan below tells
  }
  return groupMembers(pgid).length === 0;
}

// Like killGroup, for stopGroup: a group it may not signal (EPERM) is reported, not thrown.
function trySignal(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    return killGroup(pgid, signal);
  } catch {
    return false;
  }
}

const TIMED_OUT = Symbol('timed out');

// Resolves with the promise's outcome (true once it settles), or TIMED_OUT at the deadline.
function settledBefore(promise: Promise<unknown>, deadline: number): Promise<true | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - performance.now()), TIMED_OUT);
  });
  const settled = promise.then(
    () => true as const,
    () => true as const,
  );
  return Promise.race([settled, timeout]).finally(() => clearTimeout(timer));
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Waits for the leader's exit, then for the group to empty; false if the deadline comes first.
async function groupGone(pgid: number, exited: Promise<unknown>, deadline: number): Promise<boolean> {
  if ((await settledBefore(exited, deadline)) === TIMED_OUT) return false;
  for (let interval = 1; ; interval = Math.min(interval * 2, MAX_CHECK_INTERVAL_MS)) {
    if (groupIsEmpty(pgid)) return true;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    await pause(Math.min(interval, left));
  }
}

export interface StopGroupOptions {
  /** the service's stop signal */
  signal: NodeJS.Signals;
  /** how long the group has to go after `signal` before SIGKILL, ms */
  timeoutMs: number;
  /** settles when the leader's exit was seen */
  exited: Promise<unknown>;
}

/** Stops a process group gracefully, escalating to SIGKILL after the timeout; `killed` tells whether it had to. */
export async function stopGroup(pgid: number, opts: StopGroupOptions): Promise<{ killed: boolean }> {
  assertGroup(pgid);
  trySignal(pgid, opts.signal);
  if (await groupGone(pgid, opts.exited, performance.now() + opts.timeoutMs)) return { killed: false };
  const killed = trySignal(pgid, 'SIGKILL');
  await groupGone(pgid, opts.exited, performance.now() + KILL_WAIT_MS);
  return { killed };
}
