// The one place CPU and memory of services are sampled for readers: `ps` and GET /v1/services,
// GET /metrics and the usage stream (GET /v1/usage) all ask here, so they show the same figures.
//
// Nothing is sampled while nobody looks: no timer runs while no client follows the usage stream
// (an idle daemon wakes up 0 times). A request (`ps`, a scrape) samples once, and that sample
// answers every request in the next `reuseMs`. While at least one client follows the stream, one
// timer samples every `intervalMs` and sends the figures to every follower; requests meanwhile get
// those same figures (a sample up to `intervalMs` old). The last follower gone, the timer stops.

import type { UsageReport } from '../api/schemas.js';
import type { Clock, Timer } from '../clock.js';
import type { Usage, UsageSampler } from '../process/usage.js';

/** One process in a usage report (the usage stream's contract: name, pid, cpu, memory). */
type UsageRow = UsageReport['processes'][number];

export interface UsageFeedOptions {
  sampler: UsageSampler;
  /** every process that has a pid now, by name */
  running(): Array<{ name: string; pid: number }>;
  clock: Clock;
  intervalMs: number;
  reuseMs: number;
}

export class UsageFeed {
  private readonly o: UsageFeedOptions;
  private readonly followers = new Set<(report: UsageReport) => void>();
  private timer: Timer | null = null;

  constructor(opts: UsageFeedOptions) {
    this.o = opts;
  }

  /** The figures of these pids' trees: a recent sample's when there is one, else a new one. */
  figures(pids: number[]): Map<number, Usage> {
    return this.o.sampler.sample(pids, this.followers.size > 0 ? this.o.intervalMs : this.o.reuseMs);
  }

  /** Every running process's figures, as one report. */
  report(): UsageReport {
    return this.build(this.followers.size > 0 ? this.o.intervalMs : this.o.reuseMs);
  }

  /**
   * Calls `send` with a report now and then every interval, until the returned function is
   * called. The first follower starts the timer, the last one to leave stops it.
   */
  follow(send: (report: UsageReport) => void): () => void {
    const first = this.followers.size === 0;
    this.followers.add(send);
    send(this.build(first ? this.o.reuseMs : this.o.intervalMs));
    if (first) this.schedule();
    return () => {
      this.followers.delete(send);
      if (this.followers.size === 0) {
        this.timer?.cancel();
        this.timer = null;
      }
    };
  }

  // The next tick: a new sample for every follower.
  private schedule(): void {
    this.timer = this.o.clock.after(this.o.intervalMs, () => {
      this.timer = null;
      if (this.followers.size === 0) return;
      const report = this.build(0);
      for (const send of [...this.followers]) send(report);
      if (this.followers.size > 0 && this.timer === null) this.schedule();
    });
  }

  // A report from a sample at most `maxAgeMs` old.
  private build(maxAgeMs: number): UsageReport {
    const running = this.o.running();
    const usage = this.o.sampler.sample(
      running.map((p) => p.pid),
      maxAgeMs,
    );
    const processes: UsageRow[] = [];
    for (const { name, pid } of running) {
      const u = usage.get(pid);
      if (u !== undefined) processes.push({ name, pid, cpu: u.cpuPercent, memory: u.rssBytes });
    }
    return { time: new Date(this.o.clock.now()).toISOString(), processes };
  }
}
