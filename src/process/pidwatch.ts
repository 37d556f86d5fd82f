// The pidfds of a daemon's live services, one per process:
// - adopted processes (not our children): the pidfd is in the EpollLoop, and tells when the
//   process exits and, read then, how (exit-status.ts);
// - our own children, on kernels that keep a reaped process's status (Linux >= 6.15): the pidfd
//   is only held, so that the FIFO keeper can hold it too and the next daemon can read the
//   status of a service that ends while no daemon runs. libuv tells us of their exits, or, for
//   a child started by posix_spawn, the pidfd that watches it (children.ts), which is then the
//   one held: borrowed, never closed here.
// Nothing else is kept per process: the fd, its identity and its pidfs inode.
import { closeSync, fstatSync, readFileSync } from 'node:fs';
import { DEFAULTS } from '../defaults.js';
import type { RawExit } from '../engine/host.js';
import { letGoOfChildPidfds } from './children.js';
import type { EpollLoop } from './event-loop.js';
import { exitStatusOf, kernelKeepsExitStatus } from './exit-status.js';
import { SystemCallError } from './native/koffi.js';
import { pidfdOpen } from './native/pidfd.js';
import { type ProcessIdentity, sameProcess } from './procfs.js';

/** A pidfd held for a live service: what the FIFO keeper is given to hold as well. */
export interface HeldPidfd {
  fd: number;
  pid: number;
  startTime: number;
  /** the pidfs inode: names this process, and no other, for the whole boot */
  ino: bigint;
}

export interface PidWatcherOptions {
  /** a pidfd was added to the held set (the keeper should hold it too) */
  onHeld?: () => void;
  /** the status of a process found gone before a pidfd of ours could be opened (null: lost) */
  lost?: (id: ProcessIdentity) => RawExit | null;
  /** hold pidfds of children; by default, where the kernel keeps statuses for them */
  holdChildren?: boolean;
  /**
   * a child's pidfd is kept only when its number is below this: fds are numbered lowest-free, so
   * past it the fd table is that full, and log FIFOs and sockets come first. By default half the
   * open-file limit.
   */
  fdCeiling?: number;
  /** told once when a child is left without a pidfd because the fd table is that full */
  warn?: (message: string) => void;
}

export class PidWatcher {
  private readonly watcher: EpollLoop;
  private readonly handlers = new Map<
    number,
    { id: ProcessIdentity; onExit: (status: RawExit | null) => void }
  >();
  /** pidfds of children, held for the keeper only */
  private readonly children = new Set<number>();
  /** pidfds of children lent by the code that watches their exit, which closes them */
  private readonly borrowed = new Set<number>();
  private readonly held = new Map<number, HeldPidfd>();
  private readonly opts: PidWatcherOptions;
  private readonly holdChildren: boolean;
  private shedWarned = false;
  private readonly fdCeiling: number;
  private warned = false;

  /** Uses the daemon's one epoll set (`watcher`), which it does not close. */
  constructor(watcher: EpollLoop, opts: PidWatcherOptions = {}) {
    this.watcher = watcher;
    this.opts = opts;
    this.holdChildren = opts.holdChildren ?? kernelKeepsExitStatus();
    this.fdCeiling = opts.fdCeiling ?? Math.floor(openFileLimit() * DEFAULTS.internal.heldPidfdsFdCeiling);
  }

  /**
   * Calls `onExit` once when the process `id` names has exited, with its status when it can be
   * known (at once, on the next turn, if it already has, or if its pid now belongs to another
   * process). Returns a function that cancels.
   * Throws SystemCallError when the exit cannot be watched (EMFILE, ENFILE, ENOMEM; ENOSYS before
   * Linux 5.3; EPERM): the process may well be alive, and only ESRCH means it is gone.
   */
  watch(id: ProcessIdentity, onExit: (status: RawExit | null) => void): () => void {
    let fd: number;
    try {
      fd = pidfdOpen(id.pid);
    } catch (e) {
      if (!(e instanceof SystemCallError) || e.code !== 'ESRCH') throw e;
      return this.gone(id, onExit); // no such process: gone already
    }
    // checked after the pidfd is held, so the pidfd cannot name a later process with that pid
    if (!sameProcess(id)) {
      // a zombie of it, or another process with its pid: the pidfd is not trusted to name it
      closeSync(fd);
      return this.gone(id, onExit);
    }
    this.handlers.set(fd, { id, onExit });
    this.keep(fd, id);
    this.watcher.add(fd, (ready) => this.fire(ready));
    return () => this.forget(fd);
  }

  /**
   * Holds a pidfd for a child just spawned, until `exited` settles (when the kernel keeps
   * statuses; else nothing): `child.pidfd` when it has one (borrowed: its owner closes it once
   * `exited` settles), else one opened now. A child that cannot be given one is only not
   * covered across a daemon's death: never an error.
   */
  hold(child: { pid: number; startTime: number; exited: Promise<unknown>; pidfd?: number | null }): void {
    if (!this.holdChildren) return;
    const lent = child.pidfd !== undefined && child.pidfd !== null;
    let fd: number;
    try {
      fd = child.pidfd ?? pidfdOpen(child.pid);
    } catch {
      return; // gone already (libuv has its status), or no fd to spare
    }
    if (fd >= this.fdCeiling) {
      if (!lent) closeSync(fd);
      if (!this.warned)
        this.opts.warn?.(
          `${this.fdCeiling} fds or more open, half the open-file limit: services started while it is so get no pidfd, and end as "unknown" if they end while no daemon runs (raise the limit: ulimit -n)`,
        );
      this.warned = true;
      return;
    }
    (lent ? this.borrowed : this.children).add(fd);
    this.keep(fd, { pid: child.pid, startTime: child.startTime });
    // the fd, once let go (shed), may be another pidfd's by the time this child ends
    const held = this.held.get(fd);
    void child.exited.then(() => {
      if (this.held.get(fd) === held) this.release(fd);
    });
  }

  /**
   * Lets go of up to `count` held pidfds of children (the newest first), when fds run short: their
   * services then end as "unknown" if they end while no daemon runs. Then, if more are needed,
   * the pidfds that watch the exits of children started without a fork (children.ts): those
   * exits are then found at SIGCHLD. Returns how many.
   */
  shed(count: number): number {
    const newest = [...this.children].sort((a, b) => b - a).slice(0, count);
    for (const fd of newest) this.release(fd);
    // then the pidfds that watch children's exits (their exits are then found at SIGCHLD)
    for (const fd of letGoOfChildPidfds(count - newest.length)) {
      this.borrowed.delete(fd);
      this.held.delete(fd);
      newest.push(fd);
    }
    if (newest.length > 0) {
      if (!this.shedWarned)
        this.opts.warn?.(
          `open files run short: ${newest.length} pidfds held only to know exit statuses across the daemon's death were let go, so that log channels can open; those services end as "unknown" if they end while no daemon runs (raise the limit: ulimit -n)`,
        );
      this.shedWarned = true;
      this.opts.onHeld?.();
    }
    return newest.length;
  }

  /** The pidfds held now, for the keeper. */
  list(): HeldPidfd[] {
    return [...this.held.values()];
  }

  close(): void {
    for (const fd of [...this.handlers.keys()]) this.forget(fd);
    for (const fd of [...this.children, ...this.borrowed]) this.release(fd);
  }

  // The status of a process gone before we could open a pidfd on it: its zombie, else what was
  // kept elsewhere (the previous keeper's pidfd).
  private gone(id: ProcessIdentity, onExit: (status: RawExit | null) => void): () => void {
    const status = exitStatusOf(null, id) ?? this.opts.lost?.(id) ?? null;
    setImmediate(() => onExit(status));
    return () => {};
  }

  private keep(fd: number, id: { pid: number; startTime: number }): void {
    if (!this.holdChildren) return;
    let ino: bigint;
    try {
      ino = fstatSync(fd, { bigint: true }).ino;
    } catch {
      return;
    }
    this.held.set(fd, { fd, pid: id.pid, startTime: id.startTime, ino });
    this.opts.onHeld?.();
  }

  private fire(fd: number): void {
    const handler = this.handlers.get(fd);
    if (!handler) return;
    const status = exitStatusOf(fd, handler.id); // read before the pidfd is closed
    this.forget(fd);
    handler.onExit(status);
  }

  private forget(fd: number): void {
    if (!this.handlers.delete(fd)) return;
    this.watcher.remove(fd);
    this.held.delete(fd);
    closeSync(fd);
  }

  // Closes a child's pidfd (a borrowed one is only given back) and drops it from the held set
  // (once: close() may have come first).
  private release(fd: number): void {
    if (this.borrowed.delete(fd)) {
      this.held.delete(fd);
      return;
    }
    if (!this.children.delete(fd)) return;
    this.held.delete(fd);
    closeSync(fd);
  }
}

/** This process's soft limit on open files (/proc/self/limits); 1024 when it cannot be read. */
export function openFileLimit(): number {
  try {
    const line = /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
    if (!line) return 1024;
    return line[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(line[1]);
  } catch {
    return 1024;
  }
}
