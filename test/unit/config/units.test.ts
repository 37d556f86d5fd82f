import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHostPort, parseUmask } from '../../../src/config/kinds.js';
import { MAX_DURATION_MS, parseDuration, toDurationMs, toSizeBytes } from '../../../src/config/units.js';
import { CorralError } from '../../../src/errors.js';

test('durations', () => {
  const table: [unknown, number | null][] = [
    ['250ms', 250],
    ['5s', 5_000],
    ['1m', 60_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1m30s', 90_000],
    ['1h30m', 5_400_000],
    ['2s500ms', 2_500],
    ['1.5s', 1_500],
    ['0s', 0],
    ['0', 0],
    [0, 0],
    ['5', null],
    [5, null],
    ['5 seconds', null],
    ['5 s', null],
    ['5S', null],
    ['30s1m', null],
    ['1m1m', null],
    ['-5s', null],
    ['', null],
    ['ms', null],
    [null, null],
    [true, null],
    ['25d', null],
    [`${MAX_DURATION_MS}ms`, MAX_DURATION_MS],
  ];
  for (const [input, expected] of table)
    assert.equal(toDurationMs(input), expected, `duration ${String(input)}`);
});

test('parseDuration throws BAD_DURATION with the expected form', () => {
  assert.equal(parseDuration('2s'), 2_000);
  assert.throws(
    () => parseDuration('5 seconds'),
    (e: unknown) =>
      e instanceof CorralError &&
      e.code === 'BAD_DURATION' &&
      e.message === 'expected a duration like 250ms, 5s, 1m or 1h, got "5 seconds"',
  );
});

test('sizes are 1024-based', () => {
  const table: [unknown, number | null][] = [
    ['512KB', 512 * 1024],
    ['10MB', 10 * 1024 ** 2],
    ['1GB', 1024 ** 3],
    ['100B', 100],
    ['1K', 1024],
    ['1M', 1024 ** 2],
    ['2G', 2 * 1024 ** 3],
    ['1KiB', 1024],
    ['1MiB', 1024 ** 2],
    ['1GiB', 1024 ** 3],
    ['1TB', 1024 ** 4],
    ['10mb', 10 * 1024 ** 2],
    ['1.5KB', 1536],
    ['10', null],
    [10, null],
    ['0MB', null],
    ['5 MB', null],
    ['5XB', null],
    ['MB', null],
    [null, null],
  ];
  for (const [input, expected] of table) assert.equal(toSizeBytes(input), expected, `size ${String(input)}`);
});

test('host:port', () => {
  assert.deepEqual(parseHostPort('127.0.0.1:5432'), { host: '127.0.0.1', port: 5432 });
  assert.deepEqual(parseHostPort('localhost:80'), { host: 'localhost', port: 80 });
  assert.deepEqual(parseHostPort('[::1]:80'), { host: '::1', port: 80 });
  for (const bad of ['localhost', ':80', 'host:0', 'host:65536', '[zz]:80', '::1:80', 'a b:1']) {
    assert.equal(parseHostPort(bad), null, bad);
  }
});

test('umask: octal digit strings, or numbers read by their digits', () => {
  assert.equal(parseUmask('0022'), 0o022);
  assert.equal(parseUmask('022'), 0o022);
  assert.equal(parseUmask('077'), 0o077);
  assert.equal(parseUmask(22), 0o022);
  assert.equal(parseUmask(0), 0);
  assert.equal(parseUmask('0888'), null);
  assert.equal(parseUmask(999), null);
  assert.equal(parseUmask('01777'), null);
  assert.equal(parseUmask(true), null);
});
