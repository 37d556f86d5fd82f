// The staging file of a timestamped log channel: what makes timestamped capture exactly-once
// across a SIGKILL of the daemon.
//
// A pipe has no position to record, so bytes that must be changed (stamped) cannot be read
// from the FIFO and written elsewhere without a window where a kill repeats or loses them.
// Instead they are first moved from the FIFO into this file with splice(2), which consumes
// exactly what it writes. From there on both sides are files, and their progress is two
// numbers in the header, rewritten together in one small write after every stamped write:
//
//   [0, 8)      consumed: offset of the first staged byte not yet in the log file
//   [8, 16)     logSize: the log file's size once the bytes before `consumed` were in it
//   [4096, end) the staged raw bytes (end: the file's size)
//
// A daemon killed after writing stamped lines to the log but before the header says so leaves
// the log longer than `logSize` while bytes are still pending: the next daemon cuts the log
// back to `logSize` and stamps those bytes again, once. Once every staged byte is in the log,
// the file is cut back to the header alone, then the header is rewritten; a kill between the
// two leaves `consumed` past the end, which reads as "nothing pending".
import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  openSync,
  readSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import type { Pump } from './pump.js';

/** Staged bytes start here: the header has the first page to itself. */
export const STAGE_DATA_START = 4096;
const HEADER_BYTES = 16;

/** The staging file that goes with the log FIFO at `fifoPath`. */
export function stagePath(fifoPath: string): string {
  return `${fifoPath.replace(/\.fifo$/, '')}.staged`;
}

export class StageFile {
  readonly path: string;
  private fd: number;
  /** offset of the first staged byte not yet in the log file */
  private consumed = STAGE_DATA_START;
  /** end of the staged bytes */
  private end = STAGE_DATA_START;
  /** the log file's size as last committed; +Infinity when not known (never cut the log then) */
  private logSize = Number.POSITIVE_INFINITY;
  private readonly header = Buffer.alloc(HEADER_BYTES);

  /** Opens (or creates) the staging file and reads where the last daemon left off. */
  constructor(path: string) {
    this.path = path;
    this.fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600);
    try {
      this.load();
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
  }

  private load(): void {
    const size = fstatSync(this.fd).size;
    this.end = Math.max(size, STAGE_DATA_START);
    if (size < HEADER_BYTES) return; // new, or killed before its first header: nothing staged
    readSync(this.fd, this.header, 0, HEADER_BYTES, 0);
    const consumed = this.header.readDoubleLE(0);
    const logSize = this.header.readDoubleLE(8);
    // A header that makes no sense: keep every staged byte (a repeat beats a loss).
    this.consumed =
      Number.isSafeInteger(consumed) && consumed >= STAGE_DATA_START ? consumed : STAGE_DATA_START;
    this.logSize = Number.isSafeInteger(logSize) && logSize >= 0 ? logSize : Number.POSITIVE_INFINITY;
    if (this.consumed > this.end) this.consumed = this.end; // cut back, header not yet rewritten
  }

  /** Staged bytes not yet in the log file. */
  pending(): number {
    return this.end - this.consumed;
  }

  /**
   * The size the log file must be cut back to before the pending bytes are written (they or a
   * part of them may be there already, from a daemon killed before its commit); null: leave it.
   */
  cutLogTo(currentLogSize: number): number | null {
    if (this.pending() === 0 || !(currentLogSize > this.logSize)) return null;
    return this.logSize;
  }

  /**
   * Moves up to `len` bytes from the FIFO into the staging file (splice: what leaves the pipe
   * is exactly what lands here). Only when nothing is pending; the header first records
   * `logSize`, the log file's size these bytes will be written after. Bytes moved, or -errno.
   */
  stageFrom(pump: Pump, fifo: number, len: number, logSize: number): number {
    if (this.consumed !== STAGE_DATA_START || this.logSize !== logSize) this.commit(this.end, logSize);
    const r = pump.toFile(fifo, this.fd, this.end, len);
    if (r > 0) this.end += r;
    return r;
  }

  /** The pending bytes (at most the pump's buffer), as a view overwritten by the next peek or read. */
  read(pump: Pump): Buffer {
    return pump.readAt(this.fd, this.consumed, this.pending());
  }

  /**
   * Records that the log file now holds the staged bytes up to `consumed`, and has `logSize`
   * bytes. When that is all of them, the file is cut back to its header first.
   */
  commit(consumed: number, logSize: number): void {
    if (consumed >= this.end) {
      if (this.end > STAGE_DATA_START) ftruncateSync(this.fd, STAGE_DATA_START);
      // Cut back: nothing is pending now, whatever the header says until it is rewritten.
      this.end = STAGE_DATA_START;
      this.consumed = STAGE_DATA_START;
      consumed = STAGE_DATA_START;
    }
    this.header.writeDoubleLE(consumed, 0);
    this.header.writeDoubleLE(logSize, 8);
    let done = 0;
    while (done < HEADER_BYTES) done += writeSync(this.fd, this.header, done, HEADER_BYTES - done, done);
    this.consumed = consumed;
    this.logSize = logSize;
  }

  /** The offset of the first pending byte (for commit after writing some of them). */
  get position(): number {
    return this.consumed;
  }

  close(remove: boolean): void {
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = -1;
    }
    if (!remove) return;
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}
