// The one signal table: names with or without SIG in any case, numbers, and clear errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CorralError } from '../../../src/errors.js';
import { parseSignal, signalName, toSignal } from '../../../src/signals.js';

test('names and numbers are read the same way everywhere', () => {
  const table: [unknown, string | null][] = [
    ['SIGTERM', 'SIGTERM'],
    ['term', 'SIGTERM'],
    ['SigHup', 'SIGHUP'],
    ['15', 'SIGTERM'],
    [9, 'SIGKILL'],
    [6, 'SIGABRT'],
    ['SIG', null],
    ['', null],
    ['SIGTREM', null],
    [1.5, null],
    [999, null],
    [undefined, null],
  ];
  for (const [input, expected] of table) assert.equal(toSignal(input), expected, `signal ${String(input)}`);
  assert.equal(signalName(15), 'SIGTERM');
  assert.equal(signalName(29), 'SIGIO');
  assert.equal(signalName(0), null);
});

test('parseSignal names the field and what was expected', () => {
  assert.equal(parseSignal('usr1'), 'SIGUSR1');
  assert.throws(
    () => parseSignal('NOPE', 'body.signal'),
    (e: unknown) =>
      e instanceof CorralError &&
      e.code === 'BAD_SIGNAL' &&
      e.message === 'body.signal: expected a signal like SIGTERM, TERM or 15, got "NOPE"',
  );
  assert.throws(() => parseSignal('42x'), /expected a signal like SIGTERM, TERM or 15, got "42x"/);
});
