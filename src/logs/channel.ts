// One log channel: the FIFO a supervised process writes its stdout and stderr to, and the
// rotated log file its bytes are moved to. The hub decides when to pump; this file decides
// how: straight splice, line-safe rotation, or timestamped copy.
import { EventEmitter } from 'node:events';
import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { mkfifo, O_NONBLOCK, setPipeSize } from '../process/native/fd.js';
import { EAGAIN, SystemCallError } from '../process/native/koffi.js';
import { newlineOffsets, stampLines, TIMESTAMP_PREFIX_BYTES, timestampPrefix } from './format.js';
import type { Pump } from './pump.js';
import { planWrite, pruneRotated, shiftLogFiles } from './rotate.js';

const NEWLINE = 0x0a;

export interface LogChannelOptions {
  /** who writes, e.g. `shop/web:0`: the key of the channel in its hub */
  id: string;
  fifoPath: string;
  logPath: string;
  /** prefix every line with its arrival time (ISO 8601 UTC, ms) */
  timestamps: boolean;
  /** rotate past this size; 0: never */
  maxSizeBytes: number;
  /** rotated files kept: X.log.1 .. X.log.KEEP */
  keep: number;
}

export type LogChannelSettings = Pick<LogChannelOptions, 'timestamps' | 'maxSizeBytes' | 'keep'>;

/**
 * Events: 'data' (chunk: Buffer) once the bytes are in the log file, raw (no timestamp
 * prefix); 'rotate' () after the live file was rotated; 'close' ().
 */
export interface LogChannel extends EventEmitter {
  readonly id: string;
  readonly logPath: string;
  readonly fifoPath: string;
  /** A fresh O_RDWR fd on the FIFO for the child's stdout and stderr; the caller closes it after spawn. */
  childFd(): number;
  /** Moves what is in the pipe now into the log file, synchronously. */
  flush(): void;
  reconfigure(o: Partial<LogChannelSettings>): void;
}

/** What a channel needs from its hub. */
export interface ChannelHost {
  readonly pump: Pump;
  readonly pipeBytes: number;
  /** the channel hit an error and stopped: bytes stay in the pipe until a retry */
  stalled(channel: Channel, error: Error, action: string): void;
  /** the channel's FIFO read fd changed (the FIFO was re-created) */
  refd(channel: Channel, oldFd: number): void;
  warnListener(channel: Channel, error: unknown): void;
  /** epoch ms for the timestamps of lines (the hub's clock) */
  now(): number;
}

/** How many of the ascending `offsets` are below `limit`. */
function countBelow(offsets: Int32Array, limit: number): number {
  let lo = 0;
  let hi = offsets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (offsets[mid] < limit) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** Creates the FIFO unless one is there; replaces anything else found at the path. */
function ensureFifo(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    if (lstatSync(path).isFIFO()) return;
    unlinkSync(path);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
  }
  try {
    mkfifo(path, 0o600);
  } catch (e) {
    if (!(e instanceof SystemCallError && e.code === 'EEXIST')) throw e;
  }
}

/** The daemon's end of a FIFO: read-write (so the pipe never reports hang-up) and non-blocking. */
function openFifoForPump(path: string, pipeBytes: number): number {
  const fd = openSync(path, constants.O_RDWR | O_NONBLOCK);
  setPipeSize(fd, pipeBytes); // refused past the per-user pipe quota: the default size still works
  return fd;
}

export class Channel extends EventEmitter implements LogChannel {
  readonly id: string;
  readonly logPath: string;
  readonly fifoPath: string;
  /** the daemon's fd on the FIFO, registered in the hub's epoll set */
  readFd: number;
  closed = false;
  /** set while an error keeps the bytes in the pipe; the hub retries */
  isStalled = false;
  /** stalls since bytes last moved (the hub's retry backoff) */
  failures = 0;

  private settings: LogChannelSettings;
  private readonly host: ChannelHost;
  private logFd = -1;
  private size = 0;
  /** undefined: not known since the last blind splice; read from the file when needed */
  private atLineStart: boolean | undefined = true;
  private readonly oneByte = Buffer.alloc(1);
  private pumping = false;

  constructor(o: LogChannelOptions, host: ChannelHost) {
    super();
    this.id = o.id;
    this.logPath = o.logPath;
    this.fifoPath = o.fifoPath;
    this.settings = { timestamps: o.timestamps, maxSizeBytes: o.maxSizeBytes, keep: o.keep };
    this.host = host;
    ensureFifo(o.fifoPath);
    this.readFd = openFifoForPump(o.fifoPath, host.pipeBytes);
    try {
      this.openLogFile();
    } catch (e) {
      this.stall(e, 'open the log file');
    }
  }

  childFd(): number {
    if (this.closed) throw new Error(`The log channel ${this.id} is closed`);
    this.reattachIfReplaced();
    return openSync(this.fifoPath, constants.O_RDWR);
  }

  flush(): void {
    this.pump(Math.max(1, this.host.pump.pending(this.readFd)));
  }

  reconfigure(o: Partial<LogChannelSettings>): void {
    const keepBefore = this.settings.keep;
    this.settings = { ...this.settings, ...o };
    if (this.settings.keep < keepBefore) pruneRotated(this.logPath, this.settings.keep);
  }

  /** Opens (or re-opens) the live log file and takes its size and last byte as the rotation state. */
  openLogFile(): void {
    this.closeLogFile();
    mkdirSync(dirname(this.logPath), { recursive: true });
    // No O_APPEND: splice refuses it. Writes go to explicit offsets instead.
    const fd = openSync(this.logPath, constants.O_RDWR | constants.O_CREAT, 0o644);
    this.logFd = fd;
    this.size = fstatSync(fd).size;
    this.atLineStart = this.size === 0 ? true : undefined;
  }

  closeLogFile(): void {
    if (this.logFd < 0) return;
    try {
      closeSync(this.logFd);
    } catch {
      // already closed
    }
    this.logFd = -1;
  }

  /**
   * Moves bytes from the FIFO to the log file until the pipe is empty or about `budget` bytes
   * have gone, whichever comes first (so one busy writer cannot starve the others).
   */
  pump(budget: number): void {
    // Not re-entered: a 'data' listener that calls flush() finds the pump already running.
    if (this.closed || this.isStalled || this.pumping) return;
    this.pumping = true;
    let moved = 0;
    try {
      while (moved < budget && !this.closed && !this.isStalled) {
        const n = this.step();
        if (n < 0) break;
        moved += n;
      }
    } finally {
      this.pumping = false;
    }
    if (moved > 0 && !this.isStalled) this.failures = 0;
  }

  /** One move: bytes consumed from the FIFO (0 after a rotation), or -1 when empty or stalled. */
  private step(): number {
    const { timestamps, maxSizeBytes } = this.settings;
    const pump = this.host.pump;
    if (!timestamps && this.listenerCount('data') === 0) {
      // Nobody needs the text: splice blindly while the whole backlog fits in the file.
      const n = pump.pending(this.readFd);
      if (n === 0) return -1;
      if (!(maxSizeBytes > 0) || this.size + n <= maxSizeBytes) return this.splice(n, null);
    }
    let chunk: Buffer | null;
    try {
      chunk = pump.peek(this.readFd);
    } catch (e) {
      this.stall(e, 'read the pipe');
      return -1;
    }
    if (chunk === null) return -1;
    const state = { size: this.size, atLineStart: this.lineStartNow() };
    const newlines = timestamps ? newlineOffsets(chunk) : undefined;
    const plan = planWrite(chunk, state, maxSizeBytes, timestamps ? TIMESTAMP_PREFIX_BYTES : 0, newlines);
    if (plan.rotateFirst) return this.rotate() ? 0 : -1;
    const moved = newlines ? this.writeStamped(chunk, plan.take, newlines) : this.splice(plan.take, chunk);
    if (moved < 0 || this.closed) return -1; // closed by a 'data' listener
    if (plan.rotateAfter && moved === plan.take && !this.rotate()) return -1;
    return moved;
  }

  /** splice `len` bytes into the file; `peeked` (when known) is what they are, for 'data'. */
  private splice(len: number, peeked: Buffer | null): number {
    if (this.logFd < 0) return -1;
    const r = this.host.pump.toFile(this.readFd, this.logFd, this.size, len);
    if (r === -EAGAIN || r === 0) return -1;
    if (r < 0) {
      this.stall(new SystemCallError('splice', -r, this.logPath), 'write the log file');
      return -1;
    }
    this.size += r;
    if (peeked) {
      this.atLineStart = peeked[r - 1] === NEWLINE;
      this.emitData(peeked.subarray(0, r));
    } else {
      this.atLineStart = undefined;
    }
    return r;
  }

  /**
   * Timestamps change the bytes, so they go through user space: write the stamped copy, then
   * consume the originals. A daemon killed between the two writes that chunk twice (at-least-once).
   */
  private writeStamped(chunk: Buffer, take: number, newlines: Int32Array): number {
    if (this.logFd < 0) return -1;
    const raw = chunk.subarray(0, take);
    const atLineStart = this.lineStartNow();
    const within = take === chunk.length ? newlines : newlines.subarray(0, countBelow(newlines, take));
    const out = stampLines(raw, atLineStart, timestampPrefix(this.host.now()), within);
    try {
      let done = 0;
      while (done < out.length) done += writeSync(this.logFd, out, done, out.length - done, this.size + done);
    } catch (e) {
      try {
        ftruncateSync(this.logFd, this.size); // no half chunk left behind for a retry to duplicate
      } catch {
        // the retry overwrites the same offsets anyway
      }
      this.stall(e, 'write the log file');
      return -1;
    }
    // In the file now: should consuming fail, a retry writes the chunk again rather than lose it.
    this.size += out.length;
    this.atLineStart = raw[take - 1] === NEWLINE;
    try {
      this.host.pump.discard(this.readFd, take);
    } catch (e) {
      this.stall(e, 'consume the pipe');
      return -1;
    }
    this.emitData(raw);
    return take;
  }

  private lineStartNow(): boolean {
    if (this.atLineStart === undefined) {
      if (this.size === 0 || this.logFd < 0) {
        this.atLineStart = true;
      } else {
        const r = readSync(this.logFd, this.oneByte, 0, 1, this.size - 1);
        this.atLineStart = r === 1 && this.oneByte[0] === NEWLINE;
      }
    }
    return this.atLineStart;
  }

  private rotate(): boolean {
    try {
      this.closeLogFile();
      shiftLogFiles(this.logPath, this.settings.keep);
      this.openLogFile();
    } catch (e) {
      this.stall(e, 'rotate the log file');
      return false;
    }
    this.emitSafely('rotate');
    return true;
  }

  private emitData(bytes: Buffer): void {
    if (bytes.length === 0 || this.listenerCount('data') === 0) return;
    this.emitSafely('data', Buffer.from(bytes));
  }

  private emitSafely(event: string, ...args: unknown[]): void {
    try {
      this.emit(event, ...args);
    } catch (e) {
      this.host.warnListener(this, e);
    }
  }

  private stall(e: unknown, action: string): void {
    this.isStalled = true;
    this.host.stalled(this, e instanceof Error ? e : new Error(String(e)), action);
  }

  /** After a stall: re-open the log file (it may have been removed or replaced) and go on. */
  resume(): boolean {
    try {
      this.openLogFile();
    } catch (e) {
      this.host.stalled(this, e instanceof Error ? e : new Error(String(e)), 'open the log file');
      return false;
    }
    this.isStalled = false;
    return true;
  }

  /** If the FIFO at the path was removed or replaced, create it again and read from the new one. */
  private reattachIfReplaced(): void {
    let same = false;
    try {
      const onDisk = lstatSync(this.fifoPath);
      const ours = fstatSync(this.readFd);
      same = onDisk.isFIFO() && onDisk.ino === ours.ino && onDisk.dev === ours.dev;
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
    }
    if (same) return;
    this.flush();
    ensureFifo(this.fifoPath);
    const old = this.readFd;
    this.readFd = openFifoForPump(this.fifoPath, this.host.pipeBytes);
    this.host.refd(this, old);
    closeSync(old);
  }

  /** Closes the fds (the hub has unregistered the FIFO); `remove` also deletes the FIFO. */
  closeFds(remove: boolean): void {
    this.closed = true;
    this.closeLogFile();
    try {
      closeSync(this.readFd);
    } catch {
      // already closed
    }
    if (remove) {
      try {
        unlinkSync(this.fifoPath);
      } catch {
        // already gone
      }
    }
    this.emitSafely('close');
  }
}
