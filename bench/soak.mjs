// Soak: 1,000 services for a while (10 minutes by default), a tenth of them crash-looping; every
// 10 s the daemon's resident memory, its anonymous part, its open fds and its threads are sampled,
// and so are the FIFO keeper's. What must hold: flat curves (no leak per restart, per fd, per
// event). Not part of `npm test`: run it by hand, then put its table in docs/benchmarks.md.
//
//   npm run build && node bench/soak.mjs [--services=1000] [--minutes=10] [--every=10] [--out=FILE]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchEnv, cleanupAll, installExitHandlers, onCleanup } from './lib/cleanup.mjs';
import { rssBytes } from './lib/procfs.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'bin.js');
const arg = (name, fallback) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
};
const SERVICES = Number(arg('services', 1000));
const MINUTES = Number(arg('minutes', 10));
const EVERY_S = Number(arg('every', 10));
const OUT = arg(
  'out',
  join(ROOT, 'bench', 'results', `soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
);

installExitHandlers(console.error);
const dir = mkdtempSync(join(tmpdir(), 'corral-soak-'));
const home = join(dir, 'home');
const env = benchEnv({ CORRAL_HOME: home });
const corral = (...args) => spawnSync(process.execPath, [CLI, ...args], { cwd: dir, env, encoding: 'utf8' });
onCleanup(async () => {
  corral('daemon', 'stop', '--timeout', '60s');
  rmSync(dir, { recursive: true, force: true });
});

const crashing = Math.round(SERVICES / 10);
let yaml = 'name: soak\nservices:\n';
for (let i = 0; i < SERVICES; i++) {
  yaml +=
    i < crashing
      ? // runs about a second, fails, and is restarted after a second, for as long as the soak lasts
        `  s${i}:\n    command: ["/bin/sh", "-c", "echo up; sleep 1; echo down >&2; exit 1"]\n    backoff: { free: 0, initial: 1s, factor: 1, max: 1s }\n`
      : `  s${i}:\n    command: ["/bin/sleep", "100000"]\n`;
}
writeFileSync(join(dir, 'corral.yaml'), yaml);
const up = corral('up', '--no-wait');
if (up.status !== 0) throw new Error(`corral up failed: ${up.stderr}`);

const pidOf = (file) => Number(readFileSync(join(home, file), 'utf8'));
const keeperPid = () => {
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const e = readFileSync(`/proc/${p}/environ`, 'latin1');
      if (e.includes('CORRAL_FIFO_KEEPER=1\0') && e.includes(`CORRAL_HOME=${home}\0`)) return Number(p);
    } catch {
      // gone
    }
  }
  return null;
};
const statusKb = (pid, key) => {
  const m = readFileSync(`/proc/${pid}/status`, 'latin1').match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
  return m ? Number(m[1]) : null;
};
const fds = (pid) => readdirSync(`/proc/${pid}/fd`).length;

const samples = [];
const started = Date.now();
const daemon = pidOf('daemon.pid');
console.error(`soak: ${SERVICES} services (${crashing} crash-looping), ${MINUTES} min, daemon ${daemon}`);
while (Date.now() - started < MINUTES * 60_000) {
  await new Promise((resolve) => setTimeout(resolve, EVERY_S * 1000)); // the sampling period itself
  const keeper = keeperPid();
  const events = readFileSync(join(home, 'events.jsonl'), 'utf8').split('\n').length;
  const sample = {
    t_s: Math.round((Date.now() - started) / 1000),
    daemon_rss_mb: +(rssBytes(daemon) / 1048576).toFixed(1),
    daemon_anon_mb: +(statusKb(daemon, 'RssAnon') / 1024).toFixed(1),
    daemon_fds: fds(daemon),
    daemon_threads: Number(readFileSync(`/proc/${daemon}/status`, 'latin1').match(/^Threads:\s+(\d+)/m)[1]),
    keeper_rss_mb: keeper ? +(rssBytes(keeper) / 1048576).toFixed(1) : null,
    events,
  };
  samples.push(sample);
  console.error(JSON.stringify(sample));
}
const restarts = JSON.parse(corral('ps', '--json', '-a').stdout).reduce((n, r) => n + r.restarts, 0);
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(
  OUT,
  `${JSON.stringify({ services: SERVICES, crashing, minutes: MINUTES, restarts, samples }, null, 1)}\n`,
);
const first = samples[0];
const last = samples.at(-1);
console.log(`| t (s) | daemon RSS (MB) | anon (MB) | fds | threads | keeper RSS (MB) |`);
console.log(`|---:|---:|---:|---:|---:|---:|`);
for (const s of samples.filter((_, i) => i % 6 === 0 || i === samples.length - 1)) {
  console.log(
    `| ${s.t_s} | ${s.daemon_rss_mb} | ${s.daemon_anon_mb} | ${s.daemon_fds} | ${s.daemon_threads} | ${s.keeper_rss_mb ?? '-'} |`,
  );
}
console.log(
  `\n${restarts} restarts in all; RSS ${first.daemon_rss_mb} → ${last.daemon_rss_mb} MB, fds ${first.daemon_fds} → ${last.daemon_fds}; raw samples in ${OUT}`,
);
await cleanupAll();
