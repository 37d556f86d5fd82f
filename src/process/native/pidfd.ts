// Processes: pidfds (exit of a non-child and, on Linux >= 6.15, its status; fds taken from a live
// process), waitpid for orphans, and becoming a child subreaper. The syscall numbers are those of
// the unified table, the same on every Linux architecture; PIDFD_GET_INFO is the same ioctl
// number on x86_64 and arm64.
import { check, EINTR, errno, family } from './koffi.js';

export const WNOHANG = 1;
const PR_SET_CHILD_SUBREAPER = 36;
/** Linux >= 5.3 */
const SYS_pidfd_open = 434;
/** Linux >= 5.6 */
const SYS_pidfd_getfd = 438;

const lib = family((c) => ({
  waitpid: c.func('int waitpid(int pid, void *status, int options)'),
  prctl: c.func(
    'int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)',
  ),
  syscall: c.func('long syscall(long number, long arg1, long arg2, long arg3)'),
  ioctl: c.func('int ioctl(int fd, unsigned long request, void *arg)'),
}));

/** PIDFD_GET_INFO: _IOWR(0xFF, 11, struct pidfd_info), the 64-byte first version of the struct (Linux >= 6.13). */
const PIDFD_GET_INFO = 0xc040ff0b;
/** struct pidfd_info.mask: the wait status of a reaped process is filled in (Linux >= 6.15) */
const PIDFD_INFO_EXIT = 8n;
/** offset of struct pidfd_info.exit_code (after mask, cgroupid and eleven 32-bit ids) */
const EXIT_CODE_OFFSET = 60;
const PIDFD_INFO_SIZE = 64;

/** A pidfd for `pid` (readable once the process has exited); throws SystemCallError (ESRCH: gone). */
export function pidfdOpen(pid: number, flags = 0): number {
  return check(Number(lib().syscall(SYS_pidfd_open, pid, flags, 0)), 'pidfd_open');
}

/**
 * A copy, in this process, of fd `targetFd` of the process the pidfd refers to (close-on-exec).
 * Needs ptrace rights over it: root, or CAP_SYS_PTRACE. Linux >= 5.6.
 */
export function pidfdGetfd(pidfd: number, targetFd: number): number {
  return check(Number(lib().syscall(SYS_pidfd_getfd, pidfd, targetFd, 0)), 'pidfd_getfd');
}

/**
 * The raw wait status of the process a pidfd refers to, kept by the kernel once it was reaped
 * (PIDFD_GET_INFO with PIDFD_INFO_EXIT, Linux >= 6.15; the pidfd must have been opened before the
 * reap). Null while it is not reaped yet, and on kernels that do not keep it (the ioctl fails or
 * leaves the bit out).
 */
export function pidfdExitStatus(pidfd: number): number | null {
  const info = Buffer.alloc(PIDFD_INFO_SIZE);
  info.writeBigUInt64LE(PIDFD_INFO_EXIT, 0);
  if ((lib().ioctl(pidfd, PIDFD_GET_INFO, info) as number) < 0) return null;
  if ((info.readBigUInt64LE(0) & PIDFD_INFO_EXIT) === 0n) return null;
  return info.readInt32LE(EXIT_CODE_OFFSET);
}

/** Makes orphaned descendants reparent to this process (which must then reap them); throws on failure. */
export function setChildSubreaper(): void {
  check(lib().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 'prctl(PR_SET_CHILD_SUBREAPER)');
}

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
