// Timestamp prefixes: `2026-11-23T20:40:30.123Z ` (ISO 8601, UTC, milliseconds, then a space)
// at the start of every line of a log written with `logs.timestamps: true`.

const NEWLINE = 0x0a;

/** Bytes of the prefix for years 0000-9999. */
export const TIMESTAMP_PREFIX_BYTES = 25;

export function timestampPrefix(ms: number): Buffer {
  return Buffer.from(`${new Date(ms).toISOString()} `, 'latin1');
}

let newlineScratch = new Int32Array(4096);
let stampScratch = Buffer.allocUnsafe(0);

/** Offsets of every '\n' in `buf`, in ascending order; valid until the next call. */
export function newlineOffsets(buf: Buffer): Int32Array {
  let count = 0;
  let nl = buf.indexOf(NEWLINE);
  while (nl >= 0) {
    if (count === newlineScratch.length) {
      const bigger = new Int32Array(count * 2);
      bigger.set(newlineScratch);
      newlineScratch = bigger;
    }
    newlineScratch[count++] = nl;
    nl = buf.indexOf(NEWLINE, nl + 1);
  }
  return newlineScratch.subarray(0, count);
}

/** The ascending newline `offsets` of a chunk that fall in its first `take` bytes. */
export function newlinesBelow(offsets: Int32Array, take: number): Int32Array {
  let lo = 0;
  let hi = offsets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (offsets[mid] < take) lo = mid + 1;
    else hi = mid;
  }
  return lo === offsets.length ? offsets : offsets.subarray(0, lo);
}

/** How many line starts `raw` holds, given whether the byte before it ended a line. */
export function countLineStarts(length: number, newlines: Int32Array, atLineStart: boolean): number {
  if (length === 0) return 0;
  const trailing = newlines.length > 0 && newlines[newlines.length - 1] === length - 1 ? 1 : 0;
  return (atLineStart ? 1 : 0) + newlines.length - trailing;
}

/**
 * `raw` with `prefix` inserted at each line start. A line start is the first byte when
 * `atLineStart`, and every byte after a '\n' within `raw`; a trailing '\n' gets its prefix
 * only when the next byte comes (in a later chunk), so a prefix always carries the time its
 * line began to arrive. `newlines` are the offsets of the '\n' in `raw` (newlineOffsets).
 * The result is a view of a buffer reused by the next call: write it out, or copy it.
 */
export function stampLines(
  raw: Buffer,
  atLineStart: boolean,
  prefix: Buffer,
  newlines: Int32Array = newlineOffsets(raw),
): Buffer {
  const starts = countLineStarts(raw.length, newlines, atLineStart);
  if (starts === 0) return raw;
  const p = prefix.length;
  const size = raw.length + starts * p;
  // One buffer holds the result, then a copy of `raw`, then the prefix: every piece is then
  // moved with copyWithin, which allocates nothing (a copy between two buffers makes a view
  // per line, and the garbage collector pays for it).
  const need = size + raw.length + p;
  if (stampScratch.length < need) stampScratch = Buffer.allocUnsafe(Math.max(need, stampScratch.length * 2));
  const b = stampScratch;
  const rawAt = size;
  const prefixAt = size + raw.length;
  raw.copy(b, rawAt);
  prefix.copy(b, prefixAt);
  let o = 0;
  let i = 0;
  if (atLineStart) {
    b.copyWithin(o, prefixAt, prefixAt + p);
    o += p;
  }
  for (let j = 0; j < newlines.length; j++) {
    const end = newlines[j] + 1;
    b.copyWithin(o, rawAt + i, rawAt + end);
    o += end - i;
    i = end;
    if (i < raw.length) {
      b.copyWithin(o, prefixAt, prefixAt + p);
      o += p;
    }
  }
  if (i < raw.length) b.copyWithin(o, rawAt + i, rawAt + raw.length);
  return b.subarray(0, size);
}

/** The time (ms since the epoch) of a line written with a timestamp prefix, else null. */
export function parseTimestamp(line: string): number | null {
  if (line.length < TIMESTAMP_PREFIX_BYTES) return null;
  if (line[4] !== '-' || line[10] !== 'T' || line[23] !== 'Z' || line[24] !== ' ') return null;
  const ms = Date.parse(line.slice(0, 24));
  return Number.isNaN(ms) ? null : ms;
}

/** A line without its timestamp prefix (unchanged when it has none). */
export function stripTimestamp(line: string): string {
  return parseTimestamp(line) === null ? line : line.slice(TIMESTAMP_PREFIX_BYTES);
}
