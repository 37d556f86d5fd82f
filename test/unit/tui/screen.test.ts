// The screen buffer writes only the rows that changed, and everything after a resize.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Screen } from '../../../src/tui/screen.js';

test('the first flush clears and draws every row; the next ones only what changed', () => {
  const s = new Screen(4, 3);
  s.set(0, 'aaaa');
  s.set(1, 'bbbb');
  s.set(2, 'cccc');
  const first = s.flush();
  assert.ok(first.startsWith('\x1b[0m\x1b[2J'));
  for (const row of ['\x1b[1;1Haaaa', '\x1b[2;1Hbbbb', '\x1b[3;1Hcccc']) assert.ok(first.includes(row));
  assert.equal(s.flush(), '');
  s.set(1, 'BBBB');
  s.set(2, 'cccc');
  assert.equal(s.flush(), '\x1b[2;1HBBBB\x1b[0m');
});

test('a resize or an invalidate draws everything again', () => {
  const s = new Screen(2, 1);
  s.set(0, 'ab');
  s.flush();
  s.invalidate();
  s.set(0, 'ab');
  assert.match(s.flush(), /\x1b\[2J.*ab/);
  s.resize(3, 2);
  assert.equal(s.rows, 2);
  s.set(0, 'abc');
  s.set(1, 'def');
  assert.match(s.flush(), /\x1b\[2J.*abc.*def/);
  s.set(5, 'out of range');
  assert.equal(s.flush(), '');
});
