// Workload 1: crash-to-restart latency. The fixture stamps its own exit and its next start; the
// latency is the gap, p50 and p99 over `restarts` restarts per run, all within the free
// attempts. The floor is the same fixture re-run by a shell loop, with no supervisor at all.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchEnv, killGroup } from '../lib/cleanup.mjs';
import { start } from '../lib/exec.mjs';
import { crashArgv, msBetween, parseMarks } from '../lib/fixtures.mjs';
import { percentile } from '../lib/stats.mjs';
import { waitFor } from '../lib/wait.mjs';

function latencies(file) {
  const marks = parseMarks(readFileSync(file, 'latin1'));
  const out = [];
  for (let i = 1; i < marks.length; i++) {
    if (marks[i - 1].what === 'exit' && marks[i].what === 'start')
      out.push(msBetween(marks[i - 1].ns, marks[i].ns));
  }
  return out;
}

const startsIn = (file) =>
  existsSync(file)
    ? readFileSync(file, 'latin1')
        .split('\n')
        .filter((l) => l.startsWith('start')).length
    : 0;

/** Runs the fixture under `runner` until it has restarted `restarts` times; returns latencies (ms). */
async function measure(file, restarts, timeoutMs, runner) {
  const stop = await runner();
  try {
    await waitFor(() => startsIn(file) >= restarts + 1, {
      timeout: timeoutMs,
      interval: 50,
      what: `${restarts} restarts`,
    });
  } finally {
    await stop();
  }
  return latencies(file);
}

function noSupervisor(argv, dir) {
  return async () => {
    const loop = start('/bin/sh', ['-c', 'while :; do "$@"; done', 'sh', ...argv], {
      env: benchEnv(),
      cwd: dir,
    });
    return async () => killGroup(loop.pid);
  };
}

function underPeer(peer, argv, dir) {
  return async () => {
    const session = peer.open(dir);
    await session.start([{ name: 'crash', argv }]);
    return async () => {
      await session.stop();
      await session.close();
    };
  };
}

export async function restartWorkload(ctx) {
  const { mode, peers, log } = ctx;
  const rows = [];
  for (const kind of mode.restartFixtures) {
    const p50 = { floor: [] };
    const p99 = { floor: [] };
    for (const peer of peers) {
      p50[peer.name] = [];
      p99[peer.name] = [];
    }
    for (let runNo = 1; runNo <= mode.runs; runNo++) {
      const contenders = [{ name: 'floor' }, ...peers];
      for (const c of contenders) {
        if (runNo > (mode.restartRunsOf?.[c.name] ?? mode.runs)) continue;
        if (!(mode.restartFixturesOf?.[c.name] ?? [kind]).includes(kind)) continue;
        const dir = ctx.tempDir(`restart-${kind}-${c.name}-${runNo}`);
        mkdirSync(dir, { recursive: true });
        const file = join(dir, 'marks');
        const argv = crashArgv[kind](file, mode.restarts + 1);
        const runner = c.name === 'floor' ? noSupervisor(argv, dir) : underPeer(c, argv, dir);
        const lat = await measure(file, mode.restarts, mode.restarts * 3000 + 30_000, runner);
        const a = percentile(lat, 50);
        const b = percentile(lat, 99);
        p50[c.name].push(a);
        p99[c.name].push(b);
        log(
          `  restart/${kind} ${c.name} run ${runNo}: p50 ${a.toFixed(2)} ms, p99 ${b.toFixed(2)} ms (n=${lat.length})`,
        );
      }
    }
    const what = kind === 'node' ? 'Node fixture' : 'light (bash) fixture';
    rows.push(
      { id: `restart.${kind}.p50`, label: `restart latency p50, ${what}`, unit: 'ms', values: p50 },
      { id: `restart.${kind}.p99`, label: `restart latency p99, ${what}`, unit: 'ms', values: p99 },
    );
  }
  return rows;
}
