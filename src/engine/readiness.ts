// Waits for a starting process to be ready: probes every ready.interval until ready.timeout.
import type { ServiceSpec } from '../config/types.js';
import type { Timer } from './clock.js';
import { runCheck } from './health.js';
import type { InstanceHost } from './instance.js';
import type { OutputKey } from './output.js';

/**
 * Calls `done(null)` once the ready check passes, or `done(message)` when ready.timeout
 * runs out. Returns a function that cancels the wait (the process exited or is stopping).
 */
export function waitUntilReady(
  spec: ServiceSpec,
  host: InstanceHost,
  key: OutputKey,
  done: (error: string | null) => void,
): () => void {
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
  const deadline = host.clock.after(ready.timeoutMs, () =>
    finish(`not ready within ${ready.timeoutMs} ms (${lastError})`),
  );
  cleanups.push(() => deadline.cancel());

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
    return () => {
      finished = true;
      for (const c of cleanups) c();
    };
  }
  if (check.kind === 'notify') {
    // sd_notify readiness is not active yet: the process counts as ready once spawned.
    queueMicrotask(() => finish(null));
    return () => {
      finished = true;
      for (const c of cleanups) c();
    };
  }

  const attemptTimeoutMs = Math.max(50, Math.min(ready.intervalMs * 5, ready.timeoutMs));
  let next: Timer | null = null;
  cleanups.push(() => next?.cancel());
  const attempt = async (): Promise<void> => {
    if (finished) return;
    const error = await runCheck(check, spec, attemptTimeoutMs);
    if (finished) return;
    if (error === null) {
      finish(null);
      return;
    }
    lastError = error;
    next = host.clock.after(ready.intervalMs, () => void attempt());
  };
  void attempt();
  return () => {
    finished = true;
    for (const c of cleanups) c();
  };
}
