// A TCP probe: healthy when a connection to host:port is accepted.
import { connect } from 'node:net';

/** Resolves with null when a connection is accepted, else with why not. Never rejects. */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => done(`${host}:${port}: no answer within ${timeoutMs} ms`), timeoutMs);
    function done(result: string | null): void {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    }
    socket.once('connect', () => done(null));
    socket.once('error', (e) => done(`${host}:${port}: ${e.message}`));
  });
}
