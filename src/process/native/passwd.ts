// The user and group databases (getpwnam_r, getpwuid_r, getgrnam_r, getgrgid_r, getgrouplist),
// through libc so that NSS (LDAP, systemd-userdb …) is honoured as it is by every other tool.

import { constants as osConstants } from 'node:os';
import { ERANGE, family, type KoffiType, SystemCallError } from './koffi.js';

// The record structures are declared only to learn their size and field offsets; names are
// prefixed: koffi's type names are process-wide.
const lib = family((c, koffi) => ({
  koffi,
  getpwnam_r: c.func('int getpwnam_r(const char *name, void *pwd, void *buf, size_t len, void *result)'),
  getpwuid_r: c.func('int getpwuid_r(uint32_t uid, void *pwd, void *buf, size_t len, void *result)'),
  getgrnam_r: c.func('int getgrnam_r(const char *name, void *grp, void *buf, size_t len, void *result)'),
  getgrgid_r: c.func('int getgrgid_r(uint32_t gid, void *grp, void *buf, size_t len, void *result)'),
  getgrouplist: c.func('int getgrouplist(const char *user, uint32_t group, void *groups, void *ngroups)'),
  passwd: koffi.struct('corral_libc_passwd', {
    pw_name: 'str',
    pw_passwd: 'str',
    pw_uid: 'uint32',
    pw_gid: 'uint32',
    pw_gecos: 'str',
    pw_dir: 'str',
    pw_shell: 'str',
  }),
  group: koffi.struct('corral_libc_group', {
    gr_name: 'str',
    gr_passwd: 'str',
    gr_gid: 'uint32',
    gr_mem: 'void *',
  }),
}));

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
}

// Runs a getXXX_r call, growing the string buffer on ERANGE; returns the decoded entry or null.
function lookup<T>(
  call: (record: Buffer, strings: Buffer, result: Buffer) => number,
  recordType: KoffiType,
  what: string,
): T | null {
  const { koffi } = lib();
  for (let size = 4096; size <= 1 << 22; size *= 4) {
    const record = Buffer.alloc(koffi.sizeof(recordType));
    const strings = Buffer.alloc(size);
    const result = Buffer.alloc(8);
    const r = call(record, strings, result);
    if (r === ERANGE) continue;
    // "not found" is 0 with a null result, or one of these (getpwnam_r(3), NOTES)
    const { ENOENT, ESRCH, EBADF, EPERM } = osConstants.errno;
    if (r === ENOENT || r === ESRCH || r === EBADF || r === EPERM) return null;
    if (r !== 0) throw new SystemCallError(what, r);
    if (result.readBigUInt64LE(0) === 0n) return null;
    // the record's strings point into `strings`, still alive here
    return koffi.decode(record, recordType) as T;
  }
  throw new SystemCallError(what, ERANGE);
}

interface RawPasswd {
  pw_name: string;
  pw_uid: number;
  pw_gid: number;
  pw_gecos: string | null;
  pw_dir: string | null;
  pw_shell: string | null;
}

// A decoded passwd record as corral uses it; null stays null.
function toPasswd(raw: RawPasswd | null): PasswdEntry | null {
  if (raw === null) return null;
  return {
    name: raw.pw_name,
    uid: raw.pw_uid,
    gid: raw.pw_gid,
    gecos: raw.pw_gecos ?? '',
    home: raw.pw_dir ?? '',
    shell: raw.pw_shell ?? '',
  };
}

// A decoded group record as corral uses it; null stays null.
function toGroup(raw: { gr_name: string; gr_gid: number } | null): GroupEntry | null {
  return raw === null ? null : { name: raw.gr_name, gid: raw.gr_gid };
}

/** The password database's entry for a user name, or null when there is none. */
export function getpwnam(name: string): PasswdEntry | null {
  const b = lib();
  return toPasswd(
    lookup<RawPasswd>((r, s, out) => b.getpwnam_r(name, r, s, s.length, out), b.passwd, 'getpwnam_r'),
  );
}

/** The password database's entry for a uid, or null when there is none. */
export function getpwuid(uid: number): PasswdEntry | null {
  const b = lib();
  return toPasswd(
    lookup<RawPasswd>((r, s, out) => b.getpwuid_r(uid, r, s, s.length, out), b.passwd, 'getpwuid_r'),
  );
}

/** The group database's entry for a group name, or null when there is none. */
export function getgrnam(name: string): GroupEntry | null {
  const b = lib();
  return toGroup(lookup((r, s, out) => b.getgrnam_r(name, r, s, s.length, out), b.group, 'getgrnam_r'));
}

/** The group database's entry for a gid, or null when there is none. */
export function getgrgid(gid: number): GroupEntry | null {
  const b = lib();
  return toGroup(lookup((r, s, out) => b.getgrgid_r(gid, r, s, s.length, out), b.group, 'getgrgid_r'));
}

/** Every group `user` belongs to, `gid` (its primary group) included. */
export function getgrouplist(user: string, gid: number): number[] {
  const count = new Int32Array(1);
  for (let size = 32; ; size *= 4) {
    const groups = new Uint32Array(size);
    count[0] = size;
    const r = lib().getgrouplist(user, gid, groups, count) as number;
    if (r >= 0) return [...groups.subarray(0, count[0])];
    if (size > 1 << 20) throw new SystemCallError('getgrouplist', ERANGE);
    // -1: too small; glibc says how many it needs in count[0]
    if (count[0] > size * 4) size = count[0];
  }
}
