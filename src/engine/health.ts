// Liveness checks of a running process: one check every health.interval, each cut at
// health.timeout; `failures` consecutive failures and the process is killed and restarted.
import type { Timer } from '../clock.js';
import type { ServiceSpec } from '../config/types.js';
import type { EngineHost } from './host.js';

export interface HealthReport {
  healthy: boolean;
  /** consecutive failures so far */
  failures: number;
  error: string | null;
}

/**
 * Checks every interval until cancelled, reporting each result. The next check is armed only
 * once the previous one has answered, so checks never pile up behind a slow service.
 */
export function watchHealth(
  spec: ServiceSpec,
  host: Pick<EngineHost, 'clock' | 'check'>,
  startFailures: number,
  report: (r: HealthReport) => void,
): () => void {
  const health = spec.health!;
  let failures = startFailures;
  let cancelled = false;
  let timer: Timer | null = null;
  const arm = (): void => {
    timer = host.clock.after(health.intervalMs, () => {
      timer = null;
      void host.check(health.check, spec, health.timeoutMs).then((error) => {
        if (cancelled) return;
        failures = error === null ? 0 : failures + 1;
        report({ healthy: error === null, failures, error });
        if (!cancelled) arm();
      });
    });
  };
  arm();
  return () => {
    cancelled = true;
    timer?.cancel();
  };
}
