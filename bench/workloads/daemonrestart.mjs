// Workload 8: the supervisor's own daemon restarted on purpose (an upgrade, a config of its own)
// while `size` idle services run, the way each one's users do it: `corral daemon restart`,
// `pm2 update`, `supervisorctl reload`. Measured: the time from the command until the new daemon
// answers a status query, until every service is reported running again, and how many services
// got a new process (a restart the user did not ask for).

import { nowMs } from '../lib/exec.mjs';
import { coldStart, stopAll } from '../lib/fleet.mjs';
import { waitFor } from '../lib/wait.mjs';

/** `size` services, `runs` runs of each peer. */
export async function daemonRestartWorkload(ctx, { size, runs, peers }) {
  const m = { answer: {}, ready: {}, restarted: {} };
  for (const metric of Object.values(m)) for (const p of peers) metric[p.name] = [];
  for (let runNo = 1; runNo <= runs; runNo++) {
    for (const peer of peers) {
      const session = peer.open(ctx.tempDir(`restart-daemon-${peer.name}-${runNo}`));
      try {
        const { idle, names } = await coldStart(session, size);
        const before = await session.states();
        const oldDaemon = session.daemonPid();
        const t0 = nowMs();
        await session.restartDaemon();
        let answeredAt = null;
        let states = null;
        await waitFor(
          async () => {
            const asked = nowMs();
            // the new daemon: another process, except where the peer restarts in place
            if (!session.restartsInPlace && session.daemonPid() === oldDaemon) return false;
            try {
              states = await session.states();
            } catch {
              return false;
            }
            answeredAt ??= asked;
            return names.every((n) => states[n]?.running);
          },
          { timeout: 300_000, interval: 5, what: 'the new daemon to report every service running' },
        );
        const readyMs = nowMs() - t0;
        const restarted = names.filter((n) => states[n].pid !== before[n].pid).length;
        m.answer[peer.name].push(answeredAt - t0);
        m.ready[peer.name].push(readyMs);
        m.restarted[peer.name].push(restarted);
        ctx.log(
          `  daemon restart ${peer.name} run ${runNo}: answered after ${(answeredAt - t0).toFixed(0)} ms, ` +
            `all running after ${readyMs.toFixed(0)} ms, ${restarted} of ${size} services restarted`,
        );
        await stopAll(session, idle);
      } finally {
        await session.close();
      }
    }
  }
  return [
    {
      id: 'restartDaemon.answer',
      label: `daemon restarted with ${size} services: until the new daemon answers`,
      unit: 'ms',
      values: m.answer,
    },
    {
      id: 'restartDaemon.ready',
      label: 'same: until it reports every service running',
      unit: 'ms',
      values: m.ready,
    },
    {
      id: 'restartDaemon.restarted',
      label: 'services restarted by it (a new process)',
      unit: 'count',
      values: m.restarted,
    },
  ];
}
