// Capturing a process's output through a FIFO log channel: every byte, once, in order.
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { LogHub } from '../../../src/logs/index.js';
import { tempHome } from '../../helpers/home.js';
import { waitFor } from '../../helpers/wait.js';
import {
  assertSameText,
  captureLogger,
  channelOptions,
  expectedText,
  fifoWriter,
  printLines,
  runCommand,
} from './support.js';

test('a child writing 200,000 lines: the log has each of them once, in order', async (t) => {
  const home = tempHome();
  const hub = new LogHub({ logger: captureLogger() });
  t.after(async () => {
    await hub.closeAll();
    home.cleanup();
  });
  const o = channelOptions(home);
  const channel = hub.open(o);
  assert.ok(lstatSync(o.fifoPath).isFIFO());
  const run = printLines(home, channel.childFd(), 200_000);
  assert.equal((await run.exited).code, 0);
  channel.flush();
  assertSameText(readFileSync(o.logPath, 'utf8'), expectedText(1, 200_000), 'log file');
});

test('stdout and stderr share the channel; data events carry exactly the bytes of the file', async (t) => {
  const home = tempHome();
  const hub = new LogHub({ logger: captureLogger() });
  t.after(async () => {
    await hub.closeAll();
    home.cleanup();
  });
  const o = channelOptions(home);
  const channel = hub.open(o);
  const seen: Buffer[] = [];
  channel.on('data', (chunk: Buffer) => seen.push(chunk));
  const run = printLines(home, channel.childFd(), 50_000, ['--stderr=1000']);
  assert.equal((await run.exited).code, 0);
  channel.flush();
  const text = readFileSync(o.logPath, 'utf8');
  assert.equal(Buffer.concat(seen).toString('utf8'), text);
  const lines = text.split('\n').slice(0, -1);
  const out = lines.filter((l) => !l.startsWith('err '));
  assertSameText(`${out.join('\n')}\n`, expectedText(1, 50_000), 'stdout lines');
  const err = lines.filter((l) => l.startsWith('err '));
  assert.equal(err.length, 50);
  // each stderr line comes right after the stdout line of the same number (written in that order)
  for (const e of err) assert.equal(lines[lines.indexOf(e) - 1], e.slice(4));
});

test('the pump works by itself (epoll), and a partial last line is written as it comes', async (t) => {
  const home = tempHome();
  const hub = new LogHub({ logger: captureLogger() });
  const o = channelOptions(home);
  const channel = hub.open(o);
  const writer = fifoWriter(o.fifoPath);
  t.after(async () => {
    writer.close();
    await hub.closeAll();
    home.cleanup();
  });
  writer.write('first line\nno newline yet');
  await waitFor(
    () => existsSync(o.logPath) && readFileSync(o.logPath, 'utf8') === 'first line\nno newline yet',
    {
      what: 'the bytes to reach the file without flush()',
    },
  );
  writer.write(', now\n');
  await waitFor(() => readFileSync(o.logPath, 'utf8').endsWith('no newline yet, now\n'), {
    what: 'the rest',
  });
  assert.ok(channel.logPath === o.logPath);
});

test('a new hub gets the bytes written while no hub was reading (re-attach after a crash)', async (t) => {
  const home = tempHome();
  const o = channelOptions(home);
  const first = new LogHub({ logger: captureLogger() });
  const second = new LogHub({ logger: captureLogger() });
  t.after(async () => {
    await first.closeAll();
    await second.closeAll();
    home.cleanup();
  });
  const channel = first.open(o);
  const run = printLines(home, channel.childFd(), 3_000, ['--stay']);
  await waitFor(() => existsSync(o.logPath) && readFileSync(o.logPath, 'utf8').endsWith('\n3000\n'), {
    what: 'the first 3,000 lines',
  });
  first.close(o.id, { drain: false });
  assert.ok(lstatSync(o.fifoPath).isFIFO(), 'closing keeps the FIFO');
  // The writer lives on; more output arrives while nobody reads.
  const writer = fifoWriter(o.fifoPath);
  writer.write(expectedText(3_001, 5_000));
  writer.close();
  second.open(o);
  await waitFor(() => readFileSync(o.logPath, 'utf8').endsWith('\n5000\n'), { what: 'lines 3001..5000' });
  assertSameText(readFileSync(o.logPath, 'utf8'), expectedText(1, 5_000), 'log file');
  run.child.kill('SIGKILL');
  await run.exited;
});

test('one parked wait serves many channels: the thread pool stays free, an idle hub uses no CPU', async (t) => {
  const home = tempHome();
  const hub = new LogHub({ logger: captureLogger() });
  t.after(async () => {
    await hub.closeAll();
    home.cleanup();
  });
  const count = 40;
  const options = Array.from({ length: count }, (_, i) =>
    channelOptions(home, {
      id: `p/s:${i}`,
      fifoPath: join(home.dir, 'run', `s.${i}.fifo`),
      logPath: join(home.dir, 'logs', `s.${i}.log`),
    }),
  );
  // seq starts faster than node: forty writers at once on a small machine
  const runs = options.map((o) => runCommand(home, hub.open(o).childFd(), 'seq', ['1', '1000']));
  // Thread-pool reads would hang if each channel held a pool thread (4 by default).
  let timer: NodeJS.Timeout | undefined;
  const blocked = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the thread pool is blocked')), 5_000);
  });
  const reads = await Promise.race([
    Promise.all([1, 2, 3, 4, 5, 6].map(() => readFile('/proc/self/stat', 'utf8'))),
    blocked,
  ]);
  clearTimeout(timer);
  assert.equal(reads.length, 6);
  await Promise.all(runs.map((r) => r.exited));
  await waitFor(
    () => options.every((o) => existsSync(o.logPath) && readFileSync(o.logPath, 'utf8').endsWith('\n1000\n')),
    { what: 'every channel to be pumped' },
  );
  for (const o of options) assertSameText(readFileSync(o.logPath, 'utf8'), expectedText(1, 1_000), o.id);
  // Every writer has exited: a read end that saw hang-ups would now spin; ours must not.
  const before = process.cpuUsage();
  const started = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 400)); // a measuring window, not a wait for a condition
  const used = process.cpuUsage(before);
  const cpuMs = (used.user + used.system) / 1000;
  assert.ok(cpuMs < 100, `idle hub used ${cpuMs} ms of CPU in ${Date.now() - started} ms`);
});

test('close() drains, keeps the FIFO unless asked, and closeAll() is idempotent', async (t) => {
  const home = tempHome();
  const hub = new LogHub({ logger: captureLogger() });
  t.after(async () => {
    await hub.closeAll();
    home.cleanup();
  });
  const o = channelOptions(home);
  const channel = hub.open(o);
  const writer = fifoWriter(o.fifoPath);
  writer.write('last words\n');
  writer.close();
  let closed = false;
  channel.on('close', () => {
    closed = true;
  });
  hub.close(o.id);
  assert.ok(closed);
  assert.equal(hub.get(o.id), undefined);
  assert.equal(readFileSync(o.logPath, 'utf8'), 'last words\n');
  assert.ok(existsSync(o.fifoPath));
  assert.throws(() => channel.childFd(), /closed/);
  hub.open(o);
  hub.close(o.id, { remove: true });
  assert.ok(!existsSync(o.fifoPath));
  hub.open(o);
  await Promise.all([hub.closeAll(), hub.closeAll()]);
  await hub.closeAll();
  assert.equal(hub.get(o.id), undefined);
});
