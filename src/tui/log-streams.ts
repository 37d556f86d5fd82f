// The log streams `top` follows: the selected process's, and those of the few it showed last
// (so moving back and forth costs no new read); each process keeps its history when its stream
// is closed. A stream opened again starts from the log's tail, which replaces what was kept; a
// reconnect after the daemon went away resumes where it stopped (Last-Event-ID): no line twice.
import type { FollowOptions } from '../client/client.js';
import { LogHistory } from './log-history.js';

/** The follow of the daemon's client. */
export type FollowFn = (
  path: string,
  onEvent: (event: string, data: unknown) => void,
  opts: FollowOptions,
) => Promise<void>;

export interface LogStreamsOptions {
  follow: FollowFn;
  /** lines of the log's end a stream starts with */
  tailLines: number;
  /** lines kept per process */
  keptLines: number;
  /** streams kept open besides the shown one */
  streamsKept: number;
  /** lines came (or the stream's state changed) for process `name` */
  onChange(name: string): void;
}

interface Stream {
  history: LogHistory;
  abort: AbortController | null;
  usedAt: number;
}

export class LogStreams {
  private readonly o: LogStreamsOptions;
  private readonly streams = new Map<string, Stream>();
  private clock = 0;

  constructor(opts: LogStreamsOptions) {
    this.o = opts;
  }

  /** The history of `name`, its stream opened if it is not open. */
  show(name: string): LogHistory {
    let s = this.streams.get(name);
    if (!s) {
      s = { history: new LogHistory(this.o.keptLines), abort: null, usedAt: 0 };
      this.streams.set(name, s);
    }
    s.usedAt = ++this.clock;
    if (!s.abort) this.open(name, s);
    this.closeOld();
    return s.history;
  }

  /** The history of `name` if any was kept. */
  history(name: string): LogHistory | undefined {
    return this.streams.get(name)?.history;
  }

  /** Closes every stream (the histories stay). */
  close(): void {
    for (const s of this.streams.values()) {
      s.abort?.abort();
      s.abort = null;
    }
  }

  // Follows one process's log: its tail first (which replaces what was kept), then live chunks.
  private open(name: string, s: Stream): void {
    const abort = new AbortController();
    s.abort = abort;
    let fresh = true;
    const h = s.history;
    h.state = '';
    const path = `/v1/services/${encodeURIComponent(name)}/logs?tail=${this.o.tailLines}&follow=1`;
    this.o
      .follow(
        path,
        (event, data) => {
          const d = data as { line?: string; text?: string; reason?: string };
          if (event === 'line') {
            if (fresh) h.clear();
            fresh = false;
            h.addLine(d.line ?? '');
          } else if (event === 'chunk') {
            // no tail came first (an empty log): what was kept stays, the new lines follow it
            fresh = false;
            h.addText(d.text ?? '');
          } else if (event === 'reset') {
            fresh = true;
          }
          this.o.onChange(name);
        },
        {
          signal: abort.signal,
          onDrop: () => {
            h.state = 'reconnecting';
            this.o.onChange(name);
          },
          onBack: () => {
            h.state = '';
            this.o.onChange(name);
          },
        },
      )
      .then(
        () => {
          if (abort.signal.aborted) return;
          h.state = 'closed';
        },
        (e: unknown) => {
          h.state = `closed: ${e instanceof Error ? e.message : String(e)}`;
        },
      )
      .finally(() => {
        if (s.abort === abort) s.abort = null;
        this.o.onChange(name);
      });
  }

  // Closes the streams of the processes not shown lately (their lines stay).
  private closeOld(): void {
    const open = [...this.streams.values()].filter((s) => s.abort !== null);
    open.sort((a, b) => b.usedAt - a.usedAt);
    for (const s of open.slice(1 + this.o.streamsKept)) {
      s.abort?.abort();
      s.abort = null;
    }
  }
}
