// `--since` (and the API's `since`): a duration with a unit or an ISO 8601 time, nothing else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSince } from '../../src/api/since.js';
import { CorralError } from '../../src/errors.js';

const NOW = Date.parse('2026-11-23T12:00:00Z');

test('durations with units count back from now', () => {
  assert.equal(parseSince('5m', NOW), NOW - 300_000);
  assert.equal(parseSince('1h30m', NOW), NOW - 5_400_000);
  assert.equal(parseSince('250ms', NOW), NOW - 250);
  assert.equal(parseSince('2d', NOW), NOW - 172_800_000);
});

test('ISO 8601 times, with or without a time and an offset', () => {
  assert.equal(parseSince('2026-11-23T10:00:00Z', NOW), Date.parse('2026-11-23T10:00:00Z'));
  assert.equal(parseSince('2026-11-23T10:00:00.250+01:00', NOW), Date.parse('2026-11-23T09:00:00.250Z'));
  assert.equal(parseSince('2026-11-23', NOW), Date.parse('2026-11-23'));
});

test('a bare number, or anything else, is BAD_DURATION saying what was expected', () => {
  for (const text of ['5', '45', '0', '2026', 'yesterday', '5 minutes', 'Mon, 23 Nov 2026', '']) {
    assert.throws(
      () => parseSince(text, NOW),
      (e: unknown) =>
        e instanceof CorralError &&
        e.code === 'BAD_DURATION' &&
        e.message.startsWith(
          `since: expected a duration like 30s, 5m or 2h, or a time like 2026-11-23T10:00:00Z, got "${text}"`,
        ),
      text,
    );
  }
  assert.throws(() => parseSince('45', NOW), { message: /\(a number needs a unit: 45s, 45m\)$/ });
});
