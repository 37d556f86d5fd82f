// libc calls for sockets, reaping and the user database, bound with koffi and loaded once, on
// first use. Linux only; the constants are those of the generic Linux ABI (x86_64, arm64), not
// MIPS, SPARC or Alpha. Calls that fail throw SystemCallError, except where the errno is an
// ordinary answer (EAGAIN from a non-blocking read, ECHILD from waitpid): those return it.
//
// Every socket made here is close-on-exec: a service gets a socket only when it is handed one
// in its stdio array, never by accident.
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import type * as Koffi from 'koffi';
import { SystemCallError } from './native.js';

type KoffiFunction = ReturnType<ReturnType<typeof Koffi.load>['func']>;
type KoffiType = ReturnType<typeof Koffi.struct>;

export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1;
export const SO_REUSEADDR = 2;
export const SO_TYPE = 3;
export const SO_PASSCRED = 16;
export const SO_SNDTIMEO = 21;
export const SO_ACCEPTCONN = 30;
export const SO_DOMAIN = 39;
export const IPPROTO_IPV6 = 41;
export const IPV6_V6ONLY = 26;
export const SCM_RIGHTS = 1;
export const SCM_CREDENTIALS = 2;
export const MSG_CTRUNC = 0x8;
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;
export const MSG_NOSIGNAL = 0x4000;
export const MSG_CMSG_CLOEXEC = 0x40000000;
export const WNOHANG = 1;
export const F_GETFD = 1;
export const F_SETFD = 2;
export const FD_CLOEXEC = 1;
/** the same number on every Linux architecture (the unified syscall table); Linux >= 5.6 */
export const SYS_pidfd_getfd = 438;
/** sun_path of struct sockaddr_un, with its terminating NUL */
export const UNIX_PATH_MAX = 108;

export const EAGAIN: number = osConstants.errno.EAGAIN;
export const ECHILD: number = osConstants.errno.ECHILD;
export const EINTR: number = osConstants.errno.EINTR;
export const ERANGE: number = osConstants.errno.ERANGE;

interface Bindings {
  koffi: typeof Koffi;
  socket: KoffiFunction;
  bind: KoffiFunction;
  connect: KoffiFunction;
  listen: KoffiFunction;
  setsockopt: KoffiFunction;
  getsockopt: KoffiFunction;
  getsockname: KoffiFunction;
  sendto: KoffiFunction;
  recvmsg: KoffiFunction;
  close: KoffiFunction;
  fcntl: KoffiFunction;
  waitpid: KoffiFunction;
  syscall3: KoffiFunction;
  getpwnam_r: KoffiFunction;
  getpwuid_r: KoffiFunction;
  getgrnam_r: KoffiFunction;
  getgrgid_r: KoffiFunction;
  getgrouplist: KoffiFunction;
  passwd: KoffiType;
  group: KoffiType;
  msghdr: KoffiType;
  iovec: KoffiType;
  cmsghdr: KoffiType;
}

let bindings: Bindings | undefined;

function lib(): Bindings {
  if (bindings) return bindings;
  if (process.platform !== 'linux') {
    throw new Error(`corral's sockets, reaping and user lookups need Linux, not ${process.platform}`);
  }
  const require = createRequire(import.meta.url);
  const koffi = require('koffi') as typeof Koffi;
  const c = koffi.load(null);
  // Structures are declared only to learn their size and field offsets on this machine; the
  // memory itself is plain buffers. Names are prefixed: koffi's type names are process-wide.
  const passwd = koffi.struct('corral_libc_passwd', {
    pw_name: 'str',
    pw_passwd: 'str',
    pw_uid: 'uint32',
    pw_gid: 'uint32',
    pw_gecos: 'str',
    pw_dir: 'str',
    pw_shell: 'str',
  });
  const group = koffi.struct('corral_libc_group', {
    gr_name: 'str',
    gr_passwd: 'str',
    gr_gid: 'uint32',
    gr_mem: 'void *',
  });
  const iovec = koffi.struct('corral_libc_iovec', { iov_base: 'void *', iov_len: 'size_t' });
  const msghdr = koffi.struct('corral_libc_msghdr', {
    msg_name: 'void *',
    msg_namelen: 'uint32',
    msg_iov: 'void *',
    msg_iovlen: 'size_t',
    msg_control: 'void *',
    msg_controllen: 'size_t',
    msg_flags: 'int',
  });
  const cmsghdr = koffi.struct('corral_libc_cmsghdr', {
    cmsg_len: 'size_t',
    cmsg_level: 'int',
    cmsg_type: 'int',
  });
  // fcntl and syscall are variadic in C; fixed integer arguments are sound on the Linux ABIs of
  // x86_64 and arm64 (native.ts makes the same choice).
  bindings = {
    koffi,
    socket: c.func('int socket(int domain, int type, int protocol)'),
    bind: c.func('int bind(int fd, void *addr, uint32_t addrlen)'),
    connect: c.func('int connect(int fd, void *addr, uint32_t addrlen)'),
    listen: c.func('int listen(int fd, int backlog)'),
    setsockopt: c.func('int setsockopt(int fd, int level, int name, void *value, uint32_t len)'),
    getsockopt: c.func('int getsockopt(int fd, int level, int name, void *value, void *len)'),
    getsockname: c.func('int getsockname(int fd, void *addr, void *addrlen)'),
    sendto: c.func('intptr_t sendto(int fd, void *buf, size_t len, int flags, void *addr, uint32_t addrlen)'),
    recvmsg: c.func('intptr_t recvmsg(int fd, void *msg, int flags)'),
    close: c.func('int close(int fd)'),
    fcntl: c.func('int fcntl(int fd, int cmd, intptr_t arg)'),
    waitpid: c.func('int waitpid(int pid, void *status, int options)'),
    syscall3: c.func('long syscall(long number, long arg1, long arg2, long arg3)'),
    getpwnam_r: c.func('int getpwnam_r(const char *name, void *pwd, void *buf, size_t len, void *result)'),
    getpwuid_r: c.func('int getpwuid_r(uint32_t uid, void *pwd, void *buf, size_t len, void *result)'),
    getgrnam_r: c.func('int getgrnam_r(const char *name, void *grp, void *buf, size_t len, void *result)'),
    getgrgid_r: c.func('int getgrgid_r(uint32_t gid, void *grp, void *buf, size_t len, void *result)'),
    getgrouplist: c.func('int getgrouplist(const char *user, uint32_t group, void *groups, void *ngroups)'),
    passwd,
    group,
    msghdr,
    iovec,
    cmsghdr,
  };
  return bindings;
}

function errno(): number {
  return lib().koffi.errno();
}

function check(result: number, syscall: string, path?: string): number {
  if (result < 0) throw new SystemCallError(syscall, errno(), path);
  return result;
}

// ---- addresses ----

/** struct sockaddr_in for an IPv4 literal ("127.0.0.1") and a port. */
export function sockaddrIn4(host: string, port: number): Buffer {
  const parts = host.split('.').map(Number);
  const addr = Buffer.alloc(16);
  addr.writeUInt16LE(AF_INET, 0); // sa_family is in host order (little-endian here)
  addr.writeUInt16BE(port, 2);
  for (let i = 0; i < 4; i++) addr[4 + i] = parts[i];
  return addr;
}

/** The 16 bytes of an IPv6 literal ("::1", "fe80::1", "::ffff:127.0.0.1"); the caller validates it first. */
export function ipv6Bytes(host: string): Buffer {
  let text = host;
  const tail: number[] = [];
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[2].split('.').map(Number);
    tail.push((a << 8) | b, (c << 8) | d);
    text = v4[1].endsWith('::') ? v4[1] : v4[1].slice(0, -1);
  }
  const words = (s: string): number[] => (s === '' ? [] : s.split(':').map((w) => Number.parseInt(w, 16)));
  const gap = text.indexOf('::');
  const front = words(gap < 0 ? text : text.slice(0, gap));
  const back = gap < 0 ? [] : words(text.slice(gap + 2));
  const zeros = gap < 0 ? 0 : 8 - tail.length - front.length - back.length;
  const out = Buffer.alloc(16);
  [...front, ...new Array<number>(zeros).fill(0), ...back, ...tail].forEach((w, i) => {
    out.writeUInt16BE(w, i * 2);
  });
  return out;
}

/** struct sockaddr_in6 for an IPv6 literal (without brackets) and a port. */
export function sockaddrIn6(host: string, port: number): Buffer {
  const addr = Buffer.alloc(28);
  addr.writeUInt16LE(AF_INET6, 0);
  addr.writeUInt16BE(port, 2);
  ipv6Bytes(host).copy(addr, 8); // after sin6_flowinfo; sin6_scope_id stays 0
  return addr;
}

/**
 * struct sockaddr_un for a path, or for an abstract name written "@name" (systemd's notation:
 * the kernel sees a leading NUL and no terminating one, so the length is exact).
 */
export function sockaddrUn(path: string): Buffer {
  const abstract = path.startsWith('@');
  const name = Buffer.from(abstract ? path.slice(1) : path);
  const room = UNIX_PATH_MAX - 1; // a leading NUL (abstract), or a trailing one (path)
  if (name.length > room || name.length === 0) {
    throw new RangeError(
      `Expected a unix socket ${abstract ? 'name' : 'path'} of 1 to ${room} bytes, got ${name.length}: ${path}`,
    );
  }
  const addr = Buffer.alloc(2 + (abstract ? 1 : 0) + name.length + (abstract ? 0 : 1));
  addr.writeUInt16LE(AF_UNIX, 0);
  name.copy(addr, abstract ? 3 : 2);
  return addr;
}

export type SocketAddress =
  | { family: 'IPv4' | 'IPv6'; address: string; port: number }
  | { family: 'unix'; path: string };

/** Reads a sockaddr as the kernel returned it (`len` bytes used). */
export function decodeSockaddr(addr: Buffer, len: number): SocketAddress {
  const family = addr.readUInt16LE(0);
  if (family === AF_INET) {
    return { family: 'IPv4', address: [...addr.subarray(4, 8)].join('.'), port: addr.readUInt16BE(2) };
  }
  if (family === AF_INET6) {
    const words: string[] = [];
    for (let i = 0; i < 8; i++) words.push(addr.readUInt16BE(8 + i * 2).toString(16));
    // the URL parser writes IPv6 in its shortest form
    const address = new URL(`http://[${words.join(':')}]/`).hostname.slice(1, -1);
    return { family: 'IPv6', address, port: addr.readUInt16BE(2) };
  }
  if (family === AF_UNIX) {
    const raw = addr.subarray(2, len);
    if (raw.length > 0 && raw[0] === 0) return { family: 'unix', path: `@${raw.subarray(1).toString()}` };
    const end = raw.indexOf(0);
    return { family: 'unix', path: raw.subarray(0, end < 0 ? raw.length : end).toString() };
  }
  throw new RangeError(`Expected an AF_INET, AF_INET6 or AF_UNIX address, got family ${family}`);
}

// ---- sockets ----

/** A close-on-exec socket; add SOCK_NONBLOCK to `type` for a non-blocking one. */
export function socket(domain: number, type: number, protocol = 0): number {
  return check(lib().socket(domain, type | SOCK_CLOEXEC, protocol), 'socket');
}

export function bind(fd: number, addr: Buffer, label?: string): void {
  check(lib().bind(fd, addr, addr.length), 'bind', label);
}

/** 0 when connected, else -errno (ECONNREFUSED, ENOENT, EAGAIN …): the answer is the point. */
export function connect(fd: number, addr: Buffer): number {
  return lib().connect(fd, addr, addr.length) === 0 ? 0 : -errno();
}

export function listen(fd: number, backlog: number): void {
  check(lib().listen(fd, backlog), 'listen');
}

export function setsockopt(fd: number, level: number, name: number, value: Buffer): void {
  check(lib().setsockopt(fd, level, name, value, value.length), 'setsockopt');
}

export function setsockoptInt(fd: number, level: number, name: number, value: number): void {
  const v = Buffer.alloc(4);
  v.writeInt32LE(value, 0);
  setsockopt(fd, level, name, v);
}

/** SO_SNDTIMEO: how long a blocking send may wait for room before failing with EAGAIN. */
export function setSendTimeout(fd: number, ms: number): void {
  const tv = Buffer.alloc(16); // struct timeval on LP64: two longs
  tv.writeBigInt64LE(BigInt(Math.floor(ms / 1000)), 0);
  tv.writeBigInt64LE(BigInt((ms % 1000) * 1000), 8);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, tv);
}

export function getsockoptInt(fd: number, level: number, name: number): number {
  const v = Buffer.alloc(4);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(4, 0);
  check(lib().getsockopt(fd, level, name, v, len), 'getsockopt');
  return v.readInt32LE(0);
}

/** The address a socket is bound to (the port the kernel picked for port 0, say). */
export function getsockname(fd: number): SocketAddress {
  const addr = Buffer.alloc(128);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(addr.length, 0);
  check(lib().getsockname(fd, addr, len), 'getsockname');
  return decodeSockaddr(addr, len.readUInt32LE(0));
}

/**
 * Sends one datagram; returns the bytes sent, or -errno (EAGAIN: a full non-blocking socket, or
 * SO_SNDTIMEO ran out). A signal (SIGCHLD, frequent in a supervisor) does not count as a failure.
 */
export function sendto(fd: number, data: Buffer, addr: Buffer, flags = MSG_NOSIGNAL): number {
  for (;;) {
    const r = Number(lib().sendto(fd, data, data.length, flags, addr, addr.length));
    if (r >= 0) return r;
    const e = errno();
    if (e !== EINTR) return -e;
  }
}

export interface ReceivedMessage {
  /** the datagram's bytes (a copy) */
  data: Buffer;
  /** MSG_TRUNC: the datagram was longer than the buffer and was cut; MSG_CTRUNC: so was the ancillary data */
  flags: number;
  /** from SCM_CREDENTIALS, when the socket has SO_PASSCRED */
  credentials: { pid: number; uid: number; gid: number } | null;
  /** from SCM_RIGHTS: close-on-exec fds now open in this process; the caller owns (and closes) them */
  fds: number[];
}

// recvmsg needs a msghdr that points at other memory, so its memory must not move: it is
// allocated once by koffi and reused (every call is synchronous, on the main thread).
const RECV_DATA_BYTES = 8192;
const RECV_CONTROL_BYTES = 4096;
let recvScratch: {
  msg: Buffer;
  msgPtr: bigint;
  data: Buffer;
  dataPtr: bigint;
  control: Buffer;
  controlPtr: bigint;
  iov: Buffer;
  iovPtr: bigint;
} | null = null;

function scratch(): NonNullable<typeof recvScratch> {
  if (recvScratch) return recvScratch;
  const { koffi, msghdr, iovec } = lib();
  const region = (bytes: number): [Buffer, bigint] => {
    const ptr = koffi.alloc('uint8', bytes) as bigint;
    return [Buffer.from(koffi.view(ptr, bytes)), ptr];
  };
  const [msg, msgPtr] = region(koffi.sizeof(msghdr));
  const [data, dataPtr] = region(RECV_DATA_BYTES);
  const [control, controlPtr] = region(RECV_CONTROL_BYTES);
  const [iov, iovPtr] = region(koffi.sizeof(iovec));
  recvScratch = { msg, msgPtr, data, dataPtr, control, controlPtr, iov, iovPtr };
  return recvScratch;
}

function writePointer(buf: Buffer, offset: number, value: bigint): void {
  if (process.arch === 'x64' || process.arch === 'arm64') buf.writeBigUInt64LE(value, offset);
  else throw new Error(`corral's recvmsg binding supports x64 and arm64, not ${process.arch}`);
}

/**
 * Receives one datagram with its ancillary data (credentials, passed fds). Returns null when
 * nothing is waiting (EAGAIN), else the message; other failures throw. Datagrams longer than
 * 8 KiB come back cut, with MSG_TRUNC in `flags`.
 */
export function recvmsg(fd: number, flags = MSG_DONTWAIT): ReceivedMessage | null {
  const { koffi, msghdr, iovec, cmsghdr } = lib();
  const s = scratch();
  s.iov.fill(0);
  writePointer(s.iov, koffi.offsetof(iovec, 'iov_base'), s.dataPtr);
  s.iov.writeBigUInt64LE(BigInt(RECV_DATA_BYTES), koffi.offsetof(iovec, 'iov_len'));
  s.msg.fill(0);
  writePointer(s.msg, koffi.offsetof(msghdr, 'msg_iov'), s.iovPtr);
  s.msg.writeBigUInt64LE(1n, koffi.offsetof(msghdr, 'msg_iovlen'));
  writePointer(s.msg, koffi.offsetof(msghdr, 'msg_control'), s.controlPtr);
  s.msg.writeBigUInt64LE(BigInt(RECV_CONTROL_BYTES), koffi.offsetof(msghdr, 'msg_controllen'));
  let n: number;
  for (;;) {
    n = Number(lib().recvmsg(fd, s.msgPtr, flags | MSG_CMSG_CLOEXEC));
    if (n >= 0) break;
    const e = errno();
    if (e === EINTR) continue;
    if (e === EAGAIN) return null;
    throw new SystemCallError('recvmsg', e);
  }
  const msgFlags = s.msg.readInt32LE(koffi.offsetof(msghdr, 'msg_flags'));
  const controlLen = Number(s.msg.readBigUInt64LE(koffi.offsetof(msghdr, 'msg_controllen')));
  const out: ReceivedMessage = {
    data: Buffer.from(s.data.subarray(0, Math.min(n, RECV_DATA_BYTES))),
    flags: msgFlags,
    credentials: null,
    fds: [],
  };
  // walk the cmsghdr list: each header, then its data, each padded to the size of a long
  const align = (x: number): number => (x + 7) & ~7;
  const header = align(koffi.sizeof(cmsghdr));
  const levelAt = koffi.offsetof(cmsghdr, 'cmsg_level');
  const typeAt = koffi.offsetof(cmsghdr, 'cmsg_type');
  for (let at = 0; at + header <= controlLen; ) {
    const len = Number(s.control.readBigUInt64LE(at));
    if (len < header || at + len > controlLen) break;
    const level = s.control.readInt32LE(at + levelAt);
    const type = s.control.readInt32LE(at + typeAt);
    const body = s.control.subarray(at + header, at + len);
    if (level === SOL_SOCKET && type === SCM_CREDENTIALS && body.length >= 12) {
      out.credentials = { pid: body.readInt32LE(0), uid: body.readUInt32LE(4), gid: body.readUInt32LE(8) };
    } else if (level === SOL_SOCKET && type === SCM_RIGHTS) {
      for (let i = 0; i + 4 <= body.length; i += 4) out.fds.push(body.readInt32LE(i));
    }
    at += align(len);
  }
  return out;
}

/** Closes an fd; false when it was not open (EBADF). */
export function close(fd: number): boolean {
  if (lib().close(fd) === 0) return true;
  const e = errno();
  if (e === osConstants.errno.EBADF) return false;
  return e === EINTR; // Linux closes the fd even when close() reports EINTR
}

export function isCloseOnExec(fd: number): boolean {
  return (check(lib().fcntl(fd, F_GETFD, 0), 'fcntl(F_GETFD)') & FD_CLOEXEC) !== 0;
}

export function setCloseOnExec(fd: number, on: boolean): void {
  const flags = check(lib().fcntl(fd, F_GETFD, 0), 'fcntl(F_GETFD)');
  const next = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
  if (next !== flags) check(lib().fcntl(fd, F_SETFD, next), 'fcntl(F_SETFD)');
}

/**
 * A copy, in this process, of fd `targetFd` of the process the pidfd refers to (close-on-exec).
 * Needs ptrace rights over it: root, or CAP_SYS_PTRACE. Linux >= 5.6.
 */
export function pidfdGetfd(pidfd: number, targetFd: number): number {
  return check(Number(lib().syscall3(SYS_pidfd_getfd, pidfd, targetFd, 0)), 'pidfd_getfd');
}

// ---- children ----

export interface WaitResult {
  pid: number;
  /** the raw wait status */
  status: number;
}

/**
 * waitpid(pid, options): the child's status once it has ended; null when it has not (with
 * WNOHANG); -errno when it is not our child to wait for (ECHILD).
 */
export function waitpid(pid: number, options = WNOHANG): WaitResult | null | number {
  const status = new Int32Array(1);
  for (;;) {
    const r = lib().waitpid(pid, status, options) as number;
    if (r > 0) return { pid: r, status: status[0] };
    if (r === 0) return null;
    const e = errno();
    if (e !== EINTR) return -e;
  }
}

/** The exit code or the signal a raw wait status says the process ended with. */
export function decodeWaitStatus(status: number): { code: number | null; signal: number | null } {
  const low = status & 0x7f;
  if (low === 0) return { code: (status >> 8) & 0xff, signal: null };
  if (low !== 0x7f) return { code: null, signal: low };
  return { code: null, signal: null }; // stopped or continued: not an end
}

// ---- user database ----

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

export function getpwuid(uid: number): PasswdEntry | null {
  const b = lib();
  return toPasswd(
    lookup<RawPasswd>((r, s, out) => b.getpwuid_r(uid, r, s, s.length, out), b.passwd, 'getpwuid_r'),
  );
}

export function getgrnam(name: string): GroupEntry | null {
  const b = lib();
  return toGroup(lookup((r, s, out) => b.getgrnam_r(name, r, s, s.length, out), b.group, 'getgrnam_r'));
}

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
