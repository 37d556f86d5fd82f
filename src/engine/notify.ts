// sd_notify from a service (`ready: { notify: true }`): which datagrams speak for it, and what
// each field asks of corral. The instance applies the result; nothing here has side effects.
import type { NotifyMessage } from '../process/notify-socket.js';
import type { ProcessBackend } from './host.js';

/** What one datagram asks for; absent fields ask nothing. */
export interface NotifyRequest {
  /** READY=1 */
  ready: boolean;
  /** STOPPING=1: the service says it is going down by itself */
  stopping: boolean;
  /** STATUS=…, shown in ps */
  status?: string;
  /** MAINPID=…: the process whose exit counts from now on */
  mainPid?: number;
  /** EXTEND_TIMEOUT_USEC=…, in ms: more time to become ready, from now */
  extendMs?: number;
}

/** Reads the fields corral acts on; malformed numbers are ignored, as systemd does. */
export function readNotify(fields: NotifyMessage['fields']): NotifyRequest {
  const out: NotifyRequest = { ready: fields.READY === '1', stopping: fields.STOPPING === '1' };
  if (fields.STATUS !== undefined) out.status = fields.STATUS;
  if (fields.MAINPID !== undefined && /^\d+$/.test(fields.MAINPID) && Number(fields.MAINPID) > 1) {
    out.mainPid = Number(fields.MAINPID);
  }
  if (fields.EXTEND_TIMEOUT_USEC !== undefined && /^\d+$/.test(fields.EXTEND_TIMEOUT_USEC)) {
    out.extendMs = Math.ceil(Number(fields.EXTEND_TIMEOUT_USEC) / 1000);
  }
  return out;
}

/**
 * Only the process and what it started (its session) speak for the service. A sender that has
 * already exited (`systemd-notify` from a script is gone by the time its datagram is read) is
 * accepted when it ran as the service's own user.
 */
export function speaksForService(m: NotifyMessage, pid: number, os: ProcessBackend): boolean {
  if (m.pid === pid) return true;
  const session = os.sessionOf(m.pid);
  if (session !== null) return session === pid;
  return m.uid === os.uidOf(pid);
}
