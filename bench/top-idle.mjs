// How much CPU `corral top` uses while nothing happens: a private home with N services (`sleep`,
// no health checks), `top` in a tmux pane of its own server, and the CPU time of the top process
// (utime + stime of /proc/PID/stat, and the schedstat run time) over an idle window after it
// settled; the bytes it wrote to the terminal over the same window (/proc/PID/io wchar). The
// daemon's CPU over the window is reported beside it (top follows the usage stream, which makes
// the daemon sample every 2 s). With PM2 installed in bench/node_modules, `pm2 monit` is measured
// the same way on the same services, in the same run, one after the other.
// Usage: node bench/top-idle.mjs [--services N] [--seconds S] [--settle S] [--cols C --rows R] [--no-pm2]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchEnv, cleanupAll, installExitHandlers, onCleanup, RUN_TAG } from './lib/cleanup.mjs';
import { run } from './lib/exec.mjs';
import { cpuPreciseMs, cpuStatMs, findProcs } from './lib/procfs.mjs';
import { sleep, waitFor } from './lib/wait.mjs';
import { pm2 } from './supervisors/pm2.mjs';

const REPO = new URL('../', import.meta.url).pathname;
const CLI = join(REPO, 'dist', 'src', 'cli', 'bin.js');
const log = (msg) => process.stderr.write(`${msg}\n`);

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const N = option('services', 100);
const WINDOW_S = option('seconds', 45);
const SETTLE_S = option('settle', 10);
const COLS = option('cols', 80);
const ROWS = option('rows', 24);
const WITH_PM2 = !process.argv.includes('--no-pm2');

/** Bytes the process has written (to its terminal, for a TUI) since it started. */
function wchar(pid) {
  try {
    return Number(/^wchar: (\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))[1]);
  } catch {
    return null;
  }
}

/** A tmux server of this run's own, running `command` in one pane of COLS x ROWS. */
function tmuxServer(name, env, command) {
  const tmux = (...args) =>
    execFileSync('tmux', ['-L', name, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  tmux(
    '-f',
    '/dev/null',
    'new-session',
    '-d',
    '-s',
    'bench',
    '-x',
    String(COLS),
    '-y',
    String(ROWS),
    command,
  );
  const socket = tmux('display-message', '-p', '#{socket_path}').trim();
  // the server, and its socket (a server that is killed leaves it behind)
  const kill = () => {
    try {
      tmux('kill-server');
    } catch {
      // already gone
    }
    rmSync(socket, { force: true });
  };
  onCleanup(kill);
  return { capture: () => tmux('capture-pane', '-p', '-t', 'bench'), kill };
}

/** The CPU and the terminal output of `pid` (and of `others`, for comparison) over the window. */
async function measure(pid, others = {}) {
  await sleep(SETTLE_S * 1000);
  const at = () => ({
    t: performance.now(),
    ticks: cpuStatMs(pid),
    precise: cpuPreciseMs(pid),
    wchar: wchar(pid),
    others: Object.fromEntries(Object.entries(others).map(([k, p]) => [k, cpuPreciseMs(p)])),
  });
  const a = at();
  await sleep(WINDOW_S * 1000);
  const b = at();
  const seconds = (b.t - a.t) / 1000;
  // percent of one core: ms of CPU per 10 ms of wall time
  const pct = (ms) => Math.round((ms / seconds / 10) * 100) / 100;
  return {
    window_s: Math.round(seconds * 10) / 10,
    cpu_percent: pct(b.precise - a.precise),
    cpu_percent_stat_ticks: pct(b.ticks - a.ticks),
    cpu_ms_per_minute: Math.round(((b.precise - a.precise) / seconds) * 60),
    terminal_bytes_per_s: Math.round((b.wchar - a.wchar) / seconds),
    others_cpu_percent: Object.fromEntries(
      Object.keys(others).map((k) => [k, pct(b.others[k] - a.others[k])]),
    ),
  };
}

async function corralTop(dir, argv) {
  const home = join(dir, 'corral-home');
  const file = join(dir, 'corral.yaml');
  const services = Array.from({ length: N }, (_, i) => `  s${i}:\n    command: ${JSON.stringify(argv)}\n`);
  writeFileSync(file, `name: idle\nservices:\n${services.join('')}`);
  const env = benchEnv({ CORRAL_HOME: home, HOME: dir, TERM: 'xterm-256color', NO_COLOR: '' });
  onCleanup(() =>
    run(process.execPath, [CLI, 'daemon', 'stop'], { env, timeoutMs: 60_000, duringCleanup: true }).catch(
      () => {},
    ),
  );
  await run(process.execPath, [CLI, 'up', '--wait', '-f', file], { env, check: true, timeoutMs: 120_000 });
  const daemon = Number(readFileSync(join(home, 'daemon.pid'), 'utf8'));
  const tm = tmuxServer(`corral-top-bench-${process.pid}`, env, `${process.execPath} ${CLI} top`);
  await waitFor(() => tm.capture().includes(`${N} processes: ${N} running`), {
    timeout: 30_000,
    what: 'top to show every service running',
  });
  const [proc] = findProcs((a) => a.includes(CLI) && a.at(-1) === 'top');
  log(`corral top: pid ${proc.pid}, daemon ${daemon}; idle window of ${WINDOW_S} s after ${SETTLE_S} s`);
  const result = await measure(proc.pid, { daemon });
  result.screen = tm.capture();
  tm.kill();
  await run(process.execPath, [CLI, 'daemon', 'stop'], { env, timeoutMs: 60_000 });
  return result;
}

async function pm2Monit(dir, argv) {
  const installed = await pm2.install(log, { allowInstall: false });
  if (!installed.ok) return { skipped: installed.why };
  const session = pm2.open(join(dir, 'pm2'));
  await session.start(Array.from({ length: N }, (_, i) => ({ name: `s${i}`, argv })));
  const bin = join(REPO, 'bench', 'node_modules', 'pm2', 'bin', 'pm2');
  const env = { ...session.env, TERM: 'xterm-256color' };
  const tm = tmuxServer(`pm2-monit-bench-${process.pid}`, env, `${process.execPath} ${bin} monit`);
  const proc = await waitFor(() => findProcs((a) => a.includes(bin) && a.at(-1) === 'monit')[0], {
    what: 'pm2 monit to start',
  });
  log(`pm2 monit ${installed.version}: pid ${proc.pid}; idle window of ${WINDOW_S} s after ${SETTLE_S} s`);
  const daemon = session.daemonPid();
  const result = await measure(proc.pid, daemon === null ? {} : { daemon });
  result.version = installed.version;
  tm.kill();
  await session.close();
  return result;
}

installExitHandlers(log);
if (!existsSync(CLI)) {
  log(`no ${CLI}: run npm run build first`);
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), 'corral-top-idle-'));
onCleanup(() => rmSync(dir, { recursive: true, force: true }));
const argv = ['sleep', '100000'];
try {
  const report = {
    run: RUN_TAG,
    services: N,
    terminal: `${COLS}x${ROWS}`,
    node: process.version,
    corral_top: await corralTop(dir, argv),
  };
  if (WITH_PM2) report.pm2_monit = await pm2Monit(dir, argv);
  const { screen, ...top } = report.corral_top;
  log(screen);
  process.stdout.write(`${JSON.stringify({ ...report, corral_top: top }, null, 2)}\n`);
} finally {
  await cleanupAll();
}
