// The daemon telling systemd about itself (sd_notify(3)): READY=1 and MAINPID= once its socket
// accepts requests, STATUS= with a summary, STOPPING=1 on shutdown, WATCHDOG=1 as a heartbeat.
// Outside systemd (no NOTIFY_SOCKET) every call is a no-op.
//
// The daemon should read NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID once at start, keep them,
// and delete them from process.env, so that no service inherits them: pass the kept copy as `env`.
import { DEFAULTS } from '../defaults.js';
import { close } from './native/fd.js';
import { AF_UNIX, sockaddrUn } from './native/sockaddr.js';
import { MSG_NOSIGNAL, SOCK_DGRAM, sendto, setSendTimeout, socket } from './native/socket.js';

/** `KEY=VALUE` lines; a newline inside a value would start a new field, so it becomes a space. */
export function formatNotifyFields(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([key, value]) => {
      if (!/^[A-Z0-9_]+$/.test(key)) {
        throw new TypeError(`Expected an sd_notify field name of A-Z, 0-9 and "_", got "${key}"`);
      }
      return `${key}=${value.replace(/\n/g, ' ')}\n`;
    })
    .join('');
}

/**
 * Sends `fields` to the socket named by env.NOTIFY_SOCKET (a path, or "@name" for an abstract
 * socket). True when sent; false when there is no NOTIFY_SOCKET (not under systemd), it is of a
 * kind this does not speak (vsock), or the send failed (systemd gone or not reading).
 */
export function sdNotify(fields: Record<string, string>, env: NodeJS.ProcessEnv = process.env): boolean {
  const target = env.NOTIFY_SOCKET;
  if (!target || !(target.startsWith('/') || target.startsWith('@'))) return false;
  let address: Buffer;
  try {
    address = sockaddrUn(target);
  } catch {
    return false; // too long to be a socket address
  }
  const fd = socket(AF_UNIX, SOCK_DGRAM);
  try {
    setSendTimeout(fd, DEFAULTS.internal.sdNotifySendTimeoutMs);
    const data = Buffer.from(formatNotifyFields(fields));
    return sendto(fd, data, address, MSG_NOSIGNAL) === data.length;
  } finally {
    close(fd);
  }
}

/**
 * How often to send WATCHDOG=1, ms: half of WATCHDOG_USEC (as sd_watchdog_enabled(3) advises),
 * or null when systemd asks for no watchdog, or asks another process (WATCHDOG_PID).
 */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv = process.env, pid = process.pid): number | null {
  const usecText = env.WATCHDOG_USEC;
  if (!usecText || !/^\d+$/.test(usecText)) return null;
  const forPid = env.WATCHDOG_PID;
  if (forPid !== undefined && forPid !== '' && forPid !== String(pid)) return null;
  const usec = Number(usecText);
  if (usec <= 0) return null;
  return Math.max(1, Math.floor(usec / 2 / 1000));
}
