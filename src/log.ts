// The daemon's logger: one JSON object a line (`level`, `time`, `pid`, the bindings, the fields,
// `msg`), written synchronously to daemon.log. Levels are numbers (trace 10 ... fatal 60); an
// error under `err` is written as { type, message, stack } and its own fields.
//
// A write that fails (a full disk) never throws into the code that logs: the line is kept and
// written ahead of the next one, up to a bound in bytes; lines past that bound are dropped.
import { closeSync, openSync, writeSync } from 'node:fs';

export type LevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

const LEVELS: Record<LevelName, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Number.POSITIVE_INFINITY,
};

/** One level's method: fields then a message, or a message alone. */
export interface LogFn {
  (fields: object, msg?: string): void;
  (msg: string): void;
}

export interface Logger {
  readonly level: LevelName;
  /** the level as its number (Infinity when silent) */
  readonly levelVal: number;
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  /** a logger whose lines carry `bindings` too, at the same level unless `level` is given */
  child(bindings: Record<string, unknown>, opts?: { level?: LevelName }): Logger;
}

/** Where lines go: a synchronous writer of whole lines. */
export interface LogSink {
  write(line: string): void;
}

export interface LoggerOptions {
  /** trace ... fatal, or silent; an unknown name is `info` */
  level?: string;
  /** fields every line carries (the daemon's pid, a component) */
  base?: Record<string, unknown>;
}

/** A logger writing to `sink`. */
export function createLogger(sink: LogSink, opts: LoggerOptions = {}): Logger {
  return new LineLogger(sink, levelNamed(opts.level), serializeBindings(opts.base ?? {}));
}

/** A logger that writes nothing (tests, and callers with nowhere to log). */
export function silentLogger(): Logger {
  return createLogger({ write: () => {} }, { level: 'silent' });
}

/**
 * A file opened for appending (created with `mode`), written with writeSync. A failed write keeps
 * its bytes, up to `backlogBytes`, and writes them ahead of the next line.
 */
export function fileSink(
  path: string,
  opts: { mode: number; backlogBytes: number },
): LogSink & {
  close(): void;
} {
  const fd = openSync(path, 'a', opts.mode);
  let pending = '';
  return {
    write(line: string): void {
      if (pending.length + line.length > opts.backlogBytes && pending.length > 0) {
        // the backlog is full: this line is dropped, the kept ones are tried again
        pending = flush(fd, pending);
        if (pending.length + line.length > opts.backlogBytes) return;
      }
      pending = flush(fd, pending + line);
    },
    close(): void {
      closeSync(fd);
    },
  };
}

// Writes what it can of `text`; returns what is left (all of it when the write fails).
function flush(fd: number, text: string): string {
  let buf = Buffer.from(text);
  while (buf.length > 0) {
    let n: number;
    try {
      n = writeSync(fd, buf);
    } catch {
      return buf.toString();
    }
    buf = buf.subarray(n);
  }
  return '';
}

// The level named, or info.
function levelNamed(name: string | undefined): LevelName {
  return name !== undefined && name in LEVELS ? (name as LevelName) : 'info';
}

class LineLogger implements Logger {
  readonly levelVal: number;
  readonly trace: LogFn;
  readonly debug: LogFn;
  readonly info: LogFn;
  readonly warn: LogFn;
  readonly error: LogFn;
  readonly fatal: LogFn;

  constructor(
    private readonly sink: LogSink,
    readonly level: LevelName,
    /** the bindings as JSON members, each ending in a comma */
    private readonly bound: string,
  ) {
    this.levelVal = LEVELS[level];
    this.trace = this.method(10);
    this.debug = this.method(20);
    this.info = this.method(30);
    this.warn = this.method(40);
    this.error = this.method(50);
    this.fatal = this.method(60);
  }

  child(bindings: Record<string, unknown>, opts: { level?: LevelName } = {}): Logger {
    return new LineLogger(this.sink, opts.level ?? this.level, this.bound + serializeBindings(bindings));
  }

  // The method of one level: a no-op below the logger's level.
  private method(level: number): LogFn {
    if (level < this.levelVal) return () => {};
    return (first: object | string, msg?: string): void => {
      const fields = typeof first === 'string' ? '' : serializeBindings(fieldsOf(first));
      const text = typeof first === 'string' ? first : msg;
      const tail = text === undefined ? '' : `,"msg":${JSON.stringify(text)}`;
      const line = `{"level":${level},"time":${Date.now()},${this.bound}${fields}`.replace(/,$/, '');
      this.sink.write(`${line}${tail}}\n`);
    };
  }
}

// The fields of a call: an Error alone is { err }.
function fieldsOf(first: object): Record<string, unknown> {
  return first instanceof Error ? { err: first } : (first as Record<string, unknown>);
}

// `"key":value,` for each binding; an error anywhere at the top is written with its stack.
function serializeBindings(bindings: Record<string, unknown>): string {
  let out = '';
  for (const [key, value] of Object.entries(bindings)) {
    if (value === undefined) continue;
    out += `${JSON.stringify(key)}:${safeJson(value instanceof Error ? errorFields(value) : value)},`;
  }
  return out;
}

/** An error as a log line shows it: its class, message and stack, and its own fields (code, errno). */
export function errorFields(err: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { type: err.constructor?.name ?? 'Error', message: err.message };
  out.stack = err.stack;
  for (const [key, value] of Object.entries(err)) {
    if (!(key in out)) out[key] = value instanceof Error ? errorFields(value) : value;
  }
  if (err.cause instanceof Error && !('cause' in out)) out.cause = errorFields(err.cause);
  return out;
}

// JSON of a value, never throwing: a cycle or a BigInt is written as a string.
function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null';
  } catch {
    return JSON.stringify(String(value));
  }
}
