// Moving bytes out of a log FIFO: peek without consuming (tee into a scratch pipe, then read
// that) or splice into a file inside the kernel; and reading back a staging file.
// One Pump serves every channel of a hub: the daemon is single-threaded, and the scratch pipe
// is empty between calls.
import { closeSync, readSync } from 'node:fs';
import { DEFAULTS } from '../defaults.js';
import { bytesInPipe, getPipeSize, pipe, setPipeSize } from '../process/native/fd.js';
import { EAGAIN, SystemCallError } from '../process/native/koffi.js';
import { splice, tee } from '../process/native/splice.js';

export class Pump {
  private readonly scratchRead: number;
  private readonly scratchWrite: number;
  private readonly peekBuffer: Buffer;
  private closed = false;

  constructor(pipeBytesWanted: number = DEFAULTS.logPipeBytes) {
    [this.scratchRead, this.scratchWrite] = pipe();
    // A bigger scratch pipe means fewer rounds; the kernel may refuse (per-user pipe quota).
    setPipeSize(this.scratchWrite, pipeBytesWanted);
    this.peekBuffer = Buffer.allocUnsafe(getPipeSize(this.scratchWrite));
  }

  /** Bytes waiting in `fifo` (0 when empty or on error). */
  pending(fifo: number): number {
    const n = bytesInPipe(fifo);
    return Math.max(n, 0);
  }

  /**
   * A view of the bytes at the head of `fifo`, left in place; null when it is empty.
   * The view is overwritten by the next peek: copy what must outlive it.
   */
  peek(fifo: number): Buffer | null {
    const teed = tee(fifo, this.scratchWrite, this.peekBuffer.length);
    if (teed === -EAGAIN || teed === 0) return null;
    if (teed < 0) throw new SystemCallError('tee', -teed);
    let got = 0;
    try {
      while (got < teed) {
        const r = readSync(this.scratchRead, this.peekBuffer, got, teed - got, null);
        if (r <= 0) break;
        got += r;
      }
    } finally {
      if (got !== teed) this.emptyScratch(); // never let a stale byte into the next peek
    }
    return this.peekBuffer.subarray(0, got);
  }

  /** Bytes a peek or a readAt returns at most. */
  get bufferBytes(): number {
    return this.peekBuffer.length;
  }

  /**
   * Up to `len` bytes of the file `fd` from `offset` (at most bufferBytes), as a view that the
   * next peek or readAt overwrites.
   */
  readAt(fd: number, offset: number, len: number): Buffer {
    const want = Math.min(len, this.peekBuffer.length);
    let got = 0;
    while (got < want) {
      const r = readSync(fd, this.peekBuffer, got, want - got, offset + got);
      if (r <= 0) break;
      got += r;
    }
    return this.peekBuffer.subarray(0, got);
  }

  private emptyScratch(): void {
    try {
      while (readSync(this.scratchRead, this.peekBuffer, 0, this.peekBuffer.length, null) > 0);
    } catch {
      // EAGAIN: empty
    }
  }

  /** splice(fifo -> file at offset): bytes moved, or -errno (-EAGAIN: empty). */
  toFile(fifo: number, file: number, offset: number, len: number): number {
    return splice(fifo, file, len, offset);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fd of [this.scratchRead, this.scratchWrite]) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
  }
}
