// Reads a `since` value: a duration back from now (5m), or a point in time (ISO 8601).
import { parseDuration } from '../config/units.js';
import { CorralError } from '../errors.js';

/** Epoch ms that `since` names; throws a BAD_DURATION error that says what was expected. */
export function parseSince(text: string, now: number): number {
  if (/^\d+(\.\d+)?(ms|s|m|h|d)/.test(text)) {
    try {
      return now - parseDuration(text);
    } catch {
      // fall through to the shared message
    }
  }
  const t = Date.parse(text);
  if (!Number.isNaN(t)) return t;
  throw new CorralError(
    'BAD_DURATION',
    `since: expected a duration like 30s, 5m or 2h, or a time like 2026-11-23T10:00:00Z, got "${text}"`,
  );
}
