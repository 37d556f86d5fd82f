// A daemon replacing the running one (`corral daemon restart`): it loads everything it needs
// while the old daemon still serves, then asks it to leave with its services running, takes the
// home's lock the moment the old one is gone, and adopts every service (no service restarts).
// The time with no daemon is the old one's departure and the new one's adoption, not a start-up.
import { CorralClient } from '../client/client.js';
import { DEFAULTS } from '../defaults.js';
import { CorralError, isCorralError } from '../errors.js';
import { waitForExit } from './exit-wait.js';
import type { HomePaths } from './home.js';
import { claimHome } from './single.js';

/** What the daemon being replaced was: its pid, or null when none answered. */
export interface Handover {
  lockFd: number;
  replaced: number | null;
}

/**
 * Takes the home over from the daemon that answers on its socket (or claims it, when none does):
 * resolves with the lock once the old daemon has exited; throws DAEMON_RUNNING if it is still
 * there after DEFAULTS.daemonStopTimeoutMs.
 */
export async function takeHomeOver(paths: HomePaths): Promise<Handover> {
  const client = new CorralClient(paths.socket);
  let pid: number;
  try {
    pid = (await client.health()).pid;
  } catch (e) {
    if (isCorralError(e) && e.code === 'DAEMON_UNREACHABLE')
      return { lockFd: await claimHome(paths), replaced: null };
    throw e;
  }
  const exited = waitForExit(pid, DEFAULTS.daemonStopTimeoutMs); // watching before asking
  // its answer may be cut short by its exit: the exit is what counts
  client.shutdown(true).catch(() => {});
  if (!(await exited)) {
    throw new CorralError(
      'DAEMON_RUNNING',
      `Daemon ${pid} did not leave within ${DEFAULTS.daemonStopTimeoutMs} ms of being asked to hand over; it still runs`,
    );
  }
  return { lockFd: await claimHome(paths), replaced: pid };
}
