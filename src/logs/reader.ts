// Reading logs back: the last N lines, or the lines since a time, across `X.log.KEEP` ..
// `X.log.1`, `X.log` (oldest to newest). Files are read by name; a rotation that happens
// during a read can make it miss or repeat the lines of one file. Follow streams read by
// position instead (tailStart, sinceStart, replayLines): each file found by its identity, each
// line with the place after it.
import { existsSync } from 'node:fs';
import { type FileHandle, open, readFile } from 'node:fs/promises';
import { parseTimestamp, TIMESTAMP_PREFIX_BYTES } from './format.js';
import { type FileIdentity, identityOf, type LogFileState, type LogPoint, sameFile } from './position.js';
import { rotatedPath } from './rotate.js';

const NEWLINE = 0x0a;
const BLOCK_BYTES = 64 * 1024;

/** The log files that exist, oldest first (gaps in the numbering are skipped). */
export function logFiles(logPath: string, keep: number): string[] {
  const out: string[] = [];
  for (let i = keep; i >= 0; i--) {
    const path = rotatedPath(logPath, i);
    if (existsSync(path)) out.push(path);
  }
  return out;
}

function missing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === 'ENOENT';
}

function countNewlines(buf: Buffer): number {
  let count = 0;
  let i = buf.indexOf(NEWLINE);
  while (i >= 0) {
    count++;
    i = buf.indexOf(NEWLINE, i + 1);
  }
  return count;
}

/** Splits text into lines; a final '\n' ends the last line (it does not start an empty one). */
function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The last `lines` lines across the rotated files, oldest first (a partial last line included).
 * With `newestBytes`, only that much of the newest file counts (what was there when following began).
 */
export async function readTail(
  logPath: string,
  keep: number,
  lines: number,
  opts: { newestBytes?: number } = {},
): Promise<string[]> {
  if (lines <= 0) return [];
  const blocks: Buffer[] = []; // newest first
  let newlines = 0;
  // lines + 1 newlines before the end guarantee the earliest wanted line is whole
  const enough = (): boolean => newlines > lines;
  const files = logFiles(logPath, keep).reverse();
  for (const path of files) {
    if (enough()) break;
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(path, 'r');
    } catch (e) {
      if (missing(e)) continue;
      throw e;
    }
    try {
      let pos = (await handle.stat()).size;
      if (path === logPath && opts.newestBytes !== undefined) pos = Math.min(pos, opts.newestBytes);
      while (pos > 0 && !enough()) {
        const len = Math.min(BLOCK_BYTES, pos);
        pos -= len;
        const block = Buffer.allocUnsafe(len);
        const { bytesRead } = await handle.read(block, 0, len, pos);
        const got = block.subarray(0, bytesRead);
        blocks.push(got);
        newlines += countNewlines(got);
      }
    } finally {
      await handle.close();
    }
  }
  const all = splitLines(Buffer.concat(blocks.reverse()).toString('utf8'));
  return all.slice(Math.max(0, all.length - lines));
}

async function firstLineTime(path: string): Promise<number | null> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    if (missing(e)) return null;
    throw e;
  }
  try {
    const head = Buffer.alloc(TIMESTAMP_PREFIX_BYTES + 8);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return parseTimestamp(head.subarray(0, bytesRead).toString('latin1'));
  } finally {
    await handle.close();
  }
}

/**
 * Lines stamped at or after `sinceMs` (ms since the epoch), oldest first; with `limit`, only the
 * last `limit` of them. Meaningful for logs written with timestamps. A line without a stamp
 * takes the time of the closest stamped line before it; a line with no stamped line before it
 * (a log written without timestamps) has no known time and is always included: without
 * timestamps, every line comes back.
 */
export async function linesSince(
  logPath: string,
  keep: number,
  sinceMs: number,
  opts: { limit?: number; newestBytes?: number } = {},
): Promise<string[]> {
  const files = logFiles(logPath, keep);
  // Skip the older files wholesale: start at the newest file that begins before `sinceMs`.
  let start = 0;
  for (let i = files.length - 1; i >= 0; i--) {
    const t = await firstLineTime(files[i]);
    if (t !== null && t < sinceMs) {
      start = i;
      break;
    }
  }
  const out: string[] = [];
  let time: number | null = null;
  for (const path of files.slice(start)) {
    let text: string;
    try {
      const bytes = await readFile(path);
      const upTo = path === logPath && opts.newestBytes !== undefined ? opts.newestBytes : bytes.length;
      text = bytes.subarray(0, upTo).toString('utf8');
    } catch (e) {
      if (missing(e)) continue;
      throw e;
    }
    for (const line of splitLines(text)) {
      time = parseTimestamp(line) ?? time;
      if (time === null || time >= sinceMs) out.push(line);
    }
    if (opts.limit !== undefined && out.length > opts.limit) out.splice(0, out.length - opts.limit);
  }
  return opts.limit === undefined ? out : out.slice(Math.max(0, out.length - opts.limit));
}

/** Where a replay starts: a file of the list (by index) and a byte offset in it. */
export interface ReplayStart {
  index: number;
  offset: number;
}

/** Reads up to `len` bytes of the file at `pos`. */
async function readAt(handle: FileHandle, pos: number, len: number): Promise<Buffer> {
  const block = Buffer.allocUnsafe(len);
  const { bytesRead } = await handle.read(block, 0, len, pos);
  return block.subarray(0, bytesRead);
}

/** The file `file` names, found by its identity wherever rotations moved it; null when no longer kept. */
async function openState(logPath: string, keep: number, file: FileIdentity): Promise<FileHandle | null> {
  for (let i = 0; i <= keep; i++) {
    let handle: FileHandle;
    try {
      handle = await open(rotatedPath(logPath, i), 'r');
    } catch {
      continue;
    }
    if (sameFile(identityOf(await handle.stat()), file)) return handle;
    await handle.close();
  }
  return null;
}

/**
 * Where the last `lines` lines of `files` (oldest first, each up to its recorded size) begin;
 * a partial last line counts as a line.
 */
export async function tailStart(
  logPath: string,
  keep: number,
  files: readonly LogFileState[],
  lines: number,
): Promise<ReplayStart> {
  if (files.length === 0) return { index: 0, offset: 0 };
  if (lines <= 0) return { index: files.length - 1, offset: files[files.length - 1].size };
  let need = lines;
  let atEnd = true; // the last byte of all: a '\n' there ends the last line, it starts none
  for (let k = files.length - 1; k >= 0; k--) {
    const handle = await openState(logPath, keep, files[k]);
    if (!handle) continue;
    try {
      let pos = Math.min(files[k].size, (await handle.stat()).size);
      while (pos > 0) {
        const len = Math.min(BLOCK_BYTES, pos);
        pos -= len;
        const block = await readAt(handle, pos, len);
        let j = block.length;
        if (atEnd && j > 0) {
          atEnd = false;
          if (block[j - 1] === NEWLINE) j--;
        }
        // the newline before `end`; a negative start would make lastIndexOf search from the end again
        const before = (end: number): number => (end > 0 ? block.lastIndexOf(NEWLINE, end - 1) : -1);
        for (j = before(j); j >= 0; j = before(j)) {
          if (--need === 0) return { index: k, offset: pos + j + 1 };
        }
      }
    } finally {
      await handle.close();
    }
  }
  return { index: 0, offset: 0 };
}

/**
 * Calls `onLine` with every line of `files` from `start` on, oldest first, each with the place
 * just after it; a partial last line of a file ends at the file's recorded size. `pace` is
 * awaited after each block read (back-pressure); false from it stops the replay (the reader
 * went away): replayLines then resolves to false. A file rotated away meanwhile is skipped.
 */
export async function replayLines(
  logPath: string,
  keep: number,
  files: readonly LogFileState[],
  start: ReplayStart,
  onLine: (line: string, at: LogPoint) => void,
  pace: () => Promise<boolean> = async () => true,
): Promise<boolean> {
  for (let k = start.index; k < files.length; k++) {
    const file = files[k];
    const handle = await openState(logPath, keep, file);
    if (!handle) continue;
    try {
      let pos = k === start.index ? start.offset : 0;
      let rest: Buffer = Buffer.alloc(0);
      while (pos < file.size) {
        const block = await readAt(handle, pos, Math.min(BLOCK_BYTES, file.size - pos));
        if (block.length === 0) break;
        pos += block.length;
        const bytes = rest.length === 0 ? block : Buffer.concat([rest, block]);
        const base = pos - bytes.length; // the file offset of bytes[0]
        let from = 0;
        for (let nl = bytes.indexOf(NEWLINE); nl >= 0; nl = bytes.indexOf(NEWLINE, from)) {
          onLine(bytes.subarray(from, nl).toString('utf8'), { ...file, offset: base + nl + 1 });
          from = nl + 1;
        }
        rest = bytes.subarray(from);
        if (!(await pace())) return false;
      }
      if (rest.length > 0) onLine(rest.toString('utf8'), { ino: file.ino, btime: file.btime, offset: pos });
    } finally {
      await handle.close();
    }
  }
  return true;
}

/**
 * Where the lines stamped at or after `sinceMs` begin (the last `limit` of them, when given),
 * by the rules of linesSince: a line takes the time of the closest stamped line before it, and
 * one with no stamped line before it counts as recent.
 */
export async function sinceStart(
  logPath: string,
  keep: number,
  files: readonly LogFileState[],
  sinceMs: number,
  limit?: number,
): Promise<ReplayStart> {
  // start at the newest file that begins before `sinceMs`
  let first = 0;
  for (let i = files.length - 1; i >= 0; i--) {
    const handle = await openState(logPath, keep, files[i]);
    if (!handle) continue;
    let t: number | null;
    try {
      t = parseTimestamp((await readAt(handle, 0, TIMESTAMP_PREFIX_BYTES + 8)).toString('latin1'));
    } finally {
      await handle.close();
    }
    if (t !== null && t < sinceMs) {
      first = i;
      break;
    }
  }
  const starts: ReplayStart[] = []; // of the lines included, the last `limit` (or the first)
  let time: number | null = null;
  let index = first;
  let lineStart = 0;
  const idents = files.map((f) => `${f.ino}.${f.btime}`);
  await replayLines(logPath, keep, files, { index: first, offset: 0 }, (line, at) => {
    const k = idents.indexOf(`${at.ino}.${at.btime}`);
    if (k !== index) {
      index = k;
      lineStart = 0;
    }
    time = parseTimestamp(line) ?? time;
    if (time === null || time >= sinceMs) {
      if (limit === undefined) {
        if (starts.length === 0) starts.push({ index, offset: lineStart });
      } else {
        starts.push({ index, offset: lineStart });
        if (starts.length > limit) starts.shift();
      }
    }
    lineStart = at.offset;
  });
  if (starts.length > 0) return starts[0];
  return {
    index: Math.max(0, files.length - 1),
    offset: files.length === 0 ? 0 : files[files.length - 1].size,
  };
}
