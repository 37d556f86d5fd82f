// `corral run`'s log files: what a process writes goes to HOME/logs/PROJECT/SERVICE[.N].log as
// well as to the terminal, rotated as the daemon rotates (logs.max_size, logs.keep, never a line
// split across two files) and stamped when logs.timestamps is on.
import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  newlineOffsets,
  newlinesBelow,
  stampLines,
  TIMESTAMP_PREFIX_BYTES,
  timestampPrefix,
} from '../../logs/format.js';
import { planWrite, pruneRotated, shiftLogFiles } from '../../logs/rotate.js';

export interface LogSettings {
  timestamps: boolean;
  maxSizeBytes: number;
  keep: number;
}

export class RunLogFile {
  private fd = -1;
  private size = 0;
  private atLineStart = true;
  /** why the file cannot be written, once said; writes are dropped until it can be opened again */
  private failed: string | null = null;

  constructor(
    readonly path: string,
    private readonly settings: LogSettings,
    private readonly onError: (message: string) => void,
  ) {}

  /** Appends a chunk of output, rotating where the size limit says. */
  write(chunk: Buffer): void {
    try {
      if (this.fd < 0) this.open();
      let pending = chunk;
      const prefixBytes = this.settings.timestamps ? TIMESTAMP_PREFIX_BYTES : 0;
      while (pending.length > 0) {
        const file = { size: this.size, atLineStart: this.atLineStart };
        // the newlines are found once, for the plan and for the stamps
        const newlines = this.settings.timestamps ? newlineOffsets(pending) : undefined;
        const plan = planWrite(pending, file, this.settings.maxSizeBytes, prefixBytes, newlines);
        if (plan.rotateFirst) this.rotate();
        if (plan.take > 0)
          this.append(pending.subarray(0, plan.take), newlines && newlinesBelow(newlines, plan.take));
        if (plan.rotateAfter) this.rotate();
        pending = pending.subarray(plan.take);
      }
      this.failed = null;
    } catch (e) {
      const message = `cannot write ${this.path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
      if (this.failed !== message) this.onError(message);
      this.failed = message;
      this.close();
    }
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private append(raw: Buffer, newlines: Int32Array | undefined): void {
    const bytes = newlines ? stampLines(raw, this.atLineStart, timestampPrefix(Date.now()), newlines) : raw;
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
    this.size += bytes.length;
    this.atLineStart = raw[raw.length - 1] === 0x0a;
  }

  private open(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    this.fd = openSync(this.path, 'a', 0o644);
    this.size = fstatSync(this.fd).size;
    this.atLineStart = this.size === 0 || this.lastByte() === 0x0a;
    pruneRotated(this.path, this.settings.keep);
  }

  private lastByte(): number {
    const reader = openSync(this.path, 'r');
    try {
      const one = Buffer.alloc(1);
      readSync(reader, one, 0, 1, this.size - 1);
      return one[0];
    } finally {
      closeSync(reader);
    }
  }

  private rotate(): void {
    this.close();
    shiftLogFiles(this.path, this.settings.keep);
    this.open();
  }
}
