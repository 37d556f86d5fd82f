// Bytes from the terminal as key names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseKeys } from '../../../src/tui/keys.js';

test('printable keys are themselves, the others have names', () => {
  assert.deepEqual(parseKeys('q'), ['q']);
  assert.deepEqual(parseKeys('\x1b[A\x1b[B\x1bOA'), ['up', 'down', 'up']);
  assert.deepEqual(parseKeys('\x1b[5~\x1b[6~\x1b[H\x1b[4~'), ['pageup', 'pagedown', 'home', 'end']);
  assert.deepEqual(parseKeys('\r\t\x7f\x03\x0c\x1a'), [
    'enter',
    'tab',
    'backspace',
    'ctrl-c',
    'ctrl-l',
    'ctrl-z',
  ]);
  assert.deepEqual(parseKeys('\x1b'), ['escape']);
  assert.deepEqual(parseKeys('ab日🚀'), ['a', 'b', '日', '🚀']);
  assert.deepEqual(parseKeys('\x1b[1;5A'), []);
  assert.deepEqual(parseKeys('\x1b[Z'), ['shift-tab']);
});
