// The idle timer: the daemon exits once no service has run and no client has been connected for
// a given time. Driven by a Clock, so a test can advance time instead of waiting for it.
import type { Clock, Timer } from '../clock.js';

export interface IdleOptions {
  clock: Clock;
  /** how long the daemon must be idle; 0 or less: never */
  ms: number;
  /** whether some service is running (or about to) */
  busy: () => boolean;
  /** called once, `ms` after the last service and the last client went away */
  onIdle: () => void;
}

export class IdleTimer {
  private readonly opts: IdleOptions;
  private clients = 0;
  private timer: Timer | null = null;
  private done = false;

  constructor(opts: IdleOptions) {
    this.opts = opts;
  }

  /** A client connected. */
  clientConnected(): void {
    this.clients += 1;
    this.check();
  }

  /** A client's connection closed. */
  clientGone(): void {
    this.clients = Math.max(0, this.clients - 1);
    this.check();
  }

  /** Arms the timer when idle, disarms it when not; call after every change of any service. */
  check(): void {
    if (this.done || this.opts.ms <= 0) return;
    if (!this.idle()) {
      this.timer?.cancel();
      this.timer = null;
      return;
    }
    if (this.timer) return;
    this.timer = this.opts.clock.after(this.opts.ms, () => {
      this.timer = null;
      if (this.done || !this.idle()) return;
      this.done = true;
      this.opts.onIdle();
    });
  }

  /** Disarms the timer for good (the daemon is stopping for another reason). */
  cancel(): void {
    this.done = true;
    this.timer?.cancel();
    this.timer = null;
  }

  private idle(): boolean {
    return this.clients === 0 && !this.opts.busy();
  }
}
