// The ids of a logs follow: the position of every process followed, written and read back; what
// is not such an id is refused (null), never read as some other position.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatLogId, type LogPoint, parseLogId } from '../../../src/logs/position.js';

test('a logs id names each process and its position, and reads back the same', () => {
  const points = new Map<string, LogPoint | null>([
    ['shop/web:0', { ino: 2146348, btime: 1796017821696790, offset: 0 }],
    ['shop/web.v2:1', { ino: 1, btime: 0, offset: 123456789 }],
    ['shop/db:0', null],
  ]);
  const id = formatLogId(points);
  assert.doesNotMatch(id, /[\s\r\n]/, 'fits in one SSE field and one header');
  assert.deepEqual(parseLogId(id), points);
});

test('what is not a logs id is refused', () => {
  for (const bad of [
    '',
    '42',
    '@1.2.3',
    'web@1.2',
    'web@1.2.3.4',
    'web@A.b.c',
    'web@1.2.3,',
    'web@zzzzzzzzzzzz.1.1',
  ]) {
    assert.equal(parseLogId(bad), null, bad);
  }
});
