// Positions in a process's logs, for follow streams that resume: a log file is named by its
// identity (inode and birth time, which a rename keeps and a reused inode does not), a place in
// it by a byte offset. A stream's id is the position of every process it follows, so a client
// that reconnects with it gets exactly the bytes after each (docs/logs.md, "Resuming a follow").
import { type Stats, statSync } from 'node:fs';
import { rotatedPath } from './rotate.js';

/** Which file: its inode and birth time (in µs; 0 where the file system keeps none). */
export interface FileIdentity {
  ino: number;
  btime: number;
}

/** A place in a log: the file and the byte offset just after what was already sent. */
export interface LogPoint extends FileIdentity {
  offset: number;
}

/** One file of a log as it is when a follow begins. */
export interface LogFileState extends FileIdentity {
  /** how much of it counts: the live file's size when the follow began, a rotated file's size */
  size: number;
}

/** The identity of a file from its stat. */
export function identityOf(st: Stats): FileIdentity {
  return { ino: st.ino, btime: Math.round(st.birthtimeMs * 1000) };
}

/** Whether two identities name the same file. */
export function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.ino === b.ino && a.btime === b.btime;
}

/** The files of a log that exist now, oldest first (`X.log.KEEP` .. `X.log`), with their sizes. */
export function logFileStates(logPath: string, keep: number): LogFileState[] {
  const out: LogFileState[] = [];
  for (let i = keep; i >= 0; i--) {
    try {
      const st = statSync(rotatedPath(logPath, i));
      out.push({ ...identityOf(st), size: st.size });
    } catch {
      // not there (a gap in the numbering, or no log yet)
    }
  }
  return out;
}

/** Numbers in ids are base 36: short, and free of the separators. */
const num = (n: number): string => n.toString(36);

/**
 * The id of a follow stream's entry: `NAME@INO.BTIME.OFFSET` for each process it follows
 * (`NAME@-` for one with no log file yet), joined by commas.
 */
export function formatLogId(points: ReadonlyMap<string, LogPoint | null>): string {
  const parts: string[] = [];
  for (const [name, p] of points) {
    parts.push(p === null ? `${name}@-` : `${name}@${num(p.ino)}.${num(p.btime)}.${num(p.offset)}`);
  }
  return parts.join(',');
}

/** The positions an id names, by process name; null when it is not an id of a log stream. */
export function parseLogId(id: string): Map<string, LogPoint | null> | null {
  const out = new Map<string, LogPoint | null>();
  if (id === '') return null;
  for (const part of id.split(',')) {
    const at = part.lastIndexOf('@');
    if (at <= 0) return null;
    const name = part.slice(0, at);
    const where = part.slice(at + 1);
    if (where === '-') {
      out.set(name, null);
      continue;
    }
    const m = /^([0-9a-z]{1,11})\.([0-9a-z]{1,11})\.([0-9a-z]{1,11})$/.exec(where);
    if (!m) return null;
    const [ino, btime, offset] = [m[1], m[2], m[3]].map((s) => Number.parseInt(s, 36));
    if (![ino, btime, offset].every(Number.isSafeInteger)) return null;
    out.set(name, { ino, btime, offset });
  }
  return out;
}
