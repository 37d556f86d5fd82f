// Readiness of many fds with one epoll set and a single epoll_wait parked on a worker thread
// (never one per fd: each parked call holds a thread of the pool). An eventfd in the set lets
// the main thread wake the parked call, to shut down. No timers, no polling.
import { closeSync, readSync, writeSync } from 'node:fs';
import {
  EPOLL_CTL_ADD,
  EPOLL_CTL_DEL,
  EPOLLIN,
  epollCreate,
  epollCtl,
  epollEventAt,
  epollEventBuffer,
  epollWaitAsync,
  eventfd,
} from './native/epoll.js';

/** Events handled per wake; more ready fds are simply reported on the next (level-triggered). */
const MAX_EVENTS = 64;
/** epoll_wait failing this many times in a row (not EINTR-like noise) stops the watcher. */
const MAX_CONSECUTIVE_FAILURES = 100;

export class EpollLoop {
  private readonly epfd: number;
  private readonly wakeFd: number;
  private readonly events = epollEventBuffer(MAX_EVENTS);
  private readonly wakeBuffer = Buffer.alloc(8);
  private readonly handlers = new Map<number, (fd: number) => void>();
  private parked = false;
  private closing = false;
  private closed = false;
  private failures = 0;
  private onClosed: (() => void) | null = null;

  /**
   * `onReady(fd)` runs on the main thread for every fd with bytes to read (or an error to
   * report); `onFailure` hears of what should never happen (it is logged, the watcher goes on
   * unless epoll_wait itself keeps failing).
   */
  constructor(
    private readonly onReady: (fd: number) => void,
    private readonly onFailure: (error: Error) => void,
  ) {
    this.epfd = epollCreate();
    try {
      this.wakeFd = eventfd();
      epollCtl(this.epfd, EPOLL_CTL_ADD, this.wakeFd, EPOLLIN);
    } catch (e) {
      closeSync(this.epfd);
      throw e;
    }
    this.park();
  }

  /**
   * Level-triggered: reported as long as bytes are waiting. Safe while the wait is parked.
   * With `handler`, events of this fd go to it instead of the watcher's `onReady` (one watcher,
   * one parked thread, can serve several owners: log channels, pidfds, notify sockets).
   */
  add(fd: number, handler?: (fd: number) => void): void {
    epollCtl(this.epfd, EPOLL_CTL_ADD, fd, EPOLLIN);
    if (handler) this.handlers.set(fd, handler);
  }

  remove(fd: number): void {
    this.handlers.delete(fd);
    try {
      epollCtl(this.epfd, EPOLL_CTL_DEL, fd, 0);
    } catch {
      // not registered, or already closed: nothing to remove
    }
  }

  /** Stops waiting and closes the epoll set; resolves once the parked call has returned. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closing = true;
    if (!this.parked) {
      this.release();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.onClosed = resolve;
      this.wake();
    });
  }

  private wake(): void {
    this.wakeBuffer.writeBigUInt64LE(1n);
    try {
      writeSync(this.wakeFd, this.wakeBuffer);
    } catch {
      // the counter is saturated: the wait is woken anyway
    }
  }

  private park(): void {
    if (this.closing) {
      this.release();
      return;
    }
    this.parked = true;
    epollWaitAsync(this.epfd, this.events, -1, (count) => {
      this.parked = false;
      try {
        this.dispatch(count);
      } catch (e) {
        this.onFailure(e instanceof Error ? e : new Error(String(e)));
      }
      this.park();
    });
  }

  private dispatch(count: number): void {
    if (this.closing) return;
    if (count < 0) {
      // EINTR when a signal lands on the worker thread; anything lasting is a bug worth stopping on
      if (++this.failures >= MAX_CONSECUTIVE_FAILURES) {
        this.closing = true;
        this.onFailure(new Error('epoll_wait keeps failing; log channels are no longer pumped'));
      }
      return;
    }
    this.failures = 0;
    for (let i = 0; i < count; i++) {
      const { fd } = epollEventAt(this.events, i);
      if (fd === this.wakeFd) {
        this.drainWake();
        continue;
      }
      (this.handlers.get(fd) ?? this.onReady)(fd);
      if (this.closing) return;
    }
  }

  private drainWake(): void {
    try {
      readSync(this.wakeFd, this.wakeBuffer, 0, 8, null);
    } catch {
      // EAGAIN: already drained
    }
  }

  private release(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fd of [this.wakeFd, this.epfd]) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
    this.onClosed?.();
    this.onClosed = null;
  }
}
