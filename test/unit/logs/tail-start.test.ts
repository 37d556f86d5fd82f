// Where the last N lines of a log begin, across the live file and its rotated ones: a final '\n'
// ends the last line (it starts none), a partial last line counts, an empty line is a line.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { logFileStates } from '../../../src/logs/position.js';
import { tailStart } from '../../../src/logs/reader.js';
import { tempHome } from '../../helpers/home.js';

/** The text from where the last `n` lines begin, for the files' texts (oldest first). */
async function tailText(dir: string, texts: string[], n: number): Promise<string> {
  const logPath = join(dir, 'x.log');
  for (const [i, text] of texts.entries()) {
    writeFileSync(i === texts.length - 1 ? logPath : `${logPath}.${texts.length - 1 - i}`, text);
  }
  const files = logFileStates(logPath, texts.length - 1);
  const start = await tailStart(logPath, texts.length - 1, files, n);
  return texts.slice(start.index).join('').slice(start.offset);
}

test('the last N lines begin where they should, in one file and across rotated ones', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const cases: Array<[string[], number, string]> = [
    [['\n'], 1, '\n'],
    [['a\n'], 1, 'a\n'],
    [['a\nb\n'], 1, 'b\n'],
    [['a\nb'], 1, 'b'],
    [['a\nb\nc\n'], 2, 'b\nc\n'],
    [['\n\n'], 1, '\n'],
    [['x'], 3, 'x'],
    [['a\nb\n', 'c\n'], 2, 'b\nc\n'],
    [['a\nb\n', ''], 1, 'b\n'],
    [['a\n', 'b\n', 'c\n'], 5, 'a\nb\nc\n'],
  ];
  for (const [i, [texts, n, want]] of cases.entries()) {
    const dir = join(home.dir, String(i));
    mkdirSync(dir);
    assert.equal(await tailText(dir, texts, n), want, `${JSON.stringify(texts)}, last ${n}`);
  }
});
