// Size-based, line-safe rotation: `X.log` is the live file, `X.log.1` the newest rotated one,
// `X.log.KEEP` the oldest kept. A line is never split across two files.
import { readdirSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { countLineStarts, newlineOffsets } from './format.js';

const NEWLINE = 0x0a;

/** What to do with the bytes waiting in the pipe, given the live file's state. */
export interface WritePlan {
  /** rotate before writing anything (the file is full and ends at a line end) */
  rotateFirst: boolean;
  /** how many of the pending bytes go to the live file now */
  take: number;
  /** rotate once those bytes are written */
  rotateAfter: boolean;
}

export interface FileState {
  /** bytes in the live file */
  size: number;
  /** the live file is empty or ends with '\n' */
  atLineStart: boolean;
}

const ALL = (n: number): WritePlan => ({ rotateFirst: false, take: n, rotateAfter: false });

/**
 * Decides how much of `pending` fits in the live file without splitting a line.
 * `prefixBytes` is the length of the timestamp prefix added at each line start (0 without).
 * - everything fits: take it all (a trailing partial line included);
 * - else take up to the last '\n' that fits, then rotate;
 * - no '\n' fits and the file ends at a line end: rotate first (unless the file is empty:
 *   a line longer than the limit on its own goes whole into one file);
 * - mid-line: finish the line even past the limit, then rotate.
 * `maxSizeBytes` <= 0 means no limit. `newlines` (offsets of the '\n' in `pending`) saves a
 * scan when the caller has them.
 */
export function planWrite(
  pending: Buffer,
  file: FileState,
  maxSizeBytes: number,
  prefixBytes = 0,
  newlines?: Int32Array,
): WritePlan {
  const n = pending.length;
  if (!(maxSizeBytes > 0) || n === 0) return ALL(n);
  const fit =
    prefixBytes === 0
      ? fitPlain(pending, file.size, maxSizeBytes)
      : fitStamped(n, newlines ?? newlineOffsets(pending), file, maxSizeBytes, prefixBytes);
  if (fit === n) return ALL(n);
  if (fit > 0) return { rotateFirst: false, take: fit, rotateAfter: true };
  if (file.atLineStart && file.size > 0) return { rotateFirst: true, take: 0, rotateAfter: false };
  const nl = pending.indexOf(NEWLINE);
  return nl < 0 ? ALL(n) : { rotateFirst: false, take: nl + 1, rotateAfter: true };
}

/** n when all of `pending` fits; else the end of the last whole line that fits (0: none). */
function fitPlain(pending: Buffer, size: number, max: number): number {
  if (size + pending.length <= max) return pending.length;
  const room = Math.min(max - size, pending.length);
  if (room <= 0) return 0;
  return pending.lastIndexOf(NEWLINE, room - 1) + 1;
}

/** The same as fitPlain, counting a prefix of `prefixBytes` at every line start. */
function fitStamped(
  n: number,
  newlines: Int32Array,
  file: FileState,
  max: number,
  prefixBytes: number,
): number {
  const first = file.atLineStart ? 1 : 0;
  if (file.size + n + prefixBytes * countLineStarts(n, newlines, file.atLineStart) <= max) return n;
  // The file size after the line ending at newlines[j] grows with j: binary search the last that fits.
  const sizeAfter = (j: number): number => file.size + newlines[j] + 1 + prefixBytes * (first + j);
  let lo = 0;
  let hi = newlines.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sizeAfter(mid) <= max) {
      best = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return best < 0 ? 0 : newlines[best] + 1;
}

/** `X.log.N`, or `X.log` for 0. */
export function rotatedPath(logPath: string, n: number): string {
  return n === 0 ? logPath : `${logPath}.${n}`;
}

function renameIfThere(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

function removeIfThere(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** The numbers N of the rotated files `X.log.N` that exist. */
function rotatedNumbers(logPath: string): number[] {
  const prefix = `${basename(logPath)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(logPath));
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const suffix = name.slice(prefix.length);
    if (/^[1-9]\d*$/.test(suffix)) out.push(Number(suffix));
  }
  return out;
}

/**
 * Shifts `X.log` -> `.1` -> ... -> `.keep` (dropping the oldest); with keep 0, removes `X.log`.
 * Each step is one atomic rename, done oldest first, so a crash part-way leaves at worst a
 * gap in the numbering (skipped by readers and closed by the next rotation), never lost lines.
 * The caller then opens a new `X.log`.
 */
export function shiftLogFiles(logPath: string, keep: number): void {
  const existing = rotatedNumbers(logPath).sort((a, b) => b - a);
  for (const n of existing) {
    if (n < keep) renameIfThere(rotatedPath(logPath, n), rotatedPath(logPath, n + 1));
  }
  if (keep > 0) renameIfThere(logPath, rotatedPath(logPath, 1));
  else removeIfThere(logPath);
  removeAbove(logPath, existing, keep);
}

/** Removes rotated files numbered above `keep` (left by a larger `keep` before). */
export function pruneRotated(logPath: string, keep: number): void {
  removeAbove(logPath, rotatedNumbers(logPath), keep);
}

function removeAbove(logPath: string, numbers: number[], keep: number): void {
  for (const n of numbers) {
    if (n <= keep) continue;
    try {
      unlinkSync(rotatedPath(logPath, n));
    } catch {
      // gone already, or not ours to remove: the next rotation tries again
    }
  }
}
