// The receiving end of systemd's sd_notify protocol, one socket per service process
// (`ready: { notify: true }`): the service finds its path in NOTIFY_SOCKET and sends datagrams
// of `KEY=VALUE` lines (READY=1, STATUS=…, MAINPID=…, STOPPING=1, EXTEND_TIMEOUT_USEC=…,
// WATCHDOG=1). The kernel attaches the sender's pid, uid and gid to each (SO_PASSCRED), which
// is what lets the caller check that a message comes from the service and not from anyone who
// can reach the socket.
//
// Nothing here waits: the socket is non-blocking and its fd goes into the daemon's one epoll
// set (EpollLoop); when it is readable, drain() takes what is queued.
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { close } from './native/fd.js';
import { AF_UNIX, sockaddrUn } from './native/sockaddr.js';
import {
  bind,
  MSG_CTRUNC,
  MSG_TRUNC,
  recvmsg,
  SO_PASSCRED,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOL_SOCKET,
  setsockoptInt,
  socket,
} from './native/socket.js';

/** Datagrams taken per drain(); the rest stay queued and the (level-triggered) epoll reports them again. */
export const NOTIFY_DRAIN_MAX = 256;

export interface NotifyMessage {
  /** the sender, as the kernel saw it (SCM_CREDENTIALS) */
  pid: number;
  uid: number;
  gid: number;
  /** KEY=VALUE lines; a key given twice keeps its last value */
  fields: Record<string, string>;
}

export interface NotifySocket {
  /** non-blocking, close-on-exec: for the daemon's epoll set, never for a service's stdio */
  readonly fd: number;
  /** the value for the service's NOTIFY_SOCKET: a path, or "@name" for an abstract socket */
  readonly path: string;
  /** messages dropped so far: cut short (longer than 8 KiB), or without credentials */
  readonly dropped: number;
  /** every message queued now (at most `max`), oldest first; fds passed along are closed */
  drain(max?: number): NotifyMessage[];
  /** closes the socket and removes its file; idempotent */
  close(): void;
}

/** The fields of one sd_notify datagram; lines without "=" are ignored, as systemd does. */
export function parseNotifyMessage(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return fields;
}

// A leftover socket file (from a daemon that was killed) is replaced; anything else is not ours.
function removeStaleSocket(path: string): void {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return;
  }
  if (!isSocket) throw new Error(`could not create the notify socket: ${path} exists and is not a socket`);
  unlinkSync(path);
}

/**
 * Binds a datagram socket at `path` (a file path, its directory created 0700 if missing, or
 * "@name" in the abstract namespace). The file is 0600 unless `mode` opens it up, for a service
 * that runs as another user (which also needs to be able to reach the directory).
 */
export function createNotifySocket(path: string, opts: { mode?: number } = {}): NotifySocket {
  const abstract = path.startsWith('@');
  const address = sockaddrUn(path); // checks the length before anything is created
  if (!abstract) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    removeStaleSocket(path);
  }
  const fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK);
  try {
    setsockoptInt(fd, SOL_SOCKET, SO_PASSCRED, 1);
    const umask = process.umask(0o177);
    try {
      bind(fd, address, path);
    } finally {
      process.umask(umask);
    }
    if (!abstract && opts.mode !== undefined) chmodSync(path, opts.mode);
  } catch (e) {
    close(fd);
    throw e;
  }
  const inode = abstract ? 0 : lstatSync(path).ino;
  let closed = false;
  let dropped = 0;
  return {
    fd,
    path,
    get dropped() {
      return dropped;
    },
    drain(max = NOTIFY_DRAIN_MAX): NotifyMessage[] {
      const out: NotifyMessage[] = [];
      while (!closed && out.length < max) {
        const m = recvmsg(fd);
        if (m === null) break;
        // fds (BARRIER=1 sends one, FDSTORE=1 others) are not kept: closing a barrier's fd is
        // also the answer its sender waits for
        for (const passed of m.fds) close(passed);
        if (m.flags & (MSG_TRUNC | MSG_CTRUNC) || m.credentials === null) {
          dropped++;
          continue;
        }
        out.push({ ...m.credentials, fields: parseNotifyMessage(m.data.toString('utf8')) });
      }
      return out;
    },
    close(): void {
      if (closed) return;
      closed = true;
      close(fd);
      if (abstract) return;
      try {
        if (lstatSync(path).ino === inode) unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}
