// File descriptors: pipes and FIFOs, fcntl (file status flags and pipe size), FIONREAD, close
// and flock. Hot-path calls (bytesInPipe, setPipeSize) report failure as a negative errno
// instead of throwing.
import { constants as fsConstants } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { check, EAGAIN, EBADF, EINTR, errno, family, SystemCallError } from './koffi.js';

export const O_NONBLOCK: number = fsConstants.O_NONBLOCK;
export const PIPE_CLOEXEC = 0o2000000;
const F_GETFL = 3;
const F_SETFL = 4;
const F_SETPIPE_SZ = 1031;
const F_GETPIPE_SZ = 1032;
/** ioctl request: bytes waiting in a pipe (x86_64, arm64) */
const FIONREAD = 0x541b;
const LOCK_EX = 2;
const LOCK_NB = 4;

const lib = family((c) => ({
  mkfifo: c.func('int mkfifo(const char *path, uint32_t mode)'),
  pipe2: c.func('int pipe2(void *fds, int flags)'),
  fcntl: c.func('int fcntl(int fd, int cmd, intptr_t arg)'),
  ioctl: c.func('int ioctl(int fd, unsigned long request, void *arg)'),
  flock: c.func('int flock(int fd, int operation)'),
  close: c.func('int close(int fd)'),
}));

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

/** The size of a pipe's buffer, bytes. */
export function getPipeSize(fd: number): number {
  return check(lib().fcntl(fd, F_GETPIPE_SZ, 0), 'fcntl(F_GETPIPE_SZ)');
}

/** Sets or clears O_NONBLOCK on an open fd. */
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

/** Closes an fd; false when it was not open (EBADF). */
export function close(fd: number): boolean {
  if (lib().close(fd) === 0) return true;
  const e = errno();
  if (e === EBADF) return false;
  return e === EINTR; // Linux closes the fd even when close() reports EINTR
}

/** flock(LOCK_EX|LOCK_NB): true if this process now holds the lock, false if another one does. */
export function tryLockFile(fd: number): boolean {
  if (lib().flock(fd, LOCK_EX | LOCK_NB) === 0) return true;
  const e = errno();
  if (e === osConstants.errno.EWOULDBLOCK || e === EAGAIN) return false;
  throw new SystemCallError('flock', e);
}
