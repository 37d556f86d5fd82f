// The address of the API on TCP (`--http ADDR`): `127.0.0.1:9100`, `[::1]:9100`, `:9100`
// (127.0.0.1), `localhost:9100`. An IP literal or localhost only, so that what is checked
// (loopback or not) is what is bound. A bind outside loopback needs `--http-public`.
import { isIP } from 'node:net';
import { CorralError } from '../errors.js';

export interface HttpAddress {
  /** an IP literal, without brackets */
  host: string;
  port: number;
  /** only this machine can connect (127.0.0.0/8, ::1) */
  loopback: boolean;
}

/** Parses ADDR; throws BAD_REQUEST naming `where` (`--http`, `body.address`) and what is wrong. */
export function parseHttpAddress(text: string, where: string): HttpAddress {
  const bad = (why: string): CorralError =>
    new CorralError(
      'BAD_REQUEST',
      `${where}: expected HOST:PORT (127.0.0.1:9100, [::1]:9100, :9100), got "${text}": ${why}`,
    );
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  if (!m) throw bad('the port is missing, or an IPv6 address is not in brackets');
  const port = Number(m[3]);
  if (port > 65_535) throw bad(`port ${port} is above 65535`);
  let host = m[1] ?? m[2];
  if (host === '' || host.toLowerCase() === 'localhost') host = '127.0.0.1';
  const family = isIP(host);
  if (family === 0) throw bad(`"${host}" is not an IP address (a name could resolve anywhere)`);
  if (m[1] !== undefined && family !== 6) throw bad('only an IPv6 address goes in brackets');
  return { host, port, loopback: isLoopbackIp(host) };
}

/** Whether an IP literal is a loopback address. */
export function isLoopbackIp(ip: string): boolean {
  if (isIP(ip) === 4) return ip.startsWith('127.');
  const lower = ip.toLowerCase();
  return lower === '::1' || lower === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(lower);
}

/** Whether the address means every interface (0.0.0.0, ::). */
export function isWildcardIp(ip: string): boolean {
  return ip === '0.0.0.0' || /^[0:]+$/.test(ip);
}

/** HOST:PORT as a URL and a Host header write it (`[::1]:9100`). */
export function formatHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The refusal of a bind outside loopback that was not asked for explicitly. */
export function publicRefused(addr: HttpAddress, where: string): CorralError {
  return new CorralError(
    'BAD_REQUEST',
    `${where} ${formatHostPort(addr.host, addr.port)} is not a loopback address: other machines could reach the API ` +
      '(every action on every service, with the token). Add --http-public to mean it, or use 127.0.0.1:PORT',
  );
}

/** The warning said (in daemon.log and by the CLI) when the API listens outside loopback. */
export function publicWarning(hostPort: string): string {
  return `the API listens on ${hostPort}, outside loopback: anyone who can reach this address and holds the token can act on every service. Plain HTTP: the token crosses the network unencrypted (put a TLS proxy in front)`;
}
