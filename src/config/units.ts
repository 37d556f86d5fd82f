// Durations and sizes as written in a config file or on the command line.
import { CorralError } from '../errors.js';

/** The longest duration a Node timer can wait: 2^31 - 1 ms, about 24.8 days. */
export const MAX_DURATION_MS = 2_147_483_647;

export const DURATION_EXPECTED = 'a duration like 250ms, 5s, 1m or 1h';
export const SIZE_EXPECTED = 'a size like 512KB, 10MB or 1GB';

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

/** Milliseconds of a duration; throws BAD_DURATION naming what was expected. */
export function parseDuration(value: string | number): number {
  const ms = toDurationMs(value);
  if (ms === null) {
    throw new CorralError('BAD_DURATION', `expected ${DURATION_EXPECTED}, got ${JSON.stringify(value)}`);
  }
  return ms;
}
