// Durations, sizes and signals as written in a config file or on the command line.
import { constants } from 'node:os';
import { CorralError } from '../errors.js';

/** The longest duration a Node timer can wait: 2^31 - 1 ms, about 24.8 days. */
export const MAX_DURATION_MS = 2_147_483_647;

export const DURATION_EXPECTED = 'a duration like 250ms, 5s, 1m or 1h';
export const SIZE_EXPECTED = 'a size like 512KB, 10MB or 1GB';
export const SIGNAL_EXPECTED = 'a signal like SIGTERM, TERM or 15';

const MS_PER_UNIT: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };
const NUMBER = '(\\d+(?:\\.\\d+)?)';
// Units in descending order, each at most once: 1h30m, 1m30s, 2s500ms.
const DURATION_RE = new RegExp(
  `^(?:${NUMBER}d)?(?:${NUMBER}h)?(?:${NUMBER}m(?!s))?(?:${NUMBER}s)?(?:${NUMBER}ms)?$`,
);
const DURATION_UNITS = ['d', 'h', 'm', 's', 'ms'];

const BYTES_PER_UNIT: Record<string, number> = {
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};
const SIZE_RE = /^(\d+(?:\.\d+)?)([a-z]+)$/i;

/** Milliseconds a duration stands for (`250ms`, `5s`, `1m30s`, bare `0`), or null when it is not one. */
export function toDurationMs(value: unknown): number | null {
  if (value === 0 || value === '0') return 0;
  if (typeof value !== 'string') return null;
  const m = DURATION_RE.exec(value);
  if (m === null || value === '') return null;
  let ms = 0;
  DURATION_UNITS.forEach((unit, i) => {
    if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * MS_PER_UNIT[unit];
  });
  const rounded = Math.round(ms);
  return rounded <= MAX_DURATION_MS ? rounded : null;
}

/** Bytes a size stands for (`512KB`, `10MB`, `1GiB`; 1024-based), or null when it is not a positive size. */
export function toSizeBytes(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = SIZE_RE.exec(value);
  if (m === null) return null;
  const unit = BYTES_PER_UNIT[m[2].toLowerCase()];
  if (unit === undefined) return null;
  const bytes = Math.floor(Number(m[1]) * unit);
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : null;
}

const SIGNAL_BY_NUMBER = new Map<number, NodeJS.Signals>();
for (const [name, num] of Object.entries(constants.signals)) {
  if (!SIGNAL_BY_NUMBER.has(num)) SIGNAL_BY_NUMBER.set(num, name as NodeJS.Signals);
}

/** Every signal name this platform knows, e.g. SIGTERM. */
export function signalNames(): string[] {
  return Object.keys(constants.signals);
}

/** The canonical name of a signal written as SIGTERM, sigterm, TERM or 15; null when unknown. */
export function toSignal(value: unknown): NodeJS.Signals | null {
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value))) {
    return SIGNAL_BY_NUMBER.get(Number(value)) ?? null;
  }
  if (typeof value !== 'string') return null;
  const upper = value.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return Object.hasOwn(constants.signals, name) ? (name as NodeJS.Signals) : null;
}

/** Milliseconds of a duration; throws BAD_DURATION naming what was expected. */
export function parseDuration(value: string | number): number {
  const ms = toDurationMs(value);
  if (ms === null) {
    throw new CorralError('BAD_DURATION', `expected ${DURATION_EXPECTED}, got ${JSON.stringify(value)}`);
  }
  return ms;
}

/** Canonical signal name; throws BAD_SIGNAL naming what was expected. */
export function parseSignal(value: string | number): NodeJS.Signals {
  const signal = toSignal(value);
  if (signal === null) {
    throw new CorralError('BAD_SIGNAL', `expected ${SIGNAL_EXPECTED}, got ${JSON.stringify(value)}`);
  }
  return signal;
}
