// Settings that each pass the schema but together cannot work: a dependency waiting for a
// service that never ends, a backoff that shrinks, a restart limit that can never be reached.
import { DEFAULTS } from '../defaults.js';
import { isObject } from './envfiles.js';
import type { ProblemList } from './problems.js';
import { toDurationMs } from './units.js';

/** Conditions that wait for a dependency to end. */
const ENDING_CONDITIONS = new Set(['succeeded', 'completed']);

/** Adds a problem for each backoff, restart limit or dependency condition that cannot work. */
export function checkPolicies(services: unknown, problems: ProblemList): void {
  if (!isObject(services)) return;
  for (const [name, service] of Object.entries(services)) {
    if (!isObject(service)) continue;
    checkBackoff(name, service, problems);
    checkEndingDependencies(name, service, services, problems);
  }
}

// backoff.max below backoff.initial, and reset_after: 0 with a restart limit.
function checkBackoff(name: string, service: Record<string, unknown>, problems: ProblemList): void {
  const backoff = isObject(service.backoff) ? service.backoff : {};
  const path = ['services', name, 'backoff'];
  const initial = backoff.initial === undefined ? DEFAULTS.backoff.initialMs : toDurationMs(backoff.initial);
  const max = backoff.max === undefined ? DEFAULTS.backoff.maxMs : toDurationMs(backoff.max);
  if (initial !== null && max !== null && max < initial && backoff.max !== undefined) {
    const given = backoff.initial === undefined ? `${initial} ms, the default` : String(backoff.initial);
    problems.add(
      [...path, 'max'],
      `expected a duration >= backoff.initial (${given}), got ${String(backoff.max)}`,
    );
  }
  const limit = service.max_restarts;
  if (toDurationMs(backoff.reset_after) === 0 && typeof limit === 'number' && limit > 0) {
    problems.add(
      [...path, 'reset_after'],
      `expected a duration > 0 with max_restarts: ${limit} (every run would reset the count, so the limit is never reached), got 0`,
    );
  }
}

// `succeeded` or `completed` on a service that never ends: the dependent would wait forever.
function checkEndingDependencies(
  name: string,
  service: Record<string, unknown>,
  services: Record<string, unknown>,
  problems: ProblemList,
): void {
  if (!isObject(service.depends_on) || Array.isArray(service.depends_on)) return;
  for (const [dep, condition] of Object.entries(service.depends_on)) {
    if (typeof condition !== 'string' || !ENDING_CONDITIONS.has(condition)) continue;
    const target = services[dep];
    if (!isObject(target)) continue; // unknown services are reported by checkDependencies
    const restart = target.restart ?? DEFAULTS.restart;
    const got =
      target.autostart === false
        ? 'autostart: false: it is never started'
        : restart === 'always'
          ? `restart: always${target.restart === undefined ? ' (the default)' : ''}: it never ends (give it restart: on-failure or never)`
          : null;
    if (got !== null) {
      problems.add(
        ['services', name, 'depends_on', dep],
        `expected "${dep}" to be able to end for "${condition}", got ${got}; ${name} would wait forever`,
      );
    }
  }
}
