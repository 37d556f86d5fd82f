#!/usr/bin/env node
// Restart on change (`watch:`): the time from a save to the new process. A service whose
// command stamps the wall clock (`date +%s%N`, CLOCK_REALTIME) as its first act is watched;
// the benchmark saves a watched file, stamps the moment of the save, and waits for the next
// stamp. The gap is what a developer waits: the quiet period of the burst (150 ms,
// internal.watchQuietMs), the stop of the old process and the start of the new one.
//
//   node bench/watch-latency.mjs [--saves=20] [--mode=daemon|run] [--json]
//
// Uses the built CLI (dist/); a temporary home and project, removed at the end.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summary } from './lib/stats.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'bin.js');
const arg = (name, fallback) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? fallback : hit.slice(name.length + 3);
};
const saves = Number(arg('saves', 20));
const mode = arg('mode', 'daemon');
const asJson = process.argv.includes('--json');

/** Wall-clock now in ms with a fraction (the same clock `date +%s%N` reads). */
const wallMs = () => performance.timeOrigin + performance.now();

const dir = mkdtempSync(join(tmpdir(), 'corral-watch-bench-'));
const home = join(dir, 'home');
const project = join(dir, 'project');
const stamps = join(dir, 'stamps');
mkdirSync(join(project, 'src'), { recursive: true });
writeFileSync(join(project, 'src', 'app.js'), '// 0\n');
writeFileSync(
  join(project, 'corral.yaml'),
  `name: wbench
services:
  app:
    command: date +%s%N >> ${stamps}; exec sleep 100000
    watch: ["./src/**/*.js"]
`,
);
const env = { ...process.env, CORRAL_HOME: home, NO_COLOR: '1' };
const corral = (...args) =>
  spawnSync(process.execPath, [CLI, ...args], { cwd: project, env, encoding: 'utf8' });

/** The stamps written so far, in wall-clock ms. */
const stamped = () =>
  existsSync(stamps)
    ? readFileSync(stamps, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((ns) => Number(BigInt(ns) / 1000n) / 1000)
    : [];

/** Resolves once there are `n` stamps (checked every 2 ms), or rejects after 10 s. */
function stampsReach(n) {
  const deadline = Date.now() + 10_000;
  return new Promise((resolve, reject) => {
    const look = () => {
      const list = stamped();
      if (list.length >= n) resolve(list);
      else if (Date.now() > deadline) reject(new Error(`no stamp ${n} after 10 s`));
      else setTimeout(look, 2);
    };
    look();
  });
}

let runChild = null;
try {
  if (mode === 'run') {
    runChild = spawn(process.execPath, [CLI, 'run'], { cwd: project, env, stdio: 'ignore' });
  } else {
    const up = corral('up', '--wait');
    if (up.status !== 0) throw new Error(`corral up failed: ${up.stderr}`);
  }
  await stampsReach(1);
  const gaps = [];
  for (let i = 1; i <= saves; i++) {
    // let the process settle so each save is a burst of its own
    await new Promise((r) => setTimeout(r, 300));
    const at = wallMs();
    writeFileSync(join(project, 'src', 'app.js'), `// ${i}\n`);
    const list = await stampsReach(i + 1);
    gaps.push(list[i] - at);
  }
  const s = summary(gaps);
  const result = {
    mode,
    saves,
    node: process.version,
    saveToNewProcessMs: { min: s.min, median: s.median, max: s.max },
  };
  if (asJson) console.log(JSON.stringify(result));
  else
    console.log(
      `${mode}, ${saves} saves, Node ${process.version}: save -> new process min ${s.min.toFixed(1)} ms, median ${s.median.toFixed(1)} ms, max ${s.max.toFixed(1)} ms`,
    );
} finally {
  if (runChild !== null) {
    runChild.kill('SIGINT');
    await new Promise((r) => runChild.once('exit', r));
  } else {
    corral('down');
    corral('daemon', 'stop');
  }
  rmSync(dir, { recursive: true, force: true });
}
