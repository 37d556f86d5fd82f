// Tells when processes that are not our children exit: one pidfd per process, all in one epoll
// set waited on by a single parked call. Used for processes a daemon adopted from its predecessor.
import { closeSync } from 'node:fs';
import type { EpollLoop } from './event-loop.js';
import { SystemCallError } from './native/koffi.js';
import { pidfdOpen } from './native/pidfd.js';
import { type ProcessIdentity, sameProcess } from './procfs.js';

export class PidWatcher {
  private readonly watcher: EpollLoop;
  private readonly handlers = new Map<number, () => void>();

  /** Uses the daemon's one epoll set (`watcher`), which it does not close. */
  constructor(watcher: EpollLoop) {
    this.watcher = watcher;
  }

  /**
   * Calls `onExit` once when the process `id` names has exited (at once, on the next turn, if it
   * already has, or if its pid now belongs to another process). Returns a function that cancels.
   * Throws SystemCallError when the exit cannot be watched (EMFILE, ENFILE, ENOMEM; ENOSYS before
   * Linux 5.3; EPERM): the process may well be alive, and only ESRCH means it is gone.
   */
  watch(id: ProcessIdentity, onExit: () => void): () => void {
    let fd: number;
    try {
      fd = pidfdOpen(id.pid);
    } catch (e) {
      if (!(e instanceof SystemCallError) || e.code !== 'ESRCH') throw e;
      setImmediate(onExit); // no such process: gone already
      return () => {};
    }
    // checked after the pidfd is held, so the pidfd cannot name a later process with that pid
    if (!sameProcess(id)) {
      closeSync(fd);
      setImmediate(onExit);
      return () => {};
    }
    this.handlers.set(fd, onExit);
    this.watcher.add(fd, (ready) => this.fire(ready));
    return () => this.forget(fd);
  }

  close(): void {
    for (const fd of [...this.handlers.keys()]) this.forget(fd);
  }

  private fire(fd: number): void {
    const handler = this.handlers.get(fd);
    this.forget(fd);
    handler?.();
  }

  private forget(fd: number): void {
    if (!this.handlers.delete(fd)) return;
    this.watcher.remove(fd);
    closeSync(fd);
  }
}
