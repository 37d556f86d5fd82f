// epoll and eventfd: one epoll set, waited on by one call parked on koffi's thread pool, serves
// log FIFOs, pidfds and notify sockets alike (process/event-loop.ts).
import { check, family } from './koffi.js';

const EPOLL_CLOEXEC = 0o2000000;
export const EPOLL_CTL_ADD = 1;
export const EPOLL_CTL_DEL = 2;
export const EPOLLIN = 0x001;
const EFD_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;

/**
 * One entry of epoll_wait's output. The kernel packs `struct epoll_event` on x86_64
 * (12 bytes, data at offset 4); elsewhere it has natural alignment (16 bytes, data at 8).
 * We only ever store an fd in `data`, as its low 32 bits.
 */
const EPOLL_EVENT_BYTES: number = process.arch === 'x64' ? 12 : 16;
const EPOLL_DATA_OFFSET = process.arch === 'x64' ? 4 : 8;

const lib = family((c) => ({
  epoll_create1: c.func('int epoll_create1(int flags)'),
  epoll_ctl: c.func('int epoll_ctl(int epfd, int op, int fd, void *event)'),
  epoll_wait: c.func('int epoll_wait(int epfd, void *events, int maxevents, int timeout)'),
  eventfd: c.func('int eventfd(unsigned int initval, int flags)'),
}));

/** A new close-on-exec epoll set. */
export function epollCreate(): number {
  return check(lib().epoll_create1(EPOLL_CLOEXEC), 'epoll_create1');
}

const ctlEvent = Buffer.alloc(EPOLL_EVENT_BYTES);

/** Adds or removes `fd` in the interest list; `data` given back by epoll_wait is the fd itself. */
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
