// Display widths, cutting and wrapping to cells, and log lines made safe to draw.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { charWidth, fit, sanitize, textWidth, wrap } from '../../../src/tui/width.js';

test('wide characters take two cells, combining marks none', () => {
  assert.equal(textWidth('web'), 3);
  assert.equal(textWidth('日本'), 4);
  assert.equal(textWidth('🚀 up'), 5);
  assert.equal(textWidth('e\u0301'), 1);
  assert.equal(charWidth(0x200b), 0);
  assert.equal(textWidth('\x07bell'), 4);
});

test('fit cuts with an ellipsis or pads, to exactly the cells asked', () => {
  assert.equal(fit('shop/web', 10), 'shop/web  ');
  assert.equal(fit('shop/worker', 8), 'shop/wo…');
  assert.equal(fit('shop/worker', 8, false), 'shop/wor');
  // a wide character that would straddle the edge leaves a space
  assert.equal(fit('ab日本', 5), 'ab日…');
  assert.equal(fit('ab日本', 5, false), 'ab日 ');
  assert.equal(textWidth(fit('日本語のログ', 7)), 7);
  assert.equal(fit('x', 0), '');
});

test('wrap cuts a long line into pieces of the width', () => {
  assert.deepEqual(wrap('abcdefg', 3), ['abc', 'def', 'g']);
  assert.deepEqual(wrap('', 3), ['']);
  assert.deepEqual(wrap('日本語', 5), ['日本', '語']);
});

test("a service's escape sequences and controls never reach the terminal; tabs become spaces", () => {
  assert.equal(sanitize('\x1b[31mred\x1b[0m text'), 'red text');
  assert.equal(sanitize('title\x1b]0;owned\x07 after'), 'title after');
  assert.equal(sanitize('clear\x1b[2J\x1b[Hscreen'), 'clearscreen');
  assert.equal(sanitize('a\rb\x08c\x00'), 'abc');
  assert.equal(sanitize('a\tb'), 'a       b');
  assert.equal(sanitize('\x9b31mc1'), 'c1');
});
