import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDotenv } from '../../../src/config/dotenv.js';

test('dotenv: assignments, export, quotes, comments', () => {
  const text = [
    '\uFEFF# a comment',
    '',
    'PLAIN=value',
    'SPACED = spaced value  ',
    'export EXPORTED=yes',
    'EMPTY=',
    'COMMENTED=kept # dropped',
    'HASH=a#b',
    "SINGLE='no $ \\n escapes' # comment",
    'DOUBLE="line1\\nline2\\t\\"q\\" \\\\ \\$x"',
    'MULTI="first',
    'second"',
    'dotted.name-x=1',
    'PLAIN=later wins',
    '  INDENTED=ok',
  ].join('\r\n');
  const { vars, problems } = parseDotenv(text);
  assert.deepEqual(problems, []);
  assert.deepEqual(vars, {
    PLAIN: 'later wins',
    SPACED: 'spaced value',
    EXPORTED: 'yes',
    EMPTY: '',
    COMMENTED: 'kept',
    HASH: 'a#b',
    SINGLE: 'no $ \\n escapes',
    DOUBLE: 'line1\nline2\t"q" \\ $x',
    MULTI: 'first\nsecond',
    'dotted.name-x': '1',
    INDENTED: 'ok',
  });
});

test('dotenv: malformed lines are problems with their line and column', () => {
  const text = ['OK=1', 'no equals sign', '  1BAD=x', 'Q="open', ''].join('\n');
  const { vars, problems } = parseDotenv(text);
  assert.deepEqual(vars, { OK: '1' });
  assert.deepEqual(problems, [
    { line: 2, col: 1, message: 'expected KEY=VALUE, got "no equals sign"' },
    { line: 3, col: 3, message: 'expected KEY=VALUE, got "1BAD=x"' },
    { line: 4, col: 3, message: 'expected a closing ", got the end of the file' },
  ]);
  assert.deepEqual(parseDotenv('A="x" trailing').problems, [
    { line: 1, col: 1, message: 'expected a comment or nothing after the closing ", got "trailing"' },
  ]);
});
