// `user:` and `group:` must name accounts of this machine, and corral must be able to switch to
// them (it runs as root, or they are its own), checked at load time (check, up) so that a typo
// or a missing privilege fails before anything changes, not when the process is spawned.
import { isCorralError } from '../errors.js';
import { resolveGroup, resolveUser } from '../process/users.js';
import type { ProblemList } from './problems.js';

/** Who corral runs as: only root may start a service as another user or group. */
export interface RunningAs {
  uid: number;
  gid: number;
}

/** The user and group of this process. */
export function currentAccount(): RunningAs {
  return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
}

/** Adds a problem for every `user` or `group` this machine does not know or corral cannot switch to. */
export function checkAccounts(services: unknown, problems: ProblemList, runningAs: RunningAs): void {
  if (services === null || typeof services !== 'object') return;
  for (const [name, svc] of Object.entries(services as Record<string, unknown>)) {
    if (svc === null || typeof svc !== 'object') continue;
    const { user, group } = svc as { user?: unknown; group?: unknown };
    for (const [key, value, idOf, own] of [
      ['user', user, (v: string | number) => resolveUser(v).uid, runningAs.uid],
      ['group', group, (v: string | number) => resolveGroup(v).gid, runningAs.gid],
    ] as const) {
      if (typeof value !== 'string' && typeof value !== 'number') continue;
      let id: number;
      try {
        id = idOf(value);
      } catch (e) {
        problems.add(['services', name, key], isCorralError(e) ? e.message : String(e));
        continue;
      }
      if (runningAs.uid !== 0 && id !== own) {
        problems.add(
          ['services', name, key],
          `expected corral to run as root to start a service as ${key} ${JSON.stringify(value)}, got uid ${runningAs.uid} (run the daemon as root, or remove ${key}:)`,
        );
      }
    }
  }
}
