// Shared by the log tests: run the print-lines fixture on a channel, and check what arrived.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { LogChannelOptions, LogHubLogger } from '../../../src/logs/index.js';
import { fixture, type TempHome } from '../../helpers/home.js';

export const PRINT_LINES: string = fixture('print-lines.mjs');
export const LOG_READER: string = fixture('log-reader.mjs');

export interface Running {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `node FILE ...args` with `fd` as stdout and stderr, then closes our copy of `fd`. */
export function runWithOutput(home: TempHome, fd: number, file: string, args: string[]): Running {
  return runCommand(home, fd, process.execPath, [file, ...args]);
}

/** Starts `command ...args` with `fd` as stdout and stderr, then closes our copy of `fd`. */
export function runCommand(home: TempHome, fd: number, command: string, args: string[]): Running {
  const child = spawn(command, args, {
    stdio: ['ignore', fd, fd],
    env: { ...process.env, CORRAL_TEST_HOME: home.dir },
  });
  closeSync(fd);
  if (child.pid !== undefined) home.track(child.pid);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited };
}

/** print-lines.mjs COUNT ...options, writing to `fd`. */
export function printLines(home: TempHome, fd: number, count: number, options: string[] = []): Running {
  return runWithOutput(home, fd, PRINT_LINES, [String(count), ...options]);
}

/** The text print-lines.mjs writes for line `n` with --vary (and --pad=`pad`). */
export function variedLine(n: number, pad = 0): string {
  return `${n} ${'x'.repeat(pad + ((n * 7919) % 300))}`;
}

/** Lines `from`..`to` as print-lines.mjs writes them, each with its '\n'. */
export function expectedText(from: number, to: number, line: (n: number) => string = String): string {
  const parts: string[] = [];
  for (let n = from; n <= to; n++) parts.push(line(n));
  return parts.length === 0 ? '' : `${parts.join('\n')}\n`;
}

/** Asserts `actual` equals `expected`, reporting the first differing line rather than a huge diff. */
export function assertSameText(actual: string, expected: string, what: string): void {
  if (actual === expected) return;
  const a = actual.split('\n');
  const e = expected.split('\n');
  const i = a.findIndex((line, k) => line !== e[k]);
  const at = i < 0 ? Math.min(a.length, e.length) : i;
  assert.fail(
    `${what}: ${a.length - 1} lines instead of ${e.length - 1}; first difference at line ${at + 1}: ` +
      `got ${JSON.stringify(a[at]?.slice(0, 60))}, expected ${JSON.stringify(e[at]?.slice(0, 60))}`,
  );
}

export function channelOptions(home: TempHome, over: Partial<LogChannelOptions> = {}): LogChannelOptions {
  return {
    id: 'shop/web:0',
    fifoPath: join(home.dir, 'run', 'logs', 'shop', 'web.0.fifo'),
    logPath: join(home.dir, 'logs', 'shop', 'web.log'),
    timestamps: false,
    maxSizeBytes: 0,
    keep: 3,
    ...over,
  };
}

export interface CapturedLogger extends LogHubLogger {
  entries: { level: 'warn' | 'error'; obj: object; msg: string }[];
}

export function captureLogger(): CapturedLogger {
  const entries: CapturedLogger['entries'] = [];
  return {
    entries,
    warn: (obj, msg) => entries.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => entries.push({ level: 'error', obj, msg }),
  };
}

/** Writes straight into a FIFO, as a child would (O_RDWR: never EPIPE). */
export function fifoWriter(fifoPath: string): { write(text: string): void; close(): void } {
  const fd = openSync(fifoPath, 'r+');
  return {
    write(text: string) {
      const buf = Buffer.from(text);
      let done = 0;
      while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
    },
    close() {
      closeSync(fd);
    },
  };
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}

/**
 * SIGKILLs `pid` the moment the file at `path` changes size, watching it in a tight loop, so
 * that the kill lands while the writer is most likely still inside its write (the worst moment
 * for a log pump). Returns false, without killing, if the size did not change within `withinMs`.
 * Blocks the event loop while it watches.
 */
export function killAsFileGrows(pid: number, path: string, withinMs: number): boolean {
  const start = sizeOf(path);
  const until = performance.now() + withinMs;
  while (performance.now() < until) {
    if (sizeOf(path) !== start) {
      process.kill(pid, 'SIGKILL');
      return true;
    }
  }
  return false;
}
