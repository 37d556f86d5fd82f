// One log channel: the FIFO a supervised process writes its stdout and stderr to, and the
// rotated log file its bytes are moved to. The hub decides when to pump; this file decides
// how: straight splice, line-safe rotation, or timestamped copy through a staging file.
import { EventEmitter } from 'node:events';
import {
  closeSync,
  constants,
  existsSync,
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
import { countLogBytes } from '../metrics/log-bytes.js';
import { mkfifo, O_NONBLOCK, setPipeSize } from '../process/native/fd.js';
import { EAGAIN, SystemCallError } from '../process/native/koffi.js';
import {
  newlineOffsets,
  newlinesBelow,
  stampLines,
  TIMESTAMP_PREFIX_BYTES,
  timestampPrefix,
} from './format.js';
import { type FileIdentity, identityOf } from './position.js';
import type { Pump } from './pump.js';
import { planWrite, pruneRotated, shiftLogFiles } from './rotate.js';
import { StageFile, stagePath } from './stage.js';

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
 * Events: 'data' (chunk: Buffer, at: LogPoint) once the bytes are in the log file, raw (no
 * timestamp prefix), `at` the place in the log file just after them; 'rotate' () after the live
 * file was rotated; 'close' ().
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

function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** Removes the staging file of a FIFO, if there is one. */
function removeStage(fifoPath: string): void {
  try {
    unlinkSync(stagePath(fifoPath));
  } catch {
    // none
  }
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
  /** which file the live log is (the place of the bytes 'data' reports) */
  private logIdentity: FileIdentity = { ino: 0, btime: 0 };
  private size = 0;
  /** undefined: not known since the last blind splice; read from the file when needed */
  private atLineStart: boolean | undefined = true;
  private readonly oneByte = Buffer.alloc(1);
  private pumping = false;
  /** where timestamped bytes wait between the FIFO and the log file; null until needed */
  private stage: StageFile | null = null;

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
      return;
    }
    // Bytes a killed daemon had staged but not yet committed go first.
    if (this.stagedBytes() > 0) this.pump(0);
  }

  childFd(): number {
    if (this.closed) throw new Error(`The log channel ${this.id} is closed`);
    this.reattachIfReplaced();
    return openSync(this.fifoPath, constants.O_RDWR);
  }

  flush(): void {
    this.pump(Math.max(1, this.host.pump.pending(this.readFd)));
  }

  /** Whether bytes moved out of the FIFO into the staging file still wait for the log file. */
  hasStagedBytes(): boolean {
    return this.stagedBytes() > 0;
  }

  private stagedBytes(): number {
    return this.stage?.pending() ?? 0;
  }

  reconfigure(o: Partial<LogChannelSettings>): void {
    const keepBefore = this.settings.keep;
    this.settings = { ...this.settings, ...o };
    if (this.settings.keep < keepBefore) pruneRotated(this.logPath, this.settings.keep);
  }

  /**
   * Opens (or re-opens) the live log file and takes its size and last byte as the rotation
   * state. With staged bytes pending, first cuts off what a killed daemon wrote of them
   * without committing it: they are written again, once.
   */
  openLogFile(): void {
    this.closeLogFile();
    this.openStage();
    mkdirSync(dirname(this.logPath), { recursive: true });
    // No O_APPEND: splice refuses it. Writes go to explicit offsets instead.
    const fd = openSync(this.logPath, constants.O_RDWR | constants.O_CREAT, 0o644);
    this.logFd = fd;
    const st = fstatSync(fd);
    this.logIdentity = identityOf(st);
    this.size = st.size;
    const cut = this.stage?.cutLogTo(this.size) ?? null;
    if (cut !== null) {
      ftruncateSync(fd, cut);
      this.size = cut;
    }
    this.atLineStart = this.size === 0 ? true : undefined;
  }

  /** Opens the staging file when timestamps are on, or when a daemon before left one. */
  private openStage(): void {
    if (this.stage) return;
    const path = stagePath(this.fifoPath);
    if (this.settings.timestamps || existsSync(path)) this.stage = new StageFile(path);
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
      // Staged bytes are always finished: nothing else would wake the pump for them.
      while ((moved < budget || this.stagedBytes() > 0) && !this.closed && !this.isStalled) {
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
    if (timestamps || this.stagedBytes() > 0) return this.stepStaged();
    if (this.listenerCount('data') === 0) {
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
    const plan = planWrite(chunk, state, maxSizeBytes);
    if (plan.rotateFirst) return this.rotate() ? 0 : -1;
    const moved = this.splice(plan.take, chunk);
    if (moved < 0 || this.closed) return -1; // closed by a 'data' listener
    if (plan.rotateAfter && moved === plan.take && !this.rotate()) return -1;
    return moved;
  }

  /**
   * One move through the staging file: when nothing is staged, splice what the FIFO holds into
   * it; then write the staged bytes (stamped, with timestamps on) to the log file and commit.
   */
  private stepStaged(): number {
    const { timestamps, maxSizeBytes } = this.settings;
    const pump = this.host.pump;
    if (this.logFd < 0) return -1;
    let stage: StageFile;
    try {
      this.openStage();
      stage = this.stage as StageFile;
      if (stage.pending() === 0) {
        const n = pump.pending(this.readFd);
        if (n === 0) return -1;
        const r = stage.stageFrom(pump, this.readFd, Math.min(n, pump.bufferBytes), this.size);
        if (r === -EAGAIN || r === 0) return -1;
        if (r < 0) throw new SystemCallError('splice', -r, stage.path);
      }
    } catch (e) {
      this.stall(e, 'write the staging file for');
      return -1;
    }
    let chunk: Buffer;
    try {
      chunk = stage.read(pump);
      if (chunk.length === 0) throw new Error(`${stage.path} is shorter than its header says`);
    } catch (e) {
      this.stall(e, 'read the staging file for');
      return -1;
    }
    const state = { size: this.size, atLineStart: this.lineStartNow() };
    const newlines = timestamps ? newlineOffsets(chunk) : undefined;
    const plan = planWrite(chunk, state, maxSizeBytes, timestamps ? TIMESTAMP_PREFIX_BYTES : 0, newlines);
    if (plan.rotateFirst) return this.rotate() ? 0 : -1;
    const moved = this.writeStaged(stage, chunk, plan.take, newlines);
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
    countLogBytes(r);
    if (peeked) {
      this.atLineStart = peeked[r - 1] === NEWLINE;
      this.emitData(peeked.subarray(0, r));
    } else {
      this.atLineStart = undefined;
    }
    return r;
  }

  /**
   * Writes the first `take` staged bytes to the log file (stamped when `newlines` are given),
   * then commits them in the staging file. A daemon killed between the two leaves the log
   * longer than committed: the next one cuts it back and writes them again (openLogFile).
   */
  private writeStaged(
    stage: StageFile,
    chunk: Buffer,
    take: number,
    newlines: Int32Array | undefined,
  ): number {
    if (this.logFd < 0) return -1;
    const raw = chunk.subarray(0, take);
    let out = raw;
    if (newlines) {
      const within = newlinesBelow(newlines, take);
      out = stampLines(raw, this.lineStartNow(), timestampPrefix(this.host.now()), within);
    }
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
    this.size += out.length;
    countLogBytes(out.length);
    this.atLineStart = raw[take - 1] === NEWLINE;
    try {
      stage.commit(stage.position + take, this.size);
    } catch (e) {
      // Not committed: the retry re-opens the log, cuts these bytes off and writes them again.
      this.stall(e, 'write the staging file for');
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
      // The committed size must be the new file's before anything is written to it.
      this.stage?.commit(this.stage.position, this.size);
    } catch (e) {
      this.stall(e, 'rotate the log file');
      return false;
    }
    this.emitSafely('rotate');
    return true;
  }

  private emitData(bytes: Buffer): void {
    if (bytes.length === 0 || this.listenerCount('data') === 0) return;
    this.emitSafely('data', Buffer.from(bytes), { ...this.logIdentity, offset: this.size });
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
    this.stage?.close(remove);
    this.stage = null;
    if (remove) removeStage(this.fifoPath);
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
