// Timestamp prefixes: one per line, at the line's first byte, raw bytes for listeners;
// parseTimestamp and linesSince to read them back.
import assert from 'node:assert/strict';
import {
  appendFileSync,
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { stampLines } from '../../../src/logs/format.js';
import { LogHub, linesSince, logFiles, parseTimestamp, readTail } from '../../../src/logs/index.js';
import { STAGE_DATA_START, stagePath } from '../../../src/logs/stage.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { tempHome } from '../../helpers/home.js';
import {
  assertSameText,
  captureLogger,
  channelOptions,
  expectedText,
  fifoWriter,
  printLines,
} from './support.js';

const STAMPED = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z) (.*)$/;

test("line timestamps come from the hub's clock", async (t) => {
  const home = tempHome();
  const clock = new FakeClock(0);
  clock.advance(Date.parse('2030-01-02T03:04:05.678Z'));
  const hub = new LogHub({ logger: captureLogger(), clock });
  t.after(async () => {
    await hub.closeAll();
    home.cleanup();
  });
  const o = channelOptions(home, { timestamps: true });
  const channel = hub.open(o);
  const run = printLines(home, channel.childFd(), 3);
  assert.equal((await run.exited).code, 0);
  channel.flush();
  assert.equal(
    readFileSync(o.logPath, 'utf8'),
    ['1', '2', '3'].map((n) => `2030-01-02T03:04:05.678Z ${n}\n`).join(''),
  );
});

test('every line gets its arrival time; listeners see the raw bytes', async (t) => {
  const home = tempHome();
  const hub = new LogHub({ logger: captureLogger() });
  t.after(async () => {
    await hub.closeAll();
    home.cleanup();
  });
  const o = channelOptions(home, { timestamps: true });
  const channel = hub.open(o);
  const seen: Buffer[] = [];
  channel.on('data', (chunk: Buffer) => seen.push(chunk));
  const before = Date.now();
  const run = printLines(home, channel.childFd(), 20_000);
  assert.equal((await run.exited).code, 0);
  channel.flush();
  const after = Date.now();
  const lines = readFileSync(o.logPath, 'utf8').split('\n').slice(0, -1);
  assert.equal(lines.length, 20_000);
  let last = 0;
  const raw: string[] = [];
  for (const line of lines) {
    const m = STAMPED.exec(line);
    assert.ok(m, `stamped: ${line}`);
    const time = parseTimestamp(line);
    assert.equal(time, Date.parse(m[1]));
    assert.ok(time !== null && time >= before - 1 && time <= after + 1 && time >= last);
    last = time;
    raw.push(m[2]);
  }
  assertSameText(`${raw.join('\n')}\n`, expectedText(1, 20_000), 'unstamped lines');
  assert.equal(Buffer.concat(seen).toString('utf8'), expectedText(1, 20_000));
});

test('a line that arrives in pieces gets one prefix, when its first byte arrives', async (t) => {
  const home = tempHome();
  const hub = new LogHub({ logger: captureLogger() });
  t.after(async () => {
    await hub.closeAll();
    home.cleanup();
  });
  const o = channelOptions(home, { timestamps: true });
  const channel = hub.open(o);
  const writer = fifoWriter(o.fifoPath);
  t.after(() => writer.close());
  for (const piece of ['hel', 'lo\nwor', 'ld', '\n', '\n', 'end']) {
    writer.write(piece);
    channel.flush();
  }
  const text = readFileSync(o.logPath, 'utf8');
  const lines = text.split('\n');
  assert.equal(lines.length, 4);
  assert.deepEqual(
    lines.map((l) => l.replace(/^\S+Z /, '')),
    ['hello', 'world', '', 'end'],
  );
  assert.ok(lines.every((l) => parseTimestamp(l) !== null));
  assert.equal((text.match(/Z /g) ?? []).length, 4);
});

test('a stamped write the killed daemon did not commit is cut off and written again, once', async (t) => {
  const home = tempHome();
  const clock = new FakeClock(0);
  clock.advance(Date.parse('2030-01-02T03:04:05.678Z'));
  const first = new LogHub({ logger: captureLogger(), clock });
  t.after(() => home.cleanup());
  const o = channelOptions(home, { timestamps: true });
  const channel = first.open(o);
  const writer = fifoWriter(o.fifoPath);
  t.after(() => writer.close());
  writer.write('one\ntwo\nthr');
  channel.flush();
  await first.closeAll();
  const T1 = '2030-01-02T03:04:05.678Z';
  assert.equal(readFileSync(o.logPath, 'utf8'), `${T1} one\n${T1} two\n${T1} thr`);
  // What a daemon killed between its write and its commit leaves: bytes staged from the FIFO
  // (the rest of a line, and one more), a torn stamped copy of them in the log, and a header
  // that still says neither is done.
  const stage = openSync(stagePath(o.fifoPath), 'r+');
  writeSync(stage, Buffer.from('ee\nfour\n'), 0, 8, STAGE_DATA_START);
  closeSync(stage);
  appendFileSync(o.logPath, `ee\n${T1} fo`);
  writer.write('five\n'); // still in the FIFO
  clock.advance(1000);
  const second = new LogHub({ logger: captureLogger(), clock });
  t.after(() => second.closeAll());
  second.open(o).flush();
  const T2 = '2030-01-02T03:04:06.678Z';
  assert.equal(
    readFileSync(o.logPath, 'utf8'),
    `${T1} one\n${T1} two\n${T1} three\n${T2} four\n${T2} five\n`,
    'the line begun before the kill keeps its one prefix; the others are written once',
  );
});

test('rotation counts the prefixes: stamped files stay within max_size', async (t) => {
  const home = tempHome();
  const hub = new LogHub({ logger: captureLogger() });
  t.after(async () => {
    await hub.closeAll();
    home.cleanup();
  });
  const o = channelOptions(home, { timestamps: true, maxSizeBytes: 16 * 1024, keep: 50 });
  const channel = hub.open(o);
  const run = printLines(home, channel.childFd(), 10_000, ['--batch=2048']);
  await run.exited;
  channel.flush();
  const files = logFiles(o.logPath, o.keep);
  assert.ok(files.length > 3);
  const unstamped: string[] = [];
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    assert.ok(Buffer.byteLength(text) <= 16 * 1024, `${f}: ${Buffer.byteLength(text)} bytes`);
    assert.ok(text.endsWith('\n'));
    for (const line of text.split('\n').slice(0, -1)) unstamped.push(line.slice(25));
  }
  assertSameText(`${unstamped.join('\n')}\n`, expectedText(1, 10_000), 'all files');
});

test('linesSince picks lines by their stamp across files; without stamps it returns every line', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const logPath = `${home.dir}/logs/p/api.log`;
  mkdirSync(dirname(logPath), { recursive: true });
  const at = (s: number): string => new Date(Date.UTC(2026, 10, 23, 20, 0, s)).toISOString();
  writeFileSync(`${logPath}.2`, `${at(1)} one\n${at(2)} two\n`);
  writeFileSync(`${logPath}.1`, `${at(3)} three\n${at(4)} four\ncontinued\n`);
  writeFileSync(logPath, `${at(5)} five\n${at(6)} six`);
  const since = (s: number) => linesSince(logPath, 3, Date.parse(at(s)));
  assert.deepEqual(
    (await since(4)).map((l) => l.slice(25) || l),
    ['four', 'continued', 'five', 'six'],
  );
  assert.deepEqual((await since(2)).length, 6);
  assert.deepEqual(await since(7), []);
  assert.equal((await since(0)).length, 7);
  assert.deepEqual(
    (await linesSince(logPath, 3, Date.parse(at(0)), { limit: 2 })).map((l) => l.slice(25)),
    ['five', 'six'],
  );
  assert.deepEqual(await readTail(logPath, 3, 3), ['continued', `${at(5)} five`, `${at(6)} six`]);

  const plain = `${home.dir}/logs/p/plain.log`;
  writeFileSync(plain, 'a\nb\nc\n');
  assert.deepEqual(await linesSince(plain, 3, Date.now()), ['a', 'b', 'c']);
});

test('stampLines puts one prefix at every line start, and none after a trailing newline', () => {
  const prefix = Buffer.from('P ');
  // the plain way: byte by byte
  const reference = (raw: string, atLineStart: boolean): string => {
    let out = '';
    let start = atLineStart;
    for (const ch of raw) {
      if (start) out += 'P ';
      out += ch;
      start = ch === '\n';
    }
    return out;
  };
  const samples = ['', '\n', 'a', 'a\n', '\n\n', 'ab\ncd', 'ab\ncd\n', '\nab\n\ncd', 'x'.repeat(5000)];
  let seed = 7;
  const next = (): number => {
    seed = (seed * 48271) % 2147483647;
    return seed;
  };
  for (let k = 0; k < 200; k++) {
    let text = '';
    const length = next() % 300;
    for (let i = 0; i < length; i++) text += next() % 5 === 0 ? '\n' : 'x';
    samples.push(text);
  }
  for (const text of samples) {
    for (const atLineStart of [true, false]) {
      const got = stampLines(Buffer.from(text), atLineStart, prefix).toString();
      assert.equal(got, reference(text, atLineStart), JSON.stringify({ text, atLineStart }));
    }
  }
});

test('parseTimestamp', () => {
  assert.equal(parseTimestamp('2026-11-23T20:40:30.123Z hello'), Date.UTC(2026, 10, 23, 20, 40, 30, 123));
  assert.equal(parseTimestamp('2026-11-23T20:40:30.123Z '), Date.UTC(2026, 10, 23, 20, 40, 30, 123));
  assert.equal(parseTimestamp('2026-11-23T20:40:30.123Z'), null);
  assert.equal(parseTimestamp('hello world, this is not a timestamp'), null);
  assert.equal(parseTimestamp('2026-13-45T20:40:30.123Z nope'), null);
  assert.equal(parseTimestamp(''), null);
});
