// The real check runner the daemon and `corral run` give the engine: one http, tcp or exec check.
import type { HealthSpec, ServiceSpec } from '../config/types.js';
import { probeExec } from './exec.js';
import { probeHttp } from './http.js';
import { probeTcp } from './tcp.js';

/** Runs one check; resolves with null when it passed, else why not. */
export function runCheck(
  check: HealthSpec['check'],
  spec: ServiceSpec,
  timeoutMs: number,
): Promise<string | null> {
  if (check.kind === 'http') return probeHttp(check.url, timeoutMs, check.status);
  if (check.kind === 'tcp') return probeTcp(check.host, check.port, timeoutMs);
  return probeExec(check.command, { cwd: spec.cwd, env: spec.env, timeoutMs });
}
