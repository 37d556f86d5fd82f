// Kinds of values the schema checks by the `unit` keyword, each with the words its problems use.
import { isIP } from 'node:net';
import { parseListenSpec } from '../listen-spec.js';
import { SIGNAL_EXPECTED, signalNames, toSignal } from '../signals.js';
import { didYouMean } from './problems.js';
import { DURATION_EXPECTED, SIZE_EXPECTED, toDurationMs, toSizeBytes } from './units.js';

/** Names of projects and services: no '/' or ':', which address `shop/web:0`. */
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export interface ValueKind {
  /** what a valid value looks like, after "expected" */
  expected: string;
  /** true when valid, else a hint to append (may be empty) */
  check(value: unknown): true | string;
}

/** Host and port of `HOST:PORT` or `[IPv6]:PORT`; null when malformed or the port is not 1..65535. */
export function parseHostPort(text: string): { host: string; port: number } | null {
  const m = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(text) ?? /^([A-Za-z0-9_.-]+):(\d{1,5})$/.exec(text);
  if (m === null) return null;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return null;
  if (text.startsWith('[') && isIP(m[1]) !== 6) return null;
  return { host: m[1], port };
}

/** The umask written as octal digits ("0022", or 22 when YAML read 0022 as a number); null when not one. */
export function parseUmask(value: unknown): number | null {
  const digits = typeof value === 'number' && Number.isInteger(value) ? String(value) : value;
  if (typeof digits !== 'string' || !/^0?[0-7]{1,3}$/.test(digits)) return null;
  return Number.parseInt(digits, 8);
}

function unitHint(value: unknown, example: string): string {
  return typeof value === 'number' ? ` (add a unit, e.g. "${value}${example}")` : '';
}

function regexError(value: unknown): true | string {
  if (typeof value !== 'string') return '';
  try {
    new RegExp(value);
    return true;
  } catch (e) {
    return ` (${(e as Error).message})`;
  }
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

// the same parser the daemon binds with, so what passes here can be bound (hostnames other
// than localhost cannot: a listening socket needs an address)
function socketCheck(value: unknown): true | string {
  if (typeof value !== 'string') return '';
  try {
    parseListenSpec(value);
    return true;
  } catch (e) {
    const why = / \(([^)]*)\)$/.exec((e as Error).message);
    return why ? ` (${why[1]})` : '';
  }
}

const ok = (valid: boolean): true | string => valid || '';

export const KINDS: Record<string, ValueKind> = {
  duration: {
    expected: DURATION_EXPECTED,
    check: (v) => ok(toDurationMs(v) !== null) || unitHint(v, 's'),
  },
  interval: {
    expected: `${DURATION_EXPECTED}, above 0`,
    check: (v) => ok((toDurationMs(v) ?? 0) > 0) || unitHint(v, 's'),
  },
  size: {
    expected: SIZE_EXPECTED,
    check: (v) => ok(toSizeBytes(v) !== null) || unitHint(v, 'MB'),
  },
  signal: {
    expected: SIGNAL_EXPECTED,
    check: (v) => {
      if (toSignal(v) !== null) return true;
      const upper = typeof v === 'string' ? v.toUpperCase() : v;
      const name = typeof upper === 'string' && !upper.startsWith('SIG') ? `SIG${upper}` : upper;
      return didYouMean(name, signalNames());
    },
  },
  url: { expected: 'an http:// or https:// URL', check: (v) => ok(isHttpUrl(v)) },
  hostport: {
    expected: 'HOST:PORT with a port from 1 to 65535, like 127.0.0.1:5432',
    check: (v) => ok(typeof v === 'string' && parseHostPort(v) !== null),
  },
  regex: { expected: 'a regular expression', check: regexError },
  socket: { expected: 'tcp://HOST:PORT or unix:///absolute/path', check: socketCheck },
  umask: { expected: 'a umask of octal digits like "0022"', check: (v) => ok(parseUmask(v) !== null) },
  name: {
    expected: 'a name of letters, digits, "_", "." and "-" that starts with a letter or digit',
    check: (v) => ok(typeof v === 'string' && NAME_RE.test(v)),
  },
  envname: {
    expected: 'a variable name without "=" or spaces',
    check: (v) => ok(typeof v === 'string' && /^[^=\s\0]+$/.test(v)),
  },
};
