// A clock that moves only when a test says so: advance(ms) fires every timer that falls due, in
// order of due time (then of creation), each seeing now() at its own due time.
import type { Clock, Timer } from '../../src/clock.js';

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export class FakeClock implements Clock {
  private time: number;
  private seq = 0;
  private pending: Pending[] = [];

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  after(ms: number, fn: () => void): Timer {
    const entry: Pending = { at: this.time + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.pending.push(entry);
    return {
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }

  /** Moves time forward by `ms`, firing due timers in order (timers they set fire too if due). */
  advance(ms: number): void {
    const end = this.time + ms;
    while (this.fireNext(end));
    this.time = end;
  }

  /**
   * advance() for code that reacts through promises (the engine): before and after each timer,
   * every pending promise callback runs, so a timer armed by one of them fires in its turn.
   */
  async settle(ms: number): Promise<void> {
    const end = this.time + ms;
    await flushPromises();
    while (this.fireNext(end)) await flushPromises();
    this.time = end;
    await flushPromises();
  }

  /** Fires the first timer due by `end`, at its own time; false when none is. */
  private fireNext(end: number): boolean {
    this.pending = this.pending.filter((p) => !p.cancelled);
    const due = this.pending.filter((p) => p.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq);
    if (due.length === 0) return false;
    const next = due[0];
    this.pending = this.pending.filter((p) => p !== next);
    this.time = Math.max(this.time, next.at);
    next.fn();
    return true;
  }

  /** How many timers are armed and not cancelled. */
  get armed(): number {
    return this.pending.filter((p) => !p.cancelled).length;
  }
}

/** Lets every pending promise callback (and what it chains) run; a few turns of the check phase, no timer. */
export async function flushPromises(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
