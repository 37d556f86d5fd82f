// How a process that is not our child ended: an adopted service, or one that ended while no
// daemon ran. Its parent (PID 1, or a subreaper) takes the wait status when it reaps it; what a
// non-parent can still learn, in the order tried:
//
// 1. a pidfd opened before the reap: the kernel keeps the status for it (PIDFD_INFO_EXIT, Linux
//    6.15 and later);
// 2. while it is an unreaped zombie: field 52 of /proc/PID/stat (exit_code), provided that this
//    process may read it (the kernel shows 0, not an error, to a reader without ptrace-read
//    access, so the ids are checked first);
// 3. the pidfd once more, in case the reap came between 1 and 2.
//
// Anything else is lost, and said to be (null).
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import type { RawExit } from '../engine/host.js';
import { signalName } from '../signals.js';
import { decodeWaitStatus, pidfdExitStatus } from './native/pidfd.js';
import { bootId, type ProcessIdentity } from './procfs.js';

/** Whether this kernel keeps a reaped process's status for its pidfds (Linux >= 6.15). */
export function kernelKeepsExitStatus(kernel: string = release()): boolean {
  const m = /^(\d+)\.(\d+)/.exec(kernel);
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 6 || (major === 6 && minor >= 15);
}

/** A raw wait status as the engine takes it: the exit code, or the signal's name; null if it is no end. */
export function rawExitOf(status: number): RawExit | null {
  const { code, signal } = decodeWaitStatus(status);
  if (code !== null) return { code, signal: null };
  if (signal === null) return null;
  const name = signalName(signal);
  return name === null ? null : { code: null, signal: name };
}

/**
 * The status of the process `id` names from `pidfd` (held since before its reap; null if none),
 * else from its zombie; null when neither can tell.
 */
export function exitStatusOf(pidfd: number | null, id: ProcessIdentity): RawExit | null {
  if (id.bootId !== bootId()) return null;
  const kept = pidfd === null ? null : pidfdExitStatus(pidfd);
  if (kept !== null) return rawExitOf(kept);
  const zombie = zombieExitStatus(id);
  if (zombie !== null) return rawExitOf(zombie);
  const late = pidfd === null ? null : pidfdExitStatus(pidfd);
  return late === null ? null : rawExitOf(late);
}

/**
 * Field 52 of /proc/PID/stat while `id` is an unreaped zombie that this process may read; null
 * when it is not (running, reaped, another process with the pid, or not ours to read).
 */
export function zombieExitStatus(id: ProcessIdentity): number | null {
  let status: string;
  let stat: string;
  try {
    // the ids first: a pid reused between the two reads is caught by the start time in stat
    status = readFileSync(`/proc/${id.pid}/status`, 'latin1');
    stat = readFileSync(`/proc/${id.pid}/stat`, 'latin1');
  } catch {
    return null; // reaped
  }
  if (!mayRead(status)) return null;
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // after ") ", field N of proc(5) is at index N - 3
  if (f[0] !== 'Z' || Number(f[19]) !== id.startTime || f.length < 50) return null;
  const code = Number(f[49]);
  return Number.isInteger(code) ? code : null;
}

/**
 * Whether the kernel shows us a zombie's exit_code: ptrace-read access, which for a reader without
 * CAP_SYS_PTRACE means its real, effective and saved uids and gids all equal ours. Root is taken
 * to have the capability.
 */
function mayRead(status: string): boolean {
  const uid = process.getuid?.() ?? -1;
  if (uid === 0) return true;
  const gid = process.getgid?.() ?? -1;
  const ids = (key: string): number[] =>
    (new RegExp(`^${key}:\\s+(.*)$`, 'm').exec(status)?.[1] ?? '')
      .trim()
      .split(/\s+/)
      .slice(0, 3)
      .map(Number);
  const uids = ids('Uid');
  const gids = ids('Gid');
  return (
    uids.length === 3 && gids.length === 3 && uids.every((u) => u === uid) && gids.every((g) => g === gid)
  );
}
