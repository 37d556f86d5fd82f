// `user:` and `group:` must name accounts of this machine, checked at load time (check, up)
// so that a typo fails before anything changes, not when the process is spawned.
import { isCorralError } from '../errors.js';
import { resolveGroup, resolveUser } from '../process/users.js';
import type { ProblemList } from './problems.js';

/** Adds a problem for every `user` or `group` that this machine does not know. */
export function checkAccounts(services: unknown, problems: ProblemList): void {
  if (services === null || typeof services !== 'object') return;
  for (const [name, svc] of Object.entries(services as Record<string, unknown>)) {
    if (svc === null || typeof svc !== 'object') continue;
    const { user, group } = svc as { user?: unknown; group?: unknown };
    for (const [key, value, resolve] of [
      ['user', user, resolveUser],
      ['group', group, resolveGroup],
    ] as const) {
      if (typeof value !== 'string' && typeof value !== 'number') continue;
      try {
        resolve(value);
      } catch (e) {
        problems.add(['services', name, key], isCorralError(e) ? e.message : String(e));
      }
    }
  }
}
