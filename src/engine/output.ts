// Where a process's stdout and stderr go: the daemon's log channels, or `corral run`'s terminal.
import type { ChildProcess } from 'node:child_process';

export interface OutputTarget {
  /** the child's stdout and stderr: a file descriptor, or 'pipe' to attach later */
  stdout: number | 'pipe';
  stderr: number | 'pipe';
  /** called right after spawn (or a failed spawn): closes what the parent no longer needs */
  release(): void;
}

/** One process's output, as the engine sees it; implemented by the daemon and by `corral run`. */
export interface OutputRouter {
  prepare(key: OutputKey): OutputTarget;
  /** given the child when stdout/stderr were 'pipe' */
  attach(key: OutputKey, child: ChildProcess): void;
  /** reconnects the output of a process started by an earlier daemon */
  reattach(key: OutputKey): void;
  /** make sure everything the process wrote so far has reached its destination */
  flush(key: OutputKey): void;
  /** follow the process's output (the log readiness probe); returns an unsubscribe function */
  subscribe(key: OutputKey, onChunk: (chunk: Buffer) => void): () => void;
  /** the process is gone for good (removed from the config) */
  dispose(key: OutputKey): void;
}

export interface OutputKey {
  project: string;
  service: string;
  index: number;
  instances: number;
  logs: { timestamps: boolean; maxSizeBytes: number; keep: number };
}
