// Workloads 2, 3, 4 (100 services) and 6 (1,000 services): cold start until all run, status
// command latency, daemon RSS and idle CPU, stop until none is left. Each run gives every
// supervisor a fresh home and a fresh daemon.
import { coldStart, idleCost, statusLatency, stopAll } from '../lib/fleet.mjs';

const MB = 1024 * 1024;

/** `size` services: `runs` runs of each peer, peers interleaved within a run. */
export async function fleetWorkload(
  ctx,
  { size, runs, statusCalls, idleWindowS, idleSettleS = 2, peers, key },
) {
  const m = { start: {}, stop: {}, status: {}, rss: {}, pss: {}, daemonRss: {}, cpuStat: {}, cpuPrecise: {} };
  for (const metric of Object.values(m)) for (const p of peers) metric[p.name] = [];
  for (let runNo = 1; runNo <= runs; runNo++) {
    for (const peer of peers) {
      const session = peer.open(ctx.tempDir(`${key}-${peer.name}-${runNo}`));
      try {
        const { startMs, idle } = await coldStart(session, size);
        const statusMs = await statusLatency(session, statusCalls);
        const cost = await idleCost(session, idleWindowS, { settleMs: idleSettleS * 1000 });
        const stopMs = await stopAll(session, idle);
        m.start[peer.name].push(startMs);
        m.stop[peer.name].push(stopMs);
        m.status[peer.name].push(statusMs);
        m.rss[peer.name].push(cost.rss / MB);
        m.pss[peer.name].push(cost.pss / MB);
        m.daemonRss[peer.name].push(cost.daemonRss / MB);
        m.cpuStat[peer.name].push(cost.cpuStat);
        m.cpuPrecise[peer.name].push(cost.cpuPrecise);
        ctx.log(
          `  ${key} ${peer.name} run ${runNo}: start ${startMs.toFixed(0)} ms, status ${statusMs.toFixed(0)} ms, ` +
            `rss ${(cost.rss / MB).toFixed(1)} MB (pss ${(cost.pss / MB).toFixed(1)}, ${cost.processes} processes), idle cpu ${cost.cpuPrecise?.toFixed(1) ?? '-'} ms/min, ` +
            `stop ${stopMs.toFixed(0)} ms`,
        );
      } finally {
        await session.close();
      }
    }
  }
  const n = size.toLocaleString('en-US');
  const rows = [
    {
      id: `${key}.start`,
      label: `start ${n} services (cold daemon) until all run`,
      unit: 'ms',
      values: m.start,
    },
    { id: `${key}.stop`, label: `stop ${n} services until none is left`, unit: 'ms', values: m.stop },
    {
      id: `${key}.status`,
      label: `status command with ${n} services (median of ${statusCalls})`,
      unit: 'ms',
      values: m.status,
    },
    {
      id: `${key}.rss`,
      label: `RSS of all its own processes (daemon and helpers) with ${n} services`,
      unit: 'MB',
      values: m.rss,
    },
    {
      id: `${key}.pss`,
      label: `same, PSS (shared pages divided among their users)`,
      unit: 'MB',
      values: m.pss,
    },
    { id: `${key}.daemonRss`, label: `the daemon's RSS alone`, unit: 'MB', values: m.daemonRss },
  ];
  if (idleWindowS > 0) {
    rows.push(
      {
        id: `${key}.cpu`,
        label: `daemon CPU idle with ${n} services (schedstat, ${idleWindowS} s window)`,
        unit: 'ms/min',
        values: m.cpuPrecise,
      },
      {
        id: `${key}.cpuStat`,
        label: `same, from /proc/PID/stat utime+stime (10 ms ticks)`,
        unit: 'ms/min',
        values: m.cpuStat,
      },
    );
  }
  return rows;
}
