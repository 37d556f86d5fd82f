// Looking at a test's daemon from the test process: one request on the home's socket per look
// (GET /v1/services, GET /v1/events), not a Node start-up per look as `corral ps --json` costs.
// Waits re-check on every event the daemon reports (GET /v1/events?follow=1) and, for what no
// event announces (health, memory, a group's members), every FALLBACK_MS; always with a deadline.
// None of this starts a daemon: a test that needs one back runs the CLI, which does.
import { join } from 'node:path';
import type { CorralEvent } from '../../src/api/schemas.js';
import { CorralClient } from '../../src/client/client.js';

/** What a look needs: the environment the test runs the CLI with (its CORRAL_HOME). */
export interface DaemonHome {
  env: NodeJS.ProcessEnv;
}

/** One row of GET /v1/services (the rows `corral ps --json` prints). */
export type ServiceRow = Record<string, unknown> & {
  name: string;
  state: string;
  pid: number | null;
  restarts: number;
};

/** One event of GET /v1/events (a line of events.jsonl), as the wire contract has it. */
export type DaemonEvent = CorralEvent;

/** ms between looks when no event comes: the upper bound on how late a wait sees a change. */
const FALLBACK_MS = 200;

/** A client of the daemon of `c`'s home; it never starts one. */
export function clientOf(c: DaemonHome): CorralClient {
  const home = c.env.CORRAL_HOME;
  if (home === undefined) throw new Error('no CORRAL_HOME in the test environment');
  return new CorralClient(join(home, 'corral.sock'));
}

/** Every process the daemon knows, as GET /v1/services reports it. */
export function services(c: DaemonHome): Promise<ServiceRow[]> {
  return clientOf(c).services() as unknown as Promise<ServiceRow[]>;
}

/** Every event in the daemon's journal, oldest first; only those of `service` when given. */
export async function daemonEvents(c: DaemonHome, service?: string): Promise<DaemonEvent[]> {
  const list = (await clientOf(c).events()) as unknown as DaemonEvent[];
  return service === undefined ? list : list.filter((e) => e.service === service);
}

// Wakes a waiter on each event of a follow stream; the stream is (re)opened by next() only, so a
// daemon that is down costs one failed connect per look, never a busy loop.
class EventWake {
  private readonly client: CorralClient;
  private readonly abort = new AbortController();
  private since: string;
  private open = false;
  private dirty = false;
  private wake: (() => void) | null = null;

  constructor(client: CorralClient, since: string) {
    this.client = client;
    this.since = since;
  }

  /** Resolves on the next event (or at once if one came since the last call), or after `ms`. */
  next(ms: number): Promise<void> {
    this.connect();
    if (this.dirty) {
      this.dirty = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        this.dirty = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  close(): void {
    this.abort.abort();
    this.wake?.();
  }

  // Follows the journal from `since` (a replayed event costs one extra look, a missed one a wait).
  private connect(): void {
    if (this.open || this.abort.signal.aborted) return;
    this.open = true;
    const path = `/v1/events?follow=1&since=${encodeURIComponent(this.since)}`;
    this.client
      .stream(
        path,
        (_name, data) => {
          this.since = (data as DaemonEvent).time;
          this.dirty = true;
          this.wake?.();
        },
        this.abort.signal,
      )
      .catch(() => {
        // the daemon is down or went away: the fallback looks go on, the next call reconnects
      })
      .finally(() => {
        this.open = false;
      });
  }
}

/**
 * Resolves with the first truthy value of `check`, looking again on every daemon event and at
 * least every FALLBACK_MS; rejects once `timeout` ms have passed, with the last error seen.
 */
export async function waitUntil<T>(
  c: DaemonHome,
  check: () => T | Promise<T>,
  { timeout = 15_000, what = 'condition' }: { timeout?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  const wake = new EventWake(clientOf(c), new Date().toISOString());
  let lastError: unknown;
  try {
    for (;;) {
      try {
        const value = await check();
        if (value) return value as NonNullable<T>;
      } catch (e) {
        lastError = e;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
        throw new Error(`timed out after ${timeout} ms waiting for ${what}${cause}`);
      }
      await wake.next(Math.min(FALLBACK_MS, left));
    }
  } finally {
    wake.close();
  }
}

/** Waits until the daemon reports a row that satisfies `match`, and returns it. */
export function waitForRow(
  c: DaemonHome,
  match: (row: ServiceRow) => boolean,
  opts: { timeout?: number; what?: string } = {},
): Promise<ServiceRow> {
  return waitUntil(c, async () => (await services(c)).find(match), opts);
}

/** Waits until the journal holds an event that satisfies `match`, and returns it. */
export function waitForEvent(
  c: DaemonHome,
  match: (e: DaemonEvent) => boolean,
  opts: { timeout?: number; what?: string } = {},
): Promise<DaemonEvent> {
  return waitUntil(c, async () => (await daemonEvents(c)).find(match), opts);
}
