// The `sockets:` entries of a service: tcp://HOST:PORT or unix:///path[?mode=0660][&name=NAME],
// read at config time by the same parser the daemon binds with (process/listen-sockets.ts).
import { isIPv4, isIPv6 } from 'node:net';
import { CorralError } from './errors.js';

/** mode of a unix socket file when the spec has no ?mode= (systemd's SocketMode= default) */
export const UNIX_SOCKET_MODE = 0o666;

const EXPECTED = 'tcp://HOST:PORT (an IP address or localhost) or unix:///absolute/path[?mode=0660]';

export type ListenSpec =
  | { kind: 'tcp'; host: string; port: number; family: 4 | 6; name: string | null }
  | { kind: 'unix'; path: string; mode: number; name: string | null };

function invalid(spec: string, why = ''): CorralError {
  return new CorralError('CONFIG_INVALID', `Expected a socket as ${EXPECTED}, got "${spec}"${why}`);
}

// systemd's rule for fd names: printable ASCII without ':' (the separator), at most 255 chars
function checkName(spec: string, name: string | null): string | null {
  if (name === null) return null;
  if (!/^[\x21-\x39\x3b-\x7e]{1,255}$/.test(name)) {
    throw invalid(spec, ` (name must be 1-255 printable characters without ":" or spaces)`);
  }
  return name;
}

/** Reads one `sockets:` entry; throws CorralError CONFIG_INVALID naming what is wrong. */
export function parseListenSpec(spec: string): ListenSpec {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw invalid(spec);
  }
  const params = url.searchParams;
  for (const key of params.keys()) {
    if (key !== 'name' && !(key === 'mode' && url.protocol === 'unix:')) {
      throw invalid(spec, ` (unknown option "${key}")`);
    }
  }
  const name = checkName(spec, params.get('name'));
  if (url.protocol === 'tcp:') {
    if (url.pathname !== '' && url.pathname !== '/') throw invalid(spec, ' (no path after the port)');
    if (url.port === '') throw invalid(spec, ' (the port is missing)');
    const port = Number(url.port); // 0: any free port (tests)
    let host = url.hostname;
    if (host.startsWith('[')) host = host.slice(1, -1);
    if (host === 'localhost') host = '127.0.0.1';
    if (isIPv4(host)) return { kind: 'tcp', host, port, family: 4, name };
    if (isIPv6(host)) return { kind: 'tcp', host, port, family: 6, name };
    throw invalid(spec, ` ("${url.hostname}" is not an IP address; corral binds before any name lookup)`);
  }
  if (url.protocol === 'unix:') {
    if (url.host !== '') throw invalid(spec, ' (write three slashes: unix:///path)');
    const path = decodeURIComponent(url.pathname);
    if (path.length < 2) throw invalid(spec, ' (the path is missing)');
    const modeText = params.get('mode');
    if (modeText !== null && !/^0?[0-7]{3}$/.test(modeText)) {
      throw invalid(spec, ` (mode must be octal digits like 0660, got "${modeText}")`);
    }
    const mode = modeText === null ? UNIX_SOCKET_MODE : Number.parseInt(modeText, 8);
    if (Buffer.byteLength(path) > 107) throw invalid(spec, ' (unix socket paths are limited to 107 bytes)');
    return { kind: 'unix', path, mode, name };
  }
  throw invalid(spec);
}
