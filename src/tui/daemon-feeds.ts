// The streams that keep `top` live: the event stream (the feed, and the processes each event
// names read again) and the usage stream (CPU and memory). While the daemon is away the title
// says so; the client's follow reconnects and resumes (Last-Event-ID), and once the daemon
// answers again every process is read again and its pid taken (it may be a new daemon).
import type { CorralEvent, UsageReport } from '../api/schemas.js';
import type { CorralClient } from '../client/client.js';
import type { EventFeed } from './event-feed.js';
import type { ProcessStore } from './process-store.js';
import type { UiState } from './ui-state.js';

export interface DaemonFeedsOptions {
  client: CorralClient;
  store: ProcessStore;
  feed: EventFeed;
  /** where `lost` and `daemonPid` are kept */
  ui: UiState;
  /** how far back the feed reads the journal at the start (5m, 1h) */
  eventsSince: string;
  /** ms between tries when a stream cannot connect at all */
  retryMs: number;
  /** something on screen changed */
  changed(): void;
}

export class DaemonFeeds {
  private readonly o: DaemonFeedsOptions;
  private readonly abort = new AbortController();

  constructor(opts: DaemonFeedsOptions) {
    this.o = opts;
  }

  /** Follows both streams until close(). */
  start(): void {
    this.followEvents();
    this.followUsage();
  }

  /** Ends both streams. */
  close(): void {
    this.abort.abort();
  }

  // The event stream: the feed, and the processes each event names read again.
  private followEvents(): void {
    const openedAt = Date.now();
    this.keepFollowing(
      `/v1/events?follow=1&since=${encodeURIComponent(this.o.eventsSince)}`,
      (event, data) => {
        if (event === 'reset') {
          this.o.feed.clear();
          this.o.store.refreshAll();
          return;
        }
        if (event !== 'event') return;
        const e = data as CorralEvent;
        this.o.feed.add(e);
        // what happened before top opened is in the list it read
        if (Date.parse(e.time) < openedAt - 1000) return this.o.changed();
        if (e.type === 'daemon-started' && e.pid !== this.o.ui.daemonPid) {
          this.o.ui.daemonPid = e.pid;
          this.o.store.refreshAll();
        } else {
          this.o.store.onEvent(e);
        }
        this.o.changed();
      },
    );
  }

  // The daemon answers again: its pid (maybe a new daemon's), and every process read again.
  private reconnected(): void {
    this.o.client.health().then(
      (h) => {
        this.o.ui.daemonPid = h.pid;
      },
      () => {},
    );
    this.o.store.refreshAll();
  }

  // The usage stream: CPU and memory every few seconds.
  private followUsage(): void {
    this.keepFollowing('/v1/usage?follow=1', (event, data) => {
      if (event === 'usage') this.o.store.applyUsage(data as UsageReport);
    });
  }

  // Follows a stream until top ends: the client reconnects after a drop; a failure to connect
  // again (no daemon yet) is tried again, the daemon said lost meanwhile.
  private keepFollowing(path: string, onEvent: (event: string, data: unknown) => void): void {
    const { client } = this.o;
    const signal = this.abort.signal;
    const lost = (reason: string): void => {
      if (this.o.ui.lost === null) this.o.ui.lost = reason;
      this.o.changed();
    };
    const back = (): void => {
      if (this.o.ui.lost === null) return;
      this.o.ui.lost = null;
      this.reconnected();
      this.o.changed();
    };
    const loop = async (): Promise<void> => {
      while (!signal.aborted) {
        try {
          await client.follow(
            path,
            (event, data) => {
              back();
              onEvent(event, data);
            },
            { signal, onDrop: lost, onBack: back },
          );
        } catch (e) {
          if (signal.aborted) return;
          lost(errorWords(e));
          await new Promise((r) => setTimeout(r, this.o.retryMs));
        }
      }
    };
    void loop();
  }
}

/** An error as words for the last row. */
export function errorWords(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
