// One session of N idle services on one supervisor: cold start until all run, status command
// latency, daemon memory and idle CPU, then stop until none is left. Shared by workloads 2-4 and 6.
import { nowMs } from './exec.mjs';
import { idleFixture } from './fixtures.mjs';
import { cpuPreciseMs, cpuStatMs, findProcs, pssOf, rssBytes, rssOf } from './procfs.mjs';
import { median } from './stats.mjs';
import { sleep, waitFor } from './wait.mjs';

const allRunning = (states, names) => names.every((n) => states[n]?.running);

/**
 * Starts `n` services from a cold daemon: the time until the start command has returned, every
 * fixture process exists, and the supervisor reports every service running (the moment its first
 * query saying so was sent, so a slow status query is not charged).
 */
export async function coldStart(session, n, { timeoutMs = 300_000 } = {}) {
  const idle = idleFixture();
  const names = Array.from({ length: n }, (_, i) => `s${i}`);
  const t0 = nowMs();
  await session.start(names.map((name) => ({ name, argv: idle.argv })));
  await waitFor(() => findProcs(idle.isOne).length >= n, {
    timeout: timeoutMs,
    interval: 5,
    what: `${n} processes`,
  });
  let confirmedAt = null;
  await waitFor(
    async () => {
      const asked = nowMs();
      if (!allRunning(await session.states(), names)) return false;
      confirmedAt = asked;
      return true;
    },
    { timeout: timeoutMs, interval: 5, what: `${n} services running` },
  );
  return { startMs: confirmedAt - t0, idle, names };
}

/** Stops every service; the time until the command has returned and no fixture process is left. */
export async function stopAll(session, idle, { timeoutMs = 600_000 } = {}) {
  const t0 = nowMs();
  await session.stop();
  await waitFor(() => findProcs(idle.isOne).length === 0, {
    timeout: timeoutMs,
    interval: 5,
    what: 'no process left',
  });
  return nowMs() - t0;
}

/** The status command, `calls` times in a row: the median wall time in ms. */
export async function statusLatency(session, calls) {
  const times = [];
  for (let i = 0; i < calls; i++) times.push((await session.status()).ms);
  return median(times);
}

/**
 * The memory of the supervisor's own processes (RSS and PSS of them all, and the daemon's RSS
 * alone), and the daemon's CPU time over `windowS` seconds of idleness (ms a minute), the window
 * starting `settleMs` after the last start.
 */
export async function idleCost(session, windowS, { settleMs = 2000 } = {}) {
  await sleep(settleMs);
  const pid = session.daemonPid();
  const own = session.ownPids();
  const memory = { rss: rssOf(own), pss: pssOf(own), daemonRss: rssBytes(pid), processes: own.length };
  if (windowS <= 0) return { ...memory, cpuStat: null, cpuPrecise: null };
  const s0 = cpuStatMs(pid);
  const p0 = cpuPreciseMs(pid);
  const t0 = nowMs();
  await sleep(windowS * 1000);
  const perMinute = 60_000 / (nowMs() - t0);
  return {
    ...memory,
    cpuStat: (cpuStatMs(pid) - s0) * perMinute,
    cpuPrecise: (cpuPreciseMs(pid) - p0) * perMinute,
  };
}
