// Reading log files back: which numbered lines arrived, how often.
import { closeSync, openSync, readSync } from 'node:fs';

/** Calls `onLine(buffer, start, end)` for every complete line of `file` (end excludes the '\n'). */
export function eachLine(file, onLine) {
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(4 * 1024 * 1024);
  let carry = Buffer.alloc(0);
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const data = carry.length > 0 ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n);
      let from = 0;
      for (let nl = data.indexOf(10, from); nl >= 0; nl = data.indexOf(10, from)) {
        onLine(data, from, nl);
        from = nl + 1;
      }
      carry = Buffer.from(data.subarray(from));
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks a file written by writer.mjs: every line 1..expected present once and well-formed
 * (each after a prefix of `prefix` bytes, a timestamp, when the supervisor adds one).
 * Returns { lost, duplicated, malformed }.
 */
export function checkWriterLines(file, expected, prefix = 0) {
  const seen = new Uint8Array(expected + 1);
  let malformed = 0;
  let duplicated = 0;
  eachLine(file, (b, lineStart, end) => {
    const start = lineStart + prefix;
    const seq =
      end - start === 99 && b[start + 10] === 0x20 ? Number(b.toString('latin1', start, start + 10)) : NaN;
    if (!(seq >= 1 && seq <= expected)) malformed++;
    else if (seen[seq]++ > 0) duplicated++;
  });
  let lost = 0;
  for (let i = 1; i <= expected; i++) if (seen[i] === 0) lost++;
  return { lost, duplicated, malformed };
}

/** Lines "NAME PID SEQ" of a ticker's log: Map "NAME PID" -> Map seq -> count. */
export function tickerLines(file) {
  const out = new Map();
  eachLine(file, (b, start, end) => {
    const m = /^(\S+) (\d+) (\d+)$/.exec(b.toString('latin1', start, end));
    if (!m) return;
    const key = `${m[1]} ${m[2]}`;
    if (!out.has(key)) out.set(key, new Map());
    const seqs = out.get(key);
    seqs.set(Number(m[3]), (seqs.get(Number(m[3])) ?? 0) + 1);
  });
  return out;
}
