// A TCP probe: healthy when a connection to host:port is accepted.
import { connect } from 'node:net';
import { type Clock, systemClock } from '../clock.js';

/** Resolves with null when a connection is accepted, else with why not. Never rejects. */
export function probeTcp(
  host: string,
  port: number,
  timeoutMs: number,
  clock: Clock = systemClock,
): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = clock.after(timeoutMs, () => done(`${host}:${port}: no answer within ${timeoutMs} ms`));
    // Settles once: the first of connect, error or the cut-off.
    function done(result: string | null): void {
      timer.cancel();
      socket.destroy();
      resolve(result);
    }
    socket.once('connect', () => done(null));
    socket.once('error', (e) => done(`${host}:${port}: ${e.message}`));
  });
}
