// Bytes written to log files by this process, counted by the log channels as they write; the
// daemon's corral_log_written_bytes_total. A plain counter: no timer, no I/O.

let written = 0;

/** Counts `bytes` more written to a log file. */
export function countLogBytes(bytes: number): void {
  written += bytes;
}

/** Bytes written to log files since this process started. */
export function logBytesWritten(): number {
  return written;
}
