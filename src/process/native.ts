// The few libc calls Node does not offer, bound with koffi and loaded once, on first use.
// Linux only. Hot-path calls (splice, tee, bytesInPipe) report failure as a negative errno
// instead of throwing, so the log pump can treat EAGAIN as the ordinary "empty" answer.
import { constants as fsConstants } from 'node:fs';
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import type * as Koffi from 'koffi';

type KoffiFunction = ReturnType<ReturnType<typeof Koffi.load>['func']>;

export const O_NONBLOCK: number = fsConstants.O_NONBLOCK;
export const EPOLL_CLOEXEC = 0o2000000;
export const EPOLL_CTL_ADD = 1;
export const EPOLL_CTL_DEL = 2;
export const EPOLL_CTL_MOD = 3;
export const EPOLLIN = 0x001;
export const EPOLLERR = 0x008;
export const EPOLLHUP = 0x010;
export const EFD_CLOEXEC = 0o2000000;
export const EFD_NONBLOCK = 0o4000;
export const PIPE_CLOEXEC = 0o2000000;
export const SPLICE_F_MOVE = 1;
export const SPLICE_F_NONBLOCK = 2;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const F_SETPIPE_SZ = 1031;
export const F_GETPIPE_SZ = 1032;
/** ioctl request: bytes waiting in a pipe (x86_64, arm64) */
export const FIONREAD = 0x541b;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;
export const PR_SET_CHILD_SUBREAPER = 36;
/** the same number on every Linux architecture (the unified syscall table) */
export const SYS_pidfd_open = 434;

export const EAGAIN: number = osConstants.errno.EAGAIN;
export const EINTR: number = osConstants.errno.EINTR;

/**
 * One entry of epoll_wait's output. The kernel packs `struct epoll_event` on x86_64
 * (12 bytes, data at offset 4); elsewhere it has natural alignment (16 bytes, data at 8).
 * We only ever store an fd in `data`, as its low 32 bits.
 */
export const EPOLL_EVENT_BYTES: number = process.arch === 'x64' ? 12 : 16;
const EPOLL_DATA_OFFSET = process.arch === 'x64' ? 4 : 8;

interface Bindings {
  koffi: typeof Koffi;
  mkfifo: KoffiFunction;
  epoll_create1: KoffiFunction;
  epoll_ctl: KoffiFunction;
  epoll_wait: KoffiFunction;
  eventfd: KoffiFunction;
  pipe2: KoffiFunction;
  splice: KoffiFunction;
  tee: KoffiFunction;
  fcntl: KoffiFunction;
  ioctl: KoffiFunction;
  flock: KoffiFunction;
  prctl: KoffiFunction;
  syscall2: KoffiFunction;
}

let bindings: Bindings | undefined;

function lib(): Bindings {
  if (bindings) return bindings;
  if (process.platform !== 'linux') {
    throw new Error(`corral's log channels and process tracking need Linux, not ${process.platform}`);
  }
  const require = createRequire(import.meta.url);
  const koffi = require('koffi') as typeof Koffi;
  // The symbols of the running program include libc's, whichever libc that is (glibc or musl).
  const c = koffi.load(null);
  // fcntl, ioctl, prctl and syscall are variadic in C. Declaring them with fixed integer or
  // pointer arguments is sound on the Linux ABIs of x86_64 and arm64, and avoids koffi's
  // slower variadic path on the pump's hot path.
  bindings = {
    koffi,
    mkfifo: c.func('int mkfifo(const char *path, uint32_t mode)'),
    epoll_create1: c.func('int epoll_create1(int flags)'),
    epoll_ctl: c.func('int epoll_ctl(int epfd, int op, int fd, void *event)'),
    epoll_wait: c.func('int epoll_wait(int epfd, void *events, int maxevents, int timeout)'),
    eventfd: c.func('int eventfd(unsigned int initval, int flags)'),
    pipe2: c.func('int pipe2(void *fds, int flags)'),
    splice: c.func(
      'intptr_t splice(int fd_in, void *off_in, int fd_out, void *off_out, size_t len, unsigned int flags)',
    ),
    tee: c.func('intptr_t tee(int fd_in, int fd_out, size_t len, unsigned int flags)'),
    fcntl: c.func('int fcntl(int fd, int cmd, intptr_t arg)'),
    ioctl: c.func('int ioctl(int fd, unsigned long request, void *arg)'),
    flock: c.func('int flock(int fd, int operation)'),
    prctl: c.func(
      'int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)',
    ),
    syscall2: c.func('long syscall(long number, long arg1, long arg2)'),
  };
  return bindings;
}

/** Whether the native calls can be used here (Linux, koffi loadable). */
export function nativeAvailable(): boolean {
  try {
    lib();
    return true;
  } catch {
    return false;
  }
}

function errno(): number {
  return lib().koffi.errno();
}

const errnoNames = new Map<number, string>(
  Object.entries(osConstants.errno).map(([name, value]) => [value, name]),
);

/** An Error shaped like Node's own system errors: `code`, `errno` (negative), `syscall`, `path`. */
export class SystemCallError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;
  readonly path: string | undefined;

  constructor(syscall: string, errnoValue: number, path?: string) {
    const code = errnoNames.get(errnoValue) ?? `E${errnoValue}`;
    super(`${code}: ${syscall} failed${path === undefined ? '' : ` on ${path}`}`);
    this.name = 'SystemCallError';
    this.code = code;
    this.errno = -errnoValue;
    this.syscall = syscall;
    this.path = path;
  }
}

function check(result: number, syscall: string, path?: string): number {
  if (result < 0) throw new SystemCallError(syscall, errno(), path);
  return result;
}

// ---- FIFOs and pipes ----

/** Creates a FIFO at `path`; throws SystemCallError (code EEXIST when something is there). */
export function mkfifo(path: string, mode = 0o600): void {
  check(lib().mkfifo(path, mode), 'mkfifo', path);
}

/** A pipe whose both ends are non-blocking and close-on-exec: [readFd, writeFd]. */
export function pipe(flags: number = O_NONBLOCK | PIPE_CLOEXEC): [number, number] {
  const fds = new Int32Array(2);
  check(lib().pipe2(fds, flags), 'pipe2');
  return [fds[0], fds[1]];
}

/** Asks for a pipe buffer of `bytes`; returns the size granted, or -errno (EPERM past the user's quota). */
export function setPipeSize(fd: number, bytes: number): number {
  const r = lib().fcntl(fd, F_SETPIPE_SZ, bytes) as number;
  return r < 0 ? -errno() : r;
}

export function getPipeSize(fd: number): number {
  return check(lib().fcntl(fd, F_GETPIPE_SZ, 0), 'fcntl(F_GETPIPE_SZ)');
}

export function setNonBlocking(fd: number, on: boolean): void {
  const flags = check(lib().fcntl(fd, F_GETFL, 0), 'fcntl(F_GETFL)');
  const next = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
  if (next !== flags) check(lib().fcntl(fd, F_SETFL, next), 'fcntl(F_SETFL)');
}

const fionreadOut = new Int32Array(1);

/** Bytes waiting in a pipe or FIFO, or -errno. */
export function bytesInPipe(fd: number): number {
  const r = lib().ioctl(fd, FIONREAD, fionreadOut) as number;
  return r < 0 ? -errno() : fionreadOut[0];
}

const offsetOut = new BigInt64Array(1);

/**
 * Moves up to `len` bytes from the pipe `fdIn` to `fdOut` inside the kernel, non-blocking.
 * With `offset` (a regular file), writes there without using or moving the file position.
 * Returns the bytes moved (0: no writer and empty), or -errno (-EAGAIN: empty pipe).
 */
export function splice(fdIn: number, fdOut: number, len: number, offset?: number): number {
  const c = lib();
  let r: number;
  if (offset === undefined) {
    r = c.splice(fdIn, null, fdOut, null, len, SPLICE_F_NONBLOCK) as number;
  } else {
    offsetOut[0] = BigInt(offset);
    r = c.splice(fdIn, null, fdOut, offsetOut, len, SPLICE_F_NONBLOCK) as number;
  }
  return r < 0 ? -errno() : r;
}

/** Copies up to `len` bytes from pipe `fdIn` to pipe `fdOut` without consuming them; n or -errno. */
export function tee(fdIn: number, fdOut: number, len: number): number {
  const r = lib().tee(fdIn, fdOut, len, SPLICE_F_NONBLOCK) as number;
  return r < 0 ? -errno() : r;
}

// ---- epoll and eventfd ----

export function epollCreate(): number {
  return check(lib().epoll_create1(EPOLL_CLOEXEC), 'epoll_create1');
}

const ctlEvent = Buffer.alloc(EPOLL_EVENT_BYTES);

/** Adds, changes or removes `fd` in the interest list; `data` given back by epoll_wait is the fd itself. */
export function epollCtl(epfd: number, op: number, fd: number, events: number): void {
  ctlEvent.fill(0);
  ctlEvent.writeUInt32LE(events >>> 0, 0);
  ctlEvent.writeInt32LE(fd, EPOLL_DATA_OFFSET);
  check(lib().epoll_ctl(epfd, op, fd, ctlEvent), 'epoll_ctl');
}

/** A buffer for `max` epoll events. */
export function epollEventBuffer(max: number): Buffer {
  return Buffer.alloc(max * EPOLL_EVENT_BYTES);
}

/** The fd (stored as data) and event bits of entry `i` of an epoll_wait result. */
export function epollEventAt(buf: Buffer, i: number): { fd: number; events: number } {
  const base = i * EPOLL_EVENT_BYTES;
  return { events: buf.readUInt32LE(base), fd: buf.readInt32LE(base + EPOLL_DATA_OFFSET) };
}

/**
 * epoll_wait on a koffi worker thread; `done(count)` runs on the main thread, count < 0 on failure
 * (EINTR included). `events` must stay untouched until then.
 */
export function epollWaitAsync(
  epfd: number,
  events: Buffer,
  timeoutMs: number,
  done: (count: number) => void,
): void {
  const max = Math.floor(events.length / EPOLL_EVENT_BYTES);
  lib().epoll_wait.async(epfd, events, max, timeoutMs, (err: unknown, count: number) => {
    done(err ? -1 : count);
  });
}

/** Non-blocking, close-on-exec eventfd: write 8 bytes to wake an epoll_wait that watches it. */
export function eventfd(): number {
  return check(lib().eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), 'eventfd');
}

// ---- daemon helpers ----

/** flock(LOCK_EX|LOCK_NB): true if this process now holds the lock, false if another one does. */
export function tryLockFile(fd: number): boolean {
  if (lib().flock(fd, LOCK_EX | LOCK_NB) === 0) return true;
  const e = errno();
  if (e === osConstants.errno.EWOULDBLOCK || e === EAGAIN) return false;
  throw new SystemCallError('flock', e);
}

export function unlockFile(fd: number): void {
  check(lib().flock(fd, LOCK_UN), 'flock');
}

/** Makes orphaned descendants reparent to this process (which must then reap them). */
export function setChildSubreaper(): boolean {
  return lib().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) === 0;
}

/** A pidfd for `pid` (readable once the process has exited); throws SystemCallError (ESRCH: gone). */
export function pidfdOpen(pid: number, flags = 0): number {
  const r = Number(lib().syscall2(SYS_pidfd_open, pid, flags));
  return check(r, 'pidfd_open');
}
