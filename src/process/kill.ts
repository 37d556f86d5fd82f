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
import { type Clock, systemClock, type Timer } from '../clock.js';
import { DEFAULTS } from '../defaults.js';
import { groupMembers } from './procfs.js';

const MAX_CHECK_INTERVAL_MS = 50;

// Throws unless `pgid` names one process group other than ours.
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

/** A signal stopGroup could not send, and why (the errno's code: EPERM for a group of another user). */
export interface SignalFailure {
  signal: NodeJS.Signals;
  code: string;
  message: string;
}

// Like killGroup, for stopGroup: a group it may not signal (EPERM) is returned as a failure, not thrown.
function trySignal(pgid: number, signal: NodeJS.Signals): boolean | SignalFailure {
  try {
    return killGroup(pgid, signal);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return {
      signal,
      code: err.code ?? 'UNKNOWN',
      message: `cannot send ${signal} to process group ${pgid}: ${err.code ?? err.message}`,
    };
  }
}

// A deadline on the clock: `passed` turns true when it comes, and `reached` settles then.
interface Deadline {
  readonly passed: boolean;
  readonly reached: Promise<void>;
  cancel(): void;
}

// A deadline `ms` from now on `clock`.
function deadlineAfter(clock: Clock, ms: number): Deadline {
  let timer: Timer | null = null;
  const state = { passed: false };
  const reached = new Promise<void>((resolve) => {
    timer = clock.after(ms, () => {
      state.passed = true;
      resolve();
    });
  });
  return {
    get passed() {
      return state.passed;
    },
    reached,
    cancel: () => timer?.cancel(),
  };
}

// Resolves after `ms` on the clock, or when the deadline comes, whichever is first.
function pause(clock: Clock, ms: number, deadline: Deadline): Promise<void> {
  let timer: Timer | null = null;
  const slept = new Promise<void>((resolve) => {
    timer = clock.after(ms, resolve);
  });
  return Promise.race([slept, deadline.reached]).finally(() => timer?.cancel());
}

// Waits for the leader's exit, then for the group to empty; false if the deadline comes first.
async function groupGone(
  pgid: number,
  exited: Promise<unknown>,
  clock: Clock,
  withinMs: number,
): Promise<boolean> {
  const deadline = deadlineAfter(clock, withinMs);
  try {
    const settled = exited.then(
      () => true,
      () => true,
    );
    if (!(await Promise.race([settled, deadline.reached.then(() => false)]))) return false;
    for (let interval = 1; ; interval = Math.min(interval * 2, MAX_CHECK_INTERVAL_MS)) {
      if (groupIsEmpty(pgid)) return true;
      if (deadline.passed) return false;
      await pause(clock, interval, deadline);
    }
  } finally {
    deadline.cancel();
  }
}

export interface StopGroupOptions {
  /** the service's stop signal */
  signal: NodeJS.Signals;
  /** how long the group has to go after `signal` before SIGKILL, ms */
  timeoutMs: number;
  /** settles when the leader's exit was seen */
  exited: Promise<unknown>;
  /** the timers of the grace period and of the checks (default: the system clock) */
  clock?: Clock;
}

export interface StopGroupResult {
  /** SIGKILL was sent: the group outlived the grace period */
  killed: boolean;
  /** the leader's exit was seen and no live member is left (false: the stop gave up waiting) */
  gone: boolean;
  /** the first signal that could not be sent (EPERM: a process of another user), else null */
  failure: SignalFailure | null;
}

/**
 * Stops a process group gracefully, escalating to SIGKILL after the timeout. Always ends: after
 * SIGKILL it waits at most DEFAULTS.internal.killWaitMs, then says in `gone` whether the group
 * went and in `failure` whether a signal could not be sent.
 */
export async function stopGroup(pgid: number, opts: StopGroupOptions): Promise<StopGroupResult> {
  assertGroup(pgid);
  const clock = opts.clock ?? systemClock;
  // the clock's timers do not keep the process alive; a stop in progress must (corral run has
  // nothing else to wait on once the leader has exited and its group is emptying)
  const keepAlive = setInterval(() => {}, 2 ** 30);
  try {
    const first = trySignal(pgid, opts.signal);
    let failure = typeof first === 'object' ? first : null;
    if (await groupGone(pgid, opts.exited, clock, opts.timeoutMs))
      return { killed: false, gone: true, failure };
    const kill = trySignal(pgid, 'SIGKILL');
    if (typeof kill === 'object') failure ??= kill;
    const gone = await groupGone(pgid, opts.exited, clock, DEFAULTS.internal.killWaitMs);
    return { killed: kill === true, gone, failure };
  } finally {
    clearInterval(keepAlive);
  }
}

/**
 * SIGKILLs a group and waits until none of it is left (zombies aside), at most
 * DEFAULTS.internal.killWaitMs; false if some member outlived that. For helpers of corral's own
 * (the FIFO keeper) whose end a command reports.
 */
export async function killGroupAndWait(pgid: number, clock: Clock = systemClock): Promise<boolean> {
  if (!killGroup(pgid, 'SIGKILL')) return true;
  // the clock's timers do not keep the process alive, and a command may have nothing else left
  const keepAlive = setInterval(() => {}, 2 ** 30);
  try {
    return await groupGone(pgid, Promise.resolve(), clock, DEFAULTS.internal.killWaitMs);
  } finally {
    clearInterval(keepAlive);
  }
}
