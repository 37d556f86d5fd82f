// Reading logs back: the last N lines, or the lines since a time, across `X.log.KEEP` ..
// `X.log.1`, `X.log` (oldest to newest). Files are read by name; a rotation that happens
// during a read can make it miss or repeat the lines of one file.
import { existsSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { parseTimestamp, TIMESTAMP_PREFIX_BYTES } from './format.js';
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
