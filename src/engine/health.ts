// Liveness checks of a running process: one check every health.interval, each cut at
// health.timeout; `failures` consecutive failures and the process is killed and restarted.

import type { Clock, Timer } from '../clock.js';
import type { HealthSpec, ServiceSpec } from '../config/types.js';
import { probeExec } from '../probes/exec.js';
import { probeHttp } from '../probes/http.js';
import { probeTcp } from '../probes/tcp.js';

/** Runs one check; resolves with null when healthy, else why not. */
export function runCheck(
  check: HealthSpec['check'],
  spec: ServiceSpec,
  timeoutMs: number,
): Promise<string | null> {
  if (check.kind === 'http') return probeHttp(check.url, timeoutMs, check.status);
  if (check.kind === 'tcp') return probeTcp(check.host, check.port, timeoutMs);
  return probeExec(check.command, { cwd: spec.cwd, env: spec.env, timeoutMs });
}

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
  clock: Clock,
  startFailures: number,
  report: (r: HealthReport) => void,
): () => void {
  const health = spec.health!;
  let failures = startFailures;
  let cancelled = false;
  let timer: Timer | null = null;
  const arm = (): void => {
    timer = clock.after(health.intervalMs, () => {
      timer = null;
      void runCheck(health.check, spec, health.timeoutMs).then((error) => {
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
