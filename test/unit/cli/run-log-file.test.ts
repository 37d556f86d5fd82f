// `corral run`'s log files: stamped lines when logs.timestamps is on (a line split across two
// chunks has one stamp), rotation that never splits a line, and a file that cannot be written
// said once.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RunLogFile } from '../../../src/cli/run/log-file.js';

function dir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'corral-run-log-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;

test('with timestamps, every line has one stamp, also a line that comes in two chunks', (t) => {
  const path = join(dir(t), 'p', 'web.log');
  const file = new RunLogFile(path, { timestamps: true, maxSizeBytes: 0, keep: 5 }, assert.fail);
  file.write(Buffer.from('one\ntw'));
  file.write(Buffer.from('o\nthree\n'));
  file.close();
  const lines = readFileSync(path, 'utf8').split('\n').slice(0, -1);
  assert.deepEqual(
    lines.map((l) => l.replace(STAMP, '')),
    ['one', 'two', 'three'],
  );
  assert.ok(lines.every((l) => STAMP.test(l)));
});

test('rotation at max_size keeps lines whole and `keep` files', (t) => {
  const d = dir(t);
  const path = join(d, 'web.log');
  const file = new RunLogFile(path, { timestamps: true, maxSizeBytes: 200, keep: 2 }, assert.fail);
  for (let i = 0; i < 40; i++) file.write(Buffer.from(`line ${i}\n`));
  file.close();
  assert.deepEqual(readdirSync(d).sort(), ['web.log', 'web.log.1', 'web.log.2']);
  for (const name of readdirSync(d)) {
    const text = readFileSync(join(d, name), 'utf8');
    assert.ok(Buffer.byteLength(text) <= 200, name);
    for (const l of text.split('\n').slice(0, -1)) assert.match(l, /^\S+Z line \d+$/, name);
  }
  assert.match(readFileSync(path, 'utf8'), /line 39\n$/);
});

test('a log file that cannot be written is said once, and the output goes on', (t) => {
  const d = dir(t);
  writeFileSync(join(d, 'p'), 'a file where the project directory should be');
  const said: string[] = [];
  const file = new RunLogFile(join(d, 'p', 'web.log'), { timestamps: false, maxSizeBytes: 0, keep: 5 }, (m) =>
    said.push(m),
  );
  file.write(Buffer.from('a\n'));
  file.write(Buffer.from('b\n'));
  assert.equal(said.length, 1);
  assert.match(said[0], /^cannot write .*web\.log: (ENOTDIR|EEXIST)$/);
});
