// Sockets: socket/bind/listen/connect, socket options, sendto and recvmsg with ancillary data
// (SCM_CREDENTIALS, SCM_RIGHTS). Addresses are built and read in sockaddr.ts.
// Every socket made here is close-on-exec: a service gets a socket only when it is handed one
// in its stdio array, never by accident.
import { check, EAGAIN, EINTR, errno, family, SystemCallError } from './koffi.js';
import { decodeSockaddr, type SocketAddress } from './sockaddr.js';

export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_SEQPACKET = 5;
export const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1;
export const SO_REUSEADDR = 2;
export const SO_PASSCRED = 16;
const SO_RCVTIMEO = 20;
const SO_SNDTIMEO = 21;
export const SO_ACCEPTCONN = 30;
const SCM_RIGHTS = 1;
const SCM_CREDENTIALS = 2;
export const MSG_CTRUNC = 0x8;
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;
export const MSG_NOSIGNAL = 0x4000;
const MSG_CMSG_CLOEXEC = 0x40000000;

// Structures are declared only to learn their size and field offsets on this machine; the
// memory itself is plain buffers. Names are prefixed: koffi's type names are process-wide.
const lib = family((c, koffi) => ({
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
  iovec: koffi.struct('corral_libc_iovec', { iov_base: 'void *', iov_len: 'size_t' }),
  msghdr: koffi.struct('corral_libc_msghdr', {
    msg_name: 'void *',
    msg_namelen: 'uint32',
    msg_iov: 'void *',
    msg_iovlen: 'size_t',
    msg_control: 'void *',
    msg_controllen: 'size_t',
    msg_flags: 'int',
  }),
  cmsghdr: koffi.struct('corral_libc_cmsghdr', {
    cmsg_len: 'size_t',
    cmsg_level: 'int',
    cmsg_type: 'int',
  }),
}));

/** A close-on-exec socket; add SOCK_NONBLOCK to `type` for a non-blocking one. */
export function socket(domain: number, type: number, protocol = 0): number {
  return check(lib().socket(domain, type | SOCK_CLOEXEC, protocol), 'socket');
}

/** Binds `fd` to `addr`; `label` names the address in the error. */
export function bind(fd: number, addr: Buffer, label?: string): void {
  check(lib().bind(fd, addr, addr.length), 'bind', label);
}

/** 0 when connected, else -errno (ECONNREFUSED, ENOENT, EAGAIN …): the answer is the point. */
export function connect(fd: number, addr: Buffer): number {
  return lib().connect(fd, addr, addr.length) === 0 ? 0 : -errno();
}

/** Marks a bound stream socket as listening, with `backlog` pending connections. */
export function listen(fd: number, backlog: number): void {
  check(lib().listen(fd, backlog), 'listen');
}

// Sets a socket option from its raw bytes.
function setsockopt(fd: number, level: number, name: number, value: Buffer): void {
  check(lib().setsockopt(fd, level, name, value, value.length), 'setsockopt');
}

/** Sets an int-valued socket option (SO_REUSEADDR, SO_PASSCRED …). */
export function setsockoptInt(fd: number, level: number, name: number, value: number): void {
  const v = Buffer.alloc(4);
  v.writeInt32LE(value, 0);
  setsockopt(fd, level, name, v);
}

/** SO_SNDTIMEO: how long a blocking send may wait for room before failing with EAGAIN. */
export function setSendTimeout(fd: number, ms: number): void {
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, timeval(ms));
}

/** SO_RCVTIMEO: how long a blocking receive may wait before failing with EAGAIN. */
export function setReceiveTimeout(fd: number, ms: number): void {
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeval(ms));
}

// struct timeval on LP64: two longs
function timeval(ms: number): Buffer {
  const tv = Buffer.alloc(16);
  tv.writeBigInt64LE(BigInt(Math.floor(ms / 1000)), 0);
  tv.writeBigInt64LE(BigInt((ms % 1000) * 1000), 8);
  return tv;
}

/** Reads an int-valued socket option (SO_ACCEPTCONN …). */
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

// The recvmsg buffers, allocated once by koffi so that their addresses never move.
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

// Writes a 64-bit pointer into a structure (the ABIs corral supports are LP64).
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
