// The daemon's own metric families of GET /metrics: its build, and the standard process and
// Node.js series every Prometheus client library exports for the process it runs in (same names,
// so that existing dashboards and alerts apply), plus the bytes it wrote to log files.
import { type Family, family, sample } from './exposition.js';

/** What the daemon's families are made of. */
export interface DaemonFacts {
  version: string;
  /** how long a setImmediate took to run, measured during this scrape, seconds */
  eventLoopLagSeconds: number;
  logBytesWritten: number;
}

/** Every family about the daemon itself. */
export function daemonFamilies(facts: DaemonFacts): Family[] {
  const build = family(
    'corral_build_info',
    'gauge',
    'The version of corral and of Node.js the daemon runs: always 1.',
  );
  sample(build, { version: facts.version, node: process.versions.node }, 1);
  const rss = family('process_resident_memory_bytes', 'gauge', 'Resident memory of the daemon, bytes.');
  sample(rss, {}, process.memoryUsage.rss());
  const { user, system } = process.cpuUsage();
  const cpu = family(
    'process_cpu_seconds_total',
    'counter',
    'User and system CPU time of the daemon, seconds.',
  );
  sample(cpu, {}, (user + system) / 1e6);
  const start = family(
    'process_start_time_seconds',
    'gauge',
    'When the daemon started, in seconds since the Unix epoch.',
  );
  sample(start, {}, Math.round(performance.timeOrigin) / 1000);
  const lag = family(
    'nodejs_eventloop_lag_seconds',
    'gauge',
    "The daemon's event loop lag: how long a callback queued at the scrape waited to run, seconds.",
  );
  sample(lag, {}, facts.eventLoopLagSeconds);
  const logs = family(
    'corral_log_written_bytes_total',
    'counter',
    'Bytes the daemon wrote to the log files of services (timestamps included) since it started.',
  );
  sample(logs, {}, facts.logBytesWritten);
  return [build, rss, cpu, start, lag, logs];
}

/** How long a callback queued now waits for the event loop, seconds (one setImmediate, no timer). */
export function eventLoopLag(): Promise<number> {
  const queued = performance.now();
  // to the microsecond: finer is below what the measure can tell
  return new Promise((resolve) =>
    setImmediate(() => resolve(Math.round((performance.now() - queued) * 1000) / 1e6)),
  );
}
