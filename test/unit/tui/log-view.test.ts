// A process's kept log: numbered lines, partial lines, search; the view that holds while lines come.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogHistory } from '../../../src/tui/log-history.js';
import {
  bottomOf,
  hold,
  linesInView,
  paneLines,
  positionWords,
  scroll,
  wrappedLines,
} from '../../../src/tui/log-pane.js';
import { Style } from '../../../src/tui/style.js';
import type { LogPosition } from '../../../src/tui/ui-state.js';

const plain = new Style(false);

function history(n: number, kept = 1000): LogHistory {
  const h = new LogHistory(kept);
  for (let i = 0; i < n; i++) h.addLine(`line ${i}`);
  return h;
}

test('live text keeps whole lines, the rest waits for its end; timestamps and escapes are dropped', () => {
  const h = new LogHistory(10);
  h.addText('one\ntw');
  assert.equal(h.end, 1);
  h.addText('o\n2026-11-30T12:00:00.000Z \x1b[32mthree\x1b[0m\n');
  assert.deepEqual(h.all(), ['one', 'two', 'three']);
});

test('past the limit the oldest lines go, and line numbers stay', () => {
  const h = history(30, 10);
  assert.ok(h.all().length >= 10 && h.all().length <= 13);
  assert.equal(h.at(h.end - 1), 'line 29');
  assert.equal(h.at(h.first), `line ${h.first}`);
});

test('search goes back and forth from a line, any case', () => {
  const h = new LogHistory(100);
  for (const l of ['GET /a', 'error: x', 'GET /b', 'ERROR: y', 'ok']) h.addLine(l);
  assert.equal(h.searchBack('error', h.end), 3);
  assert.equal(h.searchBack('error', 3), 1);
  assert.equal(h.searchBack('error', 1), null);
  assert.equal(h.searchForward('error', 1), 3);
  assert.deepEqual(h.countMatches('error', 2), { total: 2, before: 1 });
});

test('a held view stays on its lines while new ones come; back at the end it follows', () => {
  const h = history(100);
  const pos: LogPosition = { follow: true, bottom: 0, match: null };
  assert.deepEqual(paneLines(h, pos, 3, 10, '', plain), ['line 97   ', 'line 98   ', 'line 99   ']);
  scroll(h, pos, 3, -10);
  assert.equal(pos.follow, false);
  assert.equal(bottomOf(h, pos, 3), 89);
  for (let i = 100; i < 110; i++) h.addLine(`line ${i}`);
  assert.deepEqual(paneLines(h, pos, 3, 10, '', plain), ['line 87   ', 'line 88   ', 'line 89   ']);
  assert.equal(positionWords(h, pos, 3), 'held, 20 newer lines (f follows)');
  scroll(h, pos, 3, 100);
  assert.equal(pos.follow, true);
  hold(h, pos, 3);
  assert.equal(pos.bottom, 109);
  scroll(h, pos, 3, -1000);
  assert.equal(bottomOf(h, pos, 3), 2);
});

test('the full-screen view wraps long lines; matches are in reverse video', () => {
  const h = new LogHistory(10);
  h.addLine('short');
  h.addLine('a long line that wraps');
  const pos: LogPosition = { follow: true, bottom: 0, match: null };
  assert.deepEqual(wrappedLines(h, pos, 4, 10, '', plain), [
    'short     ',
    'a long lin',
    'e that wra',
    'ps        ',
  ]);
  assert.deepEqual(wrappedLines(h, pos, 2, 10, '', plain), ['e that wra', 'ps        ']);
  assert.deepEqual(paneLines(h, pos, 1, 12, 'LONG', plain), ['a \x1b[7mlong\x1b[0m line…']);
  assert.deepEqual(paneLines(undefined, pos, 2, 3, '', plain), ['   ', '   ']);
});

test('the lines in view are the whole lines the pane or the wrapped view shows', () => {
  const h = new LogHistory(10);
  for (const l of ['one', 'two', 'a line long enough to wrap twice', 'end']) h.addLine(l);
  const pos: LogPosition = { follow: true, bottom: 0, match: null };
  assert.deepEqual(linesInView(h, pos, 2, null), ['a line long enough to wrap twice', 'end']);
  // wrapped at 12 cells the long line takes 3 rows: 4 rows show it and the last
  assert.deepEqual(linesInView(h, pos, 4, 12), ['a line long enough to wrap twice', 'end']);
  assert.deepEqual(linesInView(h, pos, 5, 12), ['two', 'a line long enough to wrap twice', 'end']);
  assert.deepEqual(linesInView(undefined, pos, 5, 12), []);
});
