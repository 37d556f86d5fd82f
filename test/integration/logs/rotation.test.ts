// Size-based rotation that never splits a line, keeps exactly `keep` old files, and carries
// its state over a new hub; readTail across the rotated files.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { LogHub, logFiles, readTail } from '../../../src/logs/index.js';
import { tempHome } from '../../helpers/home.js';
import {
  assertSameText,
  captureLogger,
  channelOptions,
  expectedText,
  fifoWriter,
  printLines,
  variedLine,
} from './support.js';

const MAX = 64 * 1024;

test('rotation at 64 KB, keep 3: line-safe, bounded, exactly keep+1 files, a contiguous tail', async (t) => {
  const home = tempHome();
  const hub = new LogHub({ logger: captureLogger() });
  t.after(async () => {
    await hub.closeAll();
    home.cleanup();
  });
  const o = channelOptions(home, { maxSizeBytes: MAX, keep: 3 });
  const channel = hub.open(o);
  let rotations = 0;
  channel.on('rotate', () => rotations++);
  // Whole-line writes of at most 4 KB (atomic in a pipe), lines of 2 to ~300 bytes.
  const run = printLines(home, channel.childFd(), 200_000, ['--vary', '--batch=4096']);
  assert.equal((await run.exited).code, 0);
  channel.flush();

  const files = logFiles(o.logPath, o.keep);
  assert.deepEqual(files, [`${o.logPath}.3`, `${o.logPath}.2`, `${o.logPath}.1`, o.logPath]);
  assert.ok(!existsSync(`${o.logPath}.4`));
  assert.ok(rotations > 3);
  const texts = files.map((f) => readFileSync(f, 'utf8'));
  for (const [i, text] of texts.entries()) {
    assert.ok(Buffer.byteLength(text) <= MAX, `${files[i]} has ${Buffer.byteLength(text)} bytes`);
    assert.ok(text.endsWith('\n'), `${files[i]} ends with a whole line`);
  }
  // Full files: the next line would not have fitted.
  for (const text of texts.slice(0, -1)) {
    const nextFirst = Number(texts[texts.indexOf(text) + 1].split(' ', 1)[0]);
    assert.ok(Buffer.byteLength(text) + variedLine(nextFirst).length + 1 > MAX, 'rotated only when full');
  }
  const union = texts.join('');
  const first = Number(union.slice(0, union.indexOf(' ')));
  assert.ok(first > 1);
  assertSameText(union, expectedText(first, 200_000, variedLine), 'kept files');

  // readTail across the rotated files
  const tail = await readTail(o.logPath, o.keep, 1_000); // spans more than one file
  assert.ok(Buffer.byteLength(expectedText(199_001, 200_000, variedLine)) > MAX);
  assert.deepEqual(tail, expectedText(199_001, 200_000, variedLine).split('\n').slice(0, -1));
  assert.deepEqual(await readTail(o.logPath, o.keep, 1), [variedLine(200_000)]);
  const all = await readTail(o.logPath, o.keep, 1_000_000);
  assert.equal(all.length, 200_000 - first + 1);
  assert.equal(all[0], variedLine(first));

  // A smaller keep removes the surplus files at once.
  channel.reconfigure({ keep: 1 });
  assert.deepEqual(logFiles(o.logPath, 3), [`${o.logPath}.1`, o.logPath]);
});

test('a line longer than max_size goes whole into one file', async (t) => {
  const home = tempHome();
  const hub = new LogHub({ logger: captureLogger() });
  t.after(async () => {
    await hub.closeAll();
    home.cleanup();
  });
  const o = channelOptions(home, { maxSizeBytes: 1_000, keep: 5 });
  const channel = hub.open(o);
  const writer = fifoWriter(o.fifoPath);
  t.after(() => writer.close());
  const long = 'L'.repeat(5_000);
  writer.write(`${expectedText(1, 100)}${long}\nafter\n`);
  channel.flush();
  const texts = logFiles(o.logPath, o.keep).map((f) => readFileSync(f, 'utf8'));
  assert.ok(texts.includes(`${long}\n`), 'the long line is alone in one file');
  for (const text of texts) {
    assert.ok(text.endsWith('\n'));
    if (text !== `${long}\n`) assert.ok(text.length <= 1_000);
  }
  assert.equal(texts.join(''), `${expectedText(1, 100)}${long}\nafter\n`);
});

test('a line arriving in pieces is finished in its file before rotating', async (t) => {
  const home = tempHome();
  const hub = new LogHub({ logger: captureLogger() });
  t.after(async () => {
    await hub.closeAll();
    home.cleanup();
  });
  const o = channelOptions(home, { maxSizeBytes: 1_000, keep: 2 });
  const channel = hub.open(o);
  const writer = fifoWriter(o.fifoPath);
  t.after(() => writer.close());
  writer.write(`${'a'.repeat(900)}`); // fits: written although the line is not finished
  channel.flush();
  assert.equal(statSync(o.logPath).size, 900);
  writer.write(`${'b'.repeat(300)}\nnext\n`);
  channel.flush();
  assert.equal(readFileSync(`${o.logPath}.1`, 'utf8'), `${'a'.repeat(900)}${'b'.repeat(300)}\n`);
  assert.equal(readFileSync(o.logPath, 'utf8'), 'next\n');
});

test('rotation state (size, mid-line) is read back from the file by a new hub', async (t) => {
  const home = tempHome();
  const o = channelOptions(home, { maxSizeBytes: 1_000, keep: 3 });
  const first = new LogHub({ logger: captureLogger() });
  const second = new LogHub({ logger: captureLogger() });
  t.after(async () => {
    await first.closeAll();
    await second.closeAll();
    home.cleanup();
  });
  // A file left by an earlier daemon: 990 bytes ending in the middle of a line.
  const channel = first.open(o);
  const writer = fifoWriter(o.fifoPath);
  t.after(() => writer.close());
  writer.write(`${'x'.repeat(899)}\n${'y'.repeat(90)}`);
  channel.flush();
  first.close(o.id);
  const resumed = second.open(o);
  writer.write(`${'z'.repeat(50)}\nshort\n`);
  resumed.flush();
  // Mid-line: the line is finished in the old file (overshooting), then the file rotates.
  assert.equal(
    readFileSync(`${o.logPath}.1`, 'utf8'),
    `${'x'.repeat(899)}\n${'y'.repeat(90)}${'z'.repeat(50)}\n`,
  );
  assert.equal(readFileSync(o.logPath, 'utf8'), 'short\n');
  // At a line end with a full file: rotate first.
  writeFileSync(o.logPath, `${'w'.repeat(995)}\n`);
  second.close(o.id);
  const again = second.open(o);
  writer.write('fresh\n');
  again.flush();
  assert.equal(readFileSync(`${o.logPath}.1`, 'utf8'), `${'w'.repeat(995)}\n`);
  assert.equal(readFileSync(o.logPath, 'utf8'), 'fresh\n');
});

test('keep 0 keeps only the live file', async (t) => {
  const home = tempHome();
  const hub = new LogHub({ logger: captureLogger() });
  t.after(async () => {
    await hub.closeAll();
    home.cleanup();
  });
  const o = channelOptions(home, { maxSizeBytes: 4_096, keep: 0 });
  const channel = hub.open(o);
  const run = printLines(home, channel.childFd(), 5_000, ['--batch=1024']);
  await run.exited;
  channel.flush();
  assert.deepEqual(logFiles(o.logPath, 5), [o.logPath]);
  const text = readFileSync(o.logPath, 'utf8');
  assert.ok(text.length <= 4_096 && text.endsWith('\n5000\n'));
  const first = Number(text.slice(0, text.indexOf('\n')));
  assertSameText(text, expectedText(first, 5_000), 'live file');
});
