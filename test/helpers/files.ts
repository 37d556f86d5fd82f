// Looking at files a test waits on.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Whether the file at `path` ends with `suffix` (read from its end only). */
export function endsWith(path: string, suffix: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const size = fstatSync(fd).size;
    const want = Buffer.from(suffix);
    if (size < want.length) return false;
    const got = Buffer.alloc(want.length);
    readSync(fd, got, 0, want.length, size - want.length);
    return got.equals(want);
  } finally {
    closeSync(fd);
  }
}
