// Reads a `since` value: a duration back from now (5m), or a point in time (ISO 8601).
import { toDurationMs } from '../config/units.js';
import { CorralError } from '../errors.js';

/** A date, with an optional time and offset: 2026-11-23, 2026-11-23T10:00:00Z, 2026-11-23 10:00+01:00. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/** Epoch ms that `since` names; throws a BAD_DURATION error that says what was expected. */
export function parseSince(text: string, now: number): number {
  // a bare number is neither: `5` could mean seconds, minutes or the year 2005
  const ms = text === '0' ? null : toDurationMs(text);
  if (ms !== null) return now - ms;
  if (ISO_TIME.test(text)) {
    const t = Date.parse(text);
    if (!Number.isNaN(t)) return t;
  }
  const hint = /^\d+(\.\d+)?$/.test(text) ? ` (a number needs a unit: ${text}s, ${text}m)` : '';
  throw new CorralError(
    'BAD_DURATION',
    `since: expected a duration like 30s, 5m or 2h, or a time like 2026-11-23T10:00:00Z, got "${text}"${hint}`,
  );
}
