// corral's benchmarks: the same workloads on corral, PM2 and supervisord, in one run on one
// machine. Installs the peers it needs, cleans up every process it starts (also on Ctrl-C),
// prints the tables and writes docs/benchmarks.md, docs/benchmarks.json and bench/results/.
// Usage: node bench/run.mjs [--quick | --smoke] [--help]
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupAll, installExitHandlers, onCleanup, RUN_TAG, sweepMarked } from './lib/cleanup.mjs';
import { machine } from './lib/machine.mjs';
import { parseArgs, USAGE } from './lib/modes.mjs';
import { markdown, resultTables, targetsTable } from './lib/report.mjs';
import { summary } from './lib/stats.mjs';
import { judge } from './lib/targets.mjs';
import { corral } from './supervisors/corral.mjs';
import { pm2 } from './supervisors/pm2.mjs';
import { supervisord } from './supervisors/supervisord.mjs';
import { daemonKillWorkload } from './workloads/daemonkill.mjs';
import { daemonRestartWorkload } from './workloads/daemonrestart.mjs';
import { fleetWorkload } from './workloads/fleet.mjs';
import { logsWorkload } from './workloads/logs.mjs';
import { restartWorkload } from './workloads/restart.mjs';

const BENCH = new URL('./', import.meta.url).pathname;
const REPO = new URL('../', import.meta.url).pathname;
const SUPERVISORS = { corral, pm2, supervisord };

const WORKLOADS = {
  restart: {
    title: () => '1. Crash-to-restart latency',
    run: (ctx, m) => restartWorkload({ ...ctx, mode: m }),
  },
  hundred: {
    title: (m) => `2-4. ${m.hundred.size} services: start, stop, status command, daemon RSS and idle CPU`,
    run: (ctx, m) => fleetWorkload(ctx, { ...m.hundred, peers: ctx.peers, key: 'hundred' }),
  },
  logs: {
    title: (m) => `5. One service writing ${m.logs.bytes / 1e6} MB of lines to stdout`,
    run: (ctx, m) => logsWorkload(ctx, { ...m.logs, peers: ctx.peers }),
  },
  thousand: {
    title: (m) =>
      `6. ${m.thousand.size.toLocaleString('en-US')} services: start, stop, status command, daemon RSS`,
    run: (ctx, m) => fleetWorkload(ctx, { ...m.thousand, peers: ctx.peers, key: 'thousand' }),
  },
  kill: {
    title: (m) => `7. Daemon SIGKILLed with ${m.kill.size} services`,
    run: (ctx, m) => daemonKillWorkload(ctx, { ...m.kill, peers: ctx.peers }),
  },
  restartDaemon: {
    title: (m) => `8. Daemon restarted on purpose with ${m.restartDaemon.size} services`,
    run: (ctx, m) => daemonRestartWorkload(ctx, { ...m.restartDaemon, peers: ctx.peers }),
  },
};

const log = (msg) => process.stderr.write(`${msg}\n`);

async function installPeers(mode, install) {
  const peers = [];
  const versions = {};
  const skipped = {};
  for (const name of mode.peers) {
    const sup = SUPERVISORS[name];
    if (!sup) throw new Error(`unknown supervisor "${name}" (known: ${Object.keys(SUPERVISORS).join(', ')})`);
    const r = await sup.install(log, { allowInstall: install });
    if (r.ok) {
      peers.push(sup);
      versions[name] = r.version;
    } else {
      skipped[name] = r.why;
      log(`skipping ${sup.label}: ${r.why}`);
    }
  }
  return { peers, versions, skipped };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help || opts.unknown.length > 0) {
    if (opts.unknown.length > 0) log(`unknown option: ${opts.unknown.join(' ')}\n`);
    log(USAGE);
    return opts.help ? 0 : 2;
  }
  if (opts.report) return rewriteDocs(JSON.parse(readFileSync(opts.report, 'utf8')));
  installExitHandlers(log);
  const { mode } = opts;
  const began = Date.now();
  const loadBefore = loadavg().map((l) => Number(l.toFixed(2)));
  log(`corral bench, ${mode.name} mode (processes marked BENCH_RUN=${RUN_TAG})`);
  if (loadBefore[0] > 0.5) {
    log(
      `note: the machine is busy (load average ${loadBefore.join(' ')}): figures will be slower and noisier`,
    );
  }
  const { peers, versions, skipped } = await installPeers(mode, opts.install);
  if (!peers.includes(corral)) {
    log(`cannot benchmark corral: ${skipped.corral}`);
    return 1;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'corral-bench-'));
  // registered first, so it runs last: after every supervisor using the directory has stopped
  onCleanup(() => {
    if (!opts.keep) rmSync(tmp, { recursive: true, force: true });
  });
  const ctx = {
    peers,
    log,
    tempDir(name) {
      const dir = join(tmp, name);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
  };
  const workloads = [];
  let failed = false;
  for (const key of mode.workloads) {
    const w = WORKLOADS[key];
    if (!w) throw new Error(`unknown workload "${key}" (known: ${Object.keys(WORKLOADS).join(', ')})`);
    const entry = { key, title: w.title(mode), rows: [] };
    log(`${entry.title}...`);
    try {
      entry.rows = await w.run(ctx, mode);
    } catch (e) {
      failed = true;
      entry.error = e.message.split('\n')[0];
      log(`  failed: ${e.stack}`);
      // its sessions closed themselves on the way out; whatever is left of it goes now
      sweepMarked();
    }
    for (const row of entry.rows) {
      row.summary = Object.fromEntries(Object.entries(row.values).map(([who, vs]) => [who, summary(vs)]));
    }
    workloads.push(entry);
  }
  const left = await cleanupAll();
  if (left > 0) log(`note: ${left} process(es) of this run were still alive at the end and were killed`);
  if (opts.keep) log(`kept ${tmp}`);

  const rowsById = new Map(workloads.flatMap((w) => w.rows.map((r) => [r.id, r])));
  const finished = new Date();
  const results = {
    mode: mode.name,
    started_at: new Date(began).toISOString(),
    finished_at: finished.toISOString(),
    duration_s: Math.round((finished.getTime() - began) / 1000),
    machine: machine(),
    load: { before: loadBefore, after: loadavg().map((l) => Number(l.toFixed(2))) },
    versions,
    skipped,
    settings: mode,
    workloads,
    // the targets are for the sizes of SPEC §8, which a smoke run does not use
    targets: mode.name === 'smoke' ? [] : judge(rowsById),
    leftover_processes: left,
  };
  const outDir = opts.out ?? join(BENCH, 'results');
  mkdirSync(outDir, { recursive: true });
  const json = `${JSON.stringify(results, null, 1)}\n`;
  writeFileSync(join(outDir, `${finished.toISOString().replace(/[:.]/g, '-')}-${mode.name}.json`), json);
  if (opts.docs) {
    writeDocs(results);
    writeFileSync(join(REPO, 'docs', 'benchmarks.json'), json);
    log('wrote docs/benchmarks.md and docs/benchmarks.json');
  }
  printTables(results);
  process.stdout.write(`\n${mode.name} run: ${results.duration_s} s, ${left} process(es) left behind\n`);
  return failed ? 1 : 0;
}

/** docs/benchmarks.md: the hand-written texts of bench/doc/ around the tables of `results`. */
function writeDocs(results) {
  const text = (name) => readFileSync(join(BENCH, 'doc', name), 'utf8');
  const texts = { intro: text('intro.md'), method: text('method.md'), analysis: text('analysis.md') };
  // the full run on the current LTS, when one was kept (bench/doc/lts.json), beside this one's
  const ltsFile = join(BENCH, 'doc', 'lts.json');
  const lts = existsSync(ltsFile) ? JSON.parse(readFileSync(ltsFile, 'utf8')) : null;
  writeFileSync(join(REPO, 'docs', 'benchmarks.md'), markdown(results, texts, lts));
}

function printTables(results) {
  process.stdout.write(`\n${resultTables(results)}\n`);
  if (results.targets.length > 0) process.stdout.write(`${targetsTable(results.targets)}\n`);
}

function rewriteDocs(results) {
  writeDocs(results);
  log('wrote docs/benchmarks.md');
  printTables(results);
  return 0;
}

main().then(
  (code) => {
    sweepMarked();
    process.exit(code);
  },
  async (e) => {
    log(`error: ${e.stack ?? e}`);
    await cleanupAll().catch(() => {});
    process.exit(1);
  },
);
