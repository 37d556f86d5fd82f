// Waits for a starting process to be ready: probes every ready.interval until ready.timeout.
import type { Timer } from '../clock.js';
import type { HealthSpec, ServiceSpec } from '../config/types.js';
import { DEFAULTS } from '../defaults.js';
import type { EngineHost } from './host.js';
import type { OutputKey } from './output.js';

/**
 * Calls `done(null)` once the ready check passes, or `done(message)` when ready.timeout
 * runs out. Returns a function that cancels the wait (the process exited or is stopping).
 */
export function waitUntilReady(
  spec: ServiceSpec,
  host: Pick<EngineHost, 'clock' | 'check' | 'output'> & { openNotify?: unknown },
  key: OutputKey,
  done: (error: string | null) => void,
): { cancel: () => void; extend: (ms: number) => void } {
  const ready = spec.ready!;
  const check = ready.check;
  let finished = false;
  let lastError = 'not ready yet';
  const cleanups: Array<() => void> = [];
  const finish = (error: string | null): void => {
    if (finished) return;
    finished = true;
    for (const c of cleanups) c();
    done(error);
  };
  let allowedMs = ready.timeoutMs;
  const started = host.clock.now();
  let deadline = host.clock.after(allowedMs, () => finish(`not ready within ${allowedMs} ms (${lastError})`));
  cleanups.push(() => deadline.cancel());
  // more time from now on (sd_notify EXTEND_TIMEOUT_USEC), never less than already given
  const extend = (ms: number): void => {
    if (finished) return;
    const newAllowed = host.clock.now() - started + ms;
    if (newAllowed <= allowedMs) return;
    allowedMs = newAllowed;
    deadline.cancel();
    deadline = host.clock.after(ms, () => finish(`not ready within ${allowedMs} ms (${lastError})`));
  };
  const cancel = (): void => {
    finished = true;
    for (const c of cleanups) c();
  };

  if (check.kind === 'log') {
    const pattern = new RegExp(check.pattern);
    let pending = '';
    const unsubscribe = host.output.subscribe(key, (chunk) => {
      const text = pending + chunk.toString('utf8');
      const lines = text.split('\n');
      pending = lines.pop() ?? '';
      if (lines.some((line) => pattern.test(line)) || pattern.test(pending)) finish(null);
    });
    cleanups.push(unsubscribe);
    lastError = `no output line matched /${check.pattern}/`;
    return { cancel, extend };
  }
  if (check.kind === 'notify') {
    // READY=1 on the process's NOTIFY_SOCKET makes it ready (the instance hears it); this is the deadline
    lastError = 'no READY=1 on NOTIFY_SOCKET';
    if (!host.openNotify) queueMicrotask(() => finish(null)); // `corral run`: no notify socket, ready when spawned
    return { cancel, extend };
  }

  const attemptTimeoutMs = readyAttemptTimeoutMs(ready.intervalMs, ready.timeoutMs);
  let next: Timer | null = null;
  cleanups.push(() => next?.cancel());
  const attempt = async (): Promise<void> => {
    if (finished) return;
    const error = await host.check(check, spec, attemptTimeoutMs);
    if (finished) return;
    if (error === null) {
      finish(null);
      return;
    }
    lastError = error;
    next = host.clock.after(ready.intervalMs, () => void attempt());
  };
  void attempt();
  return { cancel, extend };
}

/** How long one ready attempt may take: five intervals, within the whole timeout, at least 50 ms. */
function readyAttemptTimeoutMs(intervalMs: number, timeoutMs: number): number {
  return Math.max(50, Math.min(intervalMs * 5, timeoutMs));
}

/**
 * Before a first start: if something already answers where the ready check looks, the check would
 * pass for that other process (a service crash-looping on EADDRINUSE would look ready). Calls
 * `done(null)` when nothing answers, else `done(why)`. Returns where it looks, or null (and never
 * calls `done`) when there is nothing to check.
 */
export function checkNothingAnswers(
  host: Pick<EngineHost, 'check'>,
  spec: ServiceSpec,
  name: string,
  done: (problem: string | null) => void,
): string | null {
  const target = untrustedReadyTarget(spec);
  if (target === null) return null;
  void host.check(target.check, spec, target.timeoutMs).then((error) => {
    done(
      error !== null
        ? null
        : `${target.where} already answers before ${name} started: another process is listening there, so the ready check cannot tell when this one is ready. Stop that process or change the port, then start ${spec.name} again`,
    );
  });
  return target.where;
}

/**
 * The check to run before a first start, when a ready check could be answered by another
 * process (an http or tcp check of a single-instance service that corral does not hold a socket
 * for); null when there is nothing to check.
 */
function untrustedReadyTarget(
  spec: ServiceSpec,
): { check: HealthSpec['check']; where: string; timeoutMs: number } | null {
  const check = spec.ready?.check;
  if (!check || spec.instances !== 1 || spec.sockets.length > 0) return null;
  const timeoutMs = DEFAULTS.internal.readyPreflightTimeoutMs;
  if (check.kind === 'http') return { check, where: check.url, timeoutMs };
  if (check.kind === 'tcp') return { check, where: `${check.host}:${check.port}`, timeoutMs };
  return null;
}
