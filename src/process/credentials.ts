// Running a service as another user: uid, gid, supplementary groups and the user's own
// HOME/USER/LOGNAME, all in place before the program's first instruction.
import { existsSync } from 'node:fs';
import { isCorralError } from '../errors.js';
import { resolveGroup, resolveUser } from './users.js';

export interface Credentials {
  /** runs the program through setpriv, which sets uid, gid and groups, then execs it (same pid) */
  argvPrefix: string[];
  /** for Node's spawn, when setpriv is not there (supplementary groups are then cleared) */
  uid?: number;
  gid?: number;
  env: Record<string, string>;
}

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) ?? null;

/** What spawning as `user`/`group` takes, or why it cannot be done here. */
export function credentialsFor(user: string | null, group: string | null): Credentials | { error: string } {
  if (user === null && group === null) return { argvPrefix: [], env: {} };
  if (process.getuid?.() !== 0) {
    return {
      error: `user/group: corral runs as uid ${process.getuid?.()}, and only root can start a process as another user`,
    };
  }
  try {
    const u = user === null ? null : resolveUser(user);
    const g = group === null ? null : resolveGroup(group);
    const uid = u?.uid ?? 0;
    const gid = g?.gid ?? u?.gid ?? 0;
    const groups = u ? [...new Set([gid, ...u.groups])] : [gid];
    const env: Record<string, string> = u ? { HOME: u.home, USER: u.name, LOGNAME: u.name } : {};
    if (SETPRIV === null) return { argvPrefix: [], uid, gid, env };
    return {
      argvPrefix: [SETPRIV, `--reuid=${uid}`, `--regid=${gid}`, `--groups=${groups.join(',')}`, '--'],
      env,
    };
  } catch (e) {
    return { error: isCorralError(e) ? e.message : String(e) };
  }
}
