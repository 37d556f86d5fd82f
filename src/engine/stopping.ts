// A stop that always ends: the service's stop signal, SIGKILL after its timeout (the backend),
// then a bounded wait for the exit itself, so a process that cannot be killed (disk wait, or not
// ours to signal) is reported instead of holding up a stop, a removal or the daemon's shutdown.
import type { Clock } from '../clock.js';
import type { ServiceSpec } from '../config/types.js';
import { DEFAULTS } from '../defaults.js';
import type { EngineHost } from './host.js';

export interface StopOutcome {
  /** the exit was seen */
  gone: boolean;
  /** SIGKILL was needed */
  killed: boolean;
  /** why it is not gone, in words (when it is not) */
  why: string | null;
}

/** Stops a process group and waits, within a bound, for the leader's exit. */
export async function stopAndWait(
  host: Pick<EngineHost, 'clock' | 'process'>,
  pid: number,
  spec: Pick<ServiceSpec, 'stop'>,
  exited: Promise<unknown>,
): Promise<StopOutcome> {
  const { killed, error } = await host.process.stopGroup(pid, {
    signal: spec.stop.signal,
    timeoutMs: spec.stop.timeoutMs,
    exited,
  });
  const waitMs = DEFAULTS.internal.stopExitWaitMs;
  if (await settledWithin(host.clock, exited, waitMs)) return { gone: true, killed, why: null };
  return { gone: false, killed, why: error ?? `still alive ${waitMs} ms after SIGKILL` };
}

/** Whether `promise` settles within `ms` of the clock. */
export function settledWithin(clock: Clock, promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = clock.after(ms, () => resolve(false));
    void promise.then(() => {
      timer.cancel();
      resolve(true);
    });
  });
}
