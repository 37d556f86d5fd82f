// The restart policy: how a process ended, in; what to do next, out. Pure: no timers, no
// processes, no clock, so every case can be tested (test/unit/engine/policy.test.ts).
//
// decide(spec, exit, state), in this order:
// 1. A run of at least backoff.resetAfterMs resets the restart count to 0 before this exit
//    is counted: a service that ran fine for a while starts again with its free restarts.
// 2. reason `stopped-by-user`: never restarted (action 'exit'); the count goes back to 0.
// 3. reason `spawn-failed` (the command could not be started): 'fail' at once. Retrying a
//    missing program or a bad working directory only fills the log; fix it and start again.
// 4. Whether to restart, by `restart`:
//      never       no.
//      on-failure  yes unless the process exited by itself with a code in success_codes
//                  (not by a signal, not with an unknown status) and corral did not end it
//                  for health-failed, ready-timeout or max-memory.
//      always      yes.
//    No restart: action 'exit' (state `exited`), the count is kept.
// 5. Restarting: n = count + 1. With max_restarts > 0 and n > max_restarts: action 'fail'
//    ("gave up after N restarts"), the count is kept. Else action 'restart' after
//    backoffDelay(backoff, n), and n is the new count.
//
// backoffDelay: the first `free` restarts are immediate, then initial * factor ** k for
// k = 0, 1, …, capped at max. Defaults: 0, 0, 0, 2 s, 4 s, 8 s, 16 s, 32 s, 60 s, 60 s, …
import { constants } from 'node:os';
import type { BackoffSpec, ServiceSpec } from '../config/types.js';
import { ExitReason } from './states.js';

export interface ExitInfo {
  /** the exit code as the kernel gave it; null when killed by a signal or not known */
  code: number | null;
  signal: NodeJS.Signals | null;
  reason: ExitReason;
  /** how long this run lasted, ms */
  runMs: number;
}

export interface PolicyState {
  /** consecutive restarts counted for backoff and max_restarts */
  restarts: number;
}

export interface Decision {
  action: 'restart' | 'exit' | 'fail';
  /** wait before starting again; 0 unless action is 'restart' */
  delayMs: number;
  reason: ExitReason;
  /** the count to keep for the next decision */
  restarts: number;
  /** one sentence for `ps` and the event log */
  message: string;
}

/** Reasons for which corral itself ended the process: failures, whatever the exit code says. */
const FAILED_BY_CORRAL: ReadonlySet<ExitReason> = new Set([
  ExitReason.HealthFailed,
  ExitReason.ReadyTimeout,
  ExitReason.MaxMemory,
]);

/** The code shown for an exit: the exit code, or 128 + N for signal N; null when not known. */
export function exitCode(code: number | null, signal: NodeJS.Signals | null): number | null {
  if (signal !== null) {
    const n = constants.signals[signal];
    return n === undefined ? null : 128 + n;
  }
  return code;
}

/** A few words on how a process ended, e.g. "exited with code 3", "killed by SIGKILL (137)". */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal !== null) {
    const shown = exitCode(null, signal);
    return shown === null ? `killed by ${signal}` : `killed by ${signal} (${shown})`;
  }
  return code === null ? 'ended with an unknown status' : `exited with code ${code}`;
}

/** How a process ended by itself: `exited` for a success code, else `crashed`. */
export function exitReason(
  code: number | null,
  signal: NodeJS.Signals | null,
  successCodes: number[],
): ExitReason {
  return signal === null && code !== null && successCodes.includes(code)
    ? ExitReason.Exited
    : ExitReason.Crashed;
}

/** The wait before restart number `attempt` (1-based), ms. */
export function backoffDelay(backoff: BackoffSpec, attempt: number): number {
  if (attempt <= backoff.free) return 0;
  const delay = backoff.initialMs * backoff.factor ** (attempt - backoff.free - 1);
  return Math.round(Math.min(delay, backoff.maxMs));
}

function wantsRestart(spec: Pick<ServiceSpec, 'restart' | 'successCodes'>, exit: ExitInfo): boolean {
  switch (spec.restart) {
    case 'never':
      return false;
    case 'always':
      return true;
    case 'on-failure': {
      const succeeded = exit.signal === null && exit.code !== null && spec.successCodes.includes(exit.code);
      return !succeeded || FAILED_BY_CORRAL.has(exit.reason);
    }
  }
}

function formatDelay(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Decides what follows the end of a process: restart (after how long), stay exited, or give up. */
export function decide(
  spec: Pick<ServiceSpec, 'restart' | 'successCodes' | 'backoff' | 'maxRestarts'>,
  exit: ExitInfo,
  state: PolicyState,
): Decision {
  const reason = exit.reason;
  const how = describeExit(exit.code, exit.signal);
  const what = reason === ExitReason.Exited || reason === ExitReason.Crashed ? how : `${reason}: ${how}`;
  const counted = exit.runMs >= spec.backoff.resetAfterMs ? 0 : state.restarts;
  if (reason === ExitReason.StoppedByUser) {
    return { action: 'exit', delayMs: 0, reason, restarts: 0, message: `stopped by user (${how})` };
  }
  if (reason === ExitReason.SpawnFailed) {
    return {
      action: 'fail',
      delayMs: 0,
      reason,
      restarts: counted,
      message: 'could not be started; not retried',
    };
  }
  if (!wantsRestart(spec, exit)) {
    return {
      action: 'exit',
      delayMs: 0,
      reason,
      restarts: counted,
      message: `${what}; not restarted (restart: ${spec.restart})`,
    };
  }
  const n = counted + 1;
  if (spec.maxRestarts > 0 && n > spec.maxRestarts) {
    return {
      action: 'fail',
      delayMs: 0,
      reason,
      restarts: counted,
      message: `${what}; gave up after ${counted} restarts`,
    };
  }
  const delayMs = backoffDelay(spec.backoff, n);
  const when = delayMs === 0 ? 'now' : `in ${formatDelay(delayMs)}`;
  return { action: 'restart', delayMs, reason, restarts: n, message: `${what}; restart ${n} ${when}` };
}
