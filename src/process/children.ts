// The children corral itself spawns (services, probes, the FIFO keeper), known by pid, and who
// reaps each: libuv for the ones Node's child_process started, a pidfd of ours for the ones
// posix_spawn started (watchChild).
//
// The orphan reaper (reaper.ts) must never wait for one of these: a reaper that took the exit
// first would leave libuv's 'exit' event unfired forever, or a pidfd-watched child's status
// unknown. So every spawner of the daemon and of `corral run` registers each child it creates,
// right after the spawn returns (nothing can reap it before: libuv waits on a later turn of the
// event loop, the reaper scans on a later turn too); the pid leaves the registry once the child
// is reaped. Code that must spawn and is not one of the allowed spawners (a lint rule names
// them) calls spawnChild().
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import type { RawExit } from '../engine/host.js';
import { signalName } from '../signals.js';
import type { EpollLoop } from './event-loop.js';
import { decodeWaitStatus, pidfdExitStatus, pidfdOpen, WNOHANG, waitpid } from './native/pidfd.js';

const registered = new Set<number>();

/** Records `child` as one of ours until Node reports its exit; returns it. */
export function registerChild<T extends ChildProcess>(child: T): T {
  const pid = child.pid;
  if (pid === undefined) return child; // spawn failed: there is no process to reap
  registered.add(pid);
  // 'exit' comes right after libuv's waitpid: from then on the pid is free for reuse
  child.once('exit', () => registered.delete(pid));
  return child;
}

/** Whether `pid` is a child corral spawned and has not reaped yet. */
export function isRegisteredChild(pid: number): boolean {
  return registered.has(pid);
}

/** spawn() from node:child_process, with the child registered. */
export function spawnChild(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  return registerChild(spawn(command, args, options));
}

// A wait status as the engine takes it: the code, or the signal's name (null for a signal
// without one, which the engine treats as an exit it cannot name).
function exitOf(status: number): RawExit {
  const { code, signal } = decodeWaitStatus(status);
  return { code, signal: signal === null ? null : signalName(signal) };
}

/** A child started by posix_spawn, until it is reaped: its pidfd, or null when it has none. */
interface Watched {
  pid: number;
  fd: number | null;
  loop: EpollLoop;
  resolve: (exit: RawExit) => void;
}

/** watched children by pidfd; those without one (fds ran short) are in `bySignal` */
const byFd = new Map<number, Watched>();
const bySignal = new Set<Watched>();
let listening = false;

// Reaps `w` if it has ended (WNOHANG): its exact status, the registry and its pidfd let go.
function reapIfEnded(w: Watched): void {
  const r = waitpid(w.pid, WNOHANG);
  if (r === null) return; // not ended after all (a pidfd is readable only once it has)
  let exit: RawExit;
  if (typeof r === 'object') exit = exitOf(r.status);
  else {
    // reaped by someone else (ECHILD): what the kernel kept for our pidfd, if it keeps it
    const kept = w.fd === null ? null : pidfdExitStatus(w.fd);
    exit = kept === null ? { code: null, signal: null } : exitOf(kept);
  }
  if (w.fd !== null) {
    w.loop.remove(w.fd);
    closeSync(w.fd);
    byFd.delete(w.fd);
  }
  bySignal.delete(w);
  registered.delete(w.pid);
  w.resolve(exit);
}

// From now on `w`'s exit is found at SIGCHLD (the kernel's event), as the orphan reaper finds
// orphans; checked once now, for an exit whose SIGCHLD came before.
function watchBySignal(w: Watched): void {
  w.fd = null;
  bySignal.add(w);
  if (!listening) {
    listening = true;
    process.on('SIGCHLD', () => {
      for (const child of [...bySignal]) reapIfEnded(child);
    });
  }
  reapIfEnded(w);
}

/**
 * Registers `pid`, a child just started by posix_spawn (not yet reaped: only its parent, this
 * process, can), and watches it through a pidfd in `loop`: when the pidfd is readable the child
 * has ended, and is reaped then (waitpid) with its exact code or signal; `exited` resolves with
 * that, once the pidfd is closed. The pidfd may be lent (PidWatcher.hold) until then. When fds
 * run short (no pidfd can be had, or its number reaches `fdCeiling`: fds are numbered
 * lowest-free, and log channels come first) the child costs no fd: its exit is found at SIGCHLD
 * instead, and `pidfd` is null.
 */
export function watchChild(
  pid: number,
  loop: EpollLoop,
  fdCeiling: number,
): { exited: Promise<RawExit>; pidfd: number | null } {
  let resolve!: (exit: RawExit) => void;
  const exited = new Promise<RawExit>((r) => {
    resolve = r;
  });
  const w: Watched = { pid, fd: null, loop, resolve };
  registered.add(pid);
  let fd: number;
  try {
    fd = pidfdOpen(pid);
  } catch {
    watchBySignal(w); // EMFILE, ENFILE, ENOMEM
    return { exited, pidfd: null };
  }
  try {
    if (fd >= fdCeiling) throw new Error('past the ceiling');
    loop.add(fd, () => reapIfEnded(w));
  } catch {
    closeSync(fd);
    watchBySignal(w);
    return { exited, pidfd: null };
  }
  w.fd = fd;
  byFd.set(fd, w);
  return { exited, pidfd: fd };
}

/**
 * Lets go of up to `count` pidfds of watched children (the newest first), when fds run short:
 * their exits are then found at SIGCHLD. Returns the fds closed.
 */
export function letGoOfChildPidfds(count: number): number[] {
  const newest = [...byFd.keys()].sort((a, b) => b - a).slice(0, Math.max(0, count));
  for (const fd of newest) {
    const w = byFd.get(fd) as Watched;
    byFd.delete(fd);
    w.loop.remove(fd);
    closeSync(fd);
    watchBySignal(w);
  }
  return newest;
}
