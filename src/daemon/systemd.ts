// systemd integration: the daemon's own NOTIFY_SOCKET and WATCHDOG_* (kept aside so no service
// inherits them), READY at start, STATUS on changes (coalesced to one per event-loop turn),
// STOPPING at shutdown, and the watchdog heartbeat. Every call is a no-op when systemd did not
// start the daemon.
import type { Clock, Timer } from '../clock.js';
import { sdNotify, watchdogIntervalMs } from '../process/sd-notify.js';

/** Variables of the daemon's own that no service should inherit. */
export const PRIVATE_ENV: readonly string[] = [
  'CORRAL_READY_FD',
  'NOTIFY_SOCKET',
  'LISTEN_FDS',
  'LISTEN_PID',
  'LISTEN_FDNAMES',
  'WATCHDOG_USEC',
  'WATCHDOG_PID',
];

const SYSTEMD_ENV = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'];

export class Systemd {
  private readonly env: NodeJS.ProcessEnv;
  private readonly clock: Clock;
  private statusPending = false;
  private stopping = false;
  private beat: Timer | null = null;

  private constructor(env: NodeJS.ProcessEnv, clock: Clock) {
    this.env = env;
    this.clock = clock;
  }

  /** Takes systemd's variables out of process.env (they are the daemon's alone) and keeps them. */
  static capture(clock: Clock, env: NodeJS.ProcessEnv = process.env): Systemd {
    const kept: NodeJS.ProcessEnv = {};
    for (const key of SYSTEMD_ENV) {
      kept[key] = env[key];
      delete env[key];
    }
    return new Systemd(kept, clock);
  }

  /** Whether systemd started the daemon with a notify socket. */
  get active(): boolean {
    return Boolean(this.env.NOTIFY_SOCKET);
  }

  /** READY=1 with the daemon's pid and a first status; starts the watchdog heartbeat if asked for. */
  ready(status: string): void {
    this.tell({ READY: '1', MAINPID: String(process.pid), STATUS: status });
    const ms = this.active ? watchdogIntervalMs(this.env) : null;
    if (ms === null) return;
    // a heartbeat systemd asked for; the event loop answering it is the thing being checked
    const beat = (): void => {
      this.tell({ WATCHDOG: '1' });
      this.beat = this.clock.after(ms, beat);
    };
    this.beat = this.clock.after(ms, beat);
  }

  /** STATUS=`status()`, once for however many changes happen in this event-loop turn. */
  statusChanged(status: () => string): void {
    if (!this.active || this.statusPending || this.stopping) return;
    this.statusPending = true;
    setImmediate(() => {
      this.statusPending = false;
      if (!this.stopping) this.tell({ STATUS: status() });
    });
  }

  /** STOPPING=1: no STATUS follows it. */
  stoppingNow(status: string): void {
    this.stopping = true;
    this.tell({ STOPPING: '1', STATUS: status });
  }

  /** Ends the watchdog heartbeat. */
  close(): void {
    this.beat?.cancel();
    this.beat = null;
  }

  private tell(fields: Record<string, string>): void {
    if (this.active) sdNotify(fields, this.env);
  }
}
