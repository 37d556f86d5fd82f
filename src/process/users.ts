// `user:` and `group:` of a service, by name or number, resolved through the system's user
// database (getpwnam_r and friends, so NSS sources such as LDAP count too) before anything
// starts: an unknown user is a config problem, reported at `check`/`up` time.
//
// Node's spawn takes a uid and a gid only, and clears the supplementary groups; applying
// `groups` needs a wrapper that calls setgroups() before exec (setpriv --groups, for one).
import { CorralError } from '../errors.js';
import { getgrgid, getgrnam, getgrouplist, getpwnam, getpwuid } from './native/passwd.js';

export interface ResolvedUser {
  name: string;
  uid: number;
  /** the user's primary group */
  gid: number;
  home: string;
  shell: string;
  /** every group the user is in, the primary one included */
  groups: number[];
}

export interface ResolvedGroup {
  name: string;
  gid: number;
}

const MAX_ID = 0xfffffffe; // (uid_t)-1 means "no change" to the kernel

// A number, or a string of digits, is an id (as in systemd and chown); anything else a name.
function asId(value: string | number, what: 'user' | 'group'): number | null {
  if (typeof value === 'string' && !/^\d+$/.test(value)) return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > MAX_ID) {
    throw new CorralError(
      'CONFIG_INVALID',
      `Expected \`${what}\` to be a name or an id, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

function checkName(value: string | number, what: 'user' | 'group'): string {
  const name = String(value);
  if (name === '' || name.includes('\0')) {
    throw new CorralError(
      'CONFIG_INVALID',
      `Expected \`${what}\` to be a name or an id, got ${JSON.stringify(value)}`,
    );
  }
  return name;
}

// The error for a user or group the database does not have, by name or by id.
function notFound(what: 'user' | 'group', value: string | number, id: number | null): CorralError {
  const database = what === 'user' ? 'password' : 'group';
  const subject = id === null ? `"${value}"` : `with ${what === 'user' ? 'uid' : 'gid'} ${id}`;
  return new CorralError(
    'CONFIG_INVALID',
    `no such ${what} ${subject} (not in the ${database} database of this machine)`,
    { [what]: value },
  );
}

/** The user named (or numbered) `user`; throws CorralError CONFIG_INVALID `no such user "x"`. */
export function resolveUser(user: string | number): ResolvedUser {
  const id = asId(user, 'user');
  const entry = id === null ? getpwnam(checkName(user, 'user')) : getpwuid(id);
  if (entry === null) throw notFound('user', user, id);
  return {
    name: entry.name,
    uid: entry.uid,
    gid: entry.gid,
    home: entry.home,
    shell: entry.shell,
    groups: getgrouplist(entry.name, entry.gid),
  };
}

/** The group named (or numbered) `group`; throws CorralError CONFIG_INVALID `no such group "x"`. */
export function resolveGroup(group: string | number): ResolvedGroup {
  const id = asId(group, 'group');
  const entry = id === null ? getgrnam(checkName(group, 'group')) : getgrgid(id);
  if (entry === null) throw notFound('group', group, id);
  return entry;
}
