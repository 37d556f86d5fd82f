// PM2 as the benchmark drives it: installed into bench/node_modules, a PM2_HOME of its own, an
// ecosystem file with every app run as is (`interpreter: none`), like the other supervisors.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchEnv, onCleanup } from '../lib/cleanup.mjs';
import { run } from '../lib/exec.mjs';
import { alive } from '../lib/procfs.mjs';
import { waitFor } from '../lib/wait.mjs';

const BENCH = new URL('../', import.meta.url).pathname;
const PM2 = join(BENCH, 'node_modules', 'pm2', 'bin', 'pm2');

export const pm2 = {
  name: 'pm2',
  label: 'PM2',

  /** `npm ci` into bench/node_modules (from bench/package-lock.json) when PM2 is not there yet. */
  async install(log, { allowInstall = true } = {}) {
    if (!existsSync(PM2) && !allowInstall)
      return { ok: false, why: 'not installed (and --no-install given)' };
    if (!existsSync(PM2)) {
      log('installing PM2 into bench/node_modules (npm ci --prefix bench)...');
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      const r = await run(npm, ['ci', '--prefix', BENCH, '--no-audit', '--no-fund'], {
        env: process.env,
        timeoutMs: 300_000,
      }).catch((e) => ({ code: 1, stderr: e.message }));
      if (r.code !== 0 || !existsSync(PM2)) {
        return { ok: false, why: `npm ci --prefix bench failed: ${r.stderr.trim().split('\n').pop()}` };
      }
    }
    const pkg = JSON.parse(readFileSync(join(BENCH, 'node_modules', 'pm2', 'package.json'), 'utf8'));
    return { ok: true, version: pkg.version };
  },

  open(dir) {
    return new Pm2Session(dir);
  },
};

class Pm2Session {
  constructor(dir) {
    this.dir = dir;
    this.pm2Home = join(dir, 'pm2home');
    this.logs = join(dir, 'logs');
    this.file = join(dir, 'ecosystem.json');
    this.env = benchEnv({ PM2_HOME: this.pm2Home, HOME: dir });
    mkdirSync(this.logs, { recursive: true });
    this.dropCleanup = onCleanup(() => this.close());
  }

  cli(args, opts = {}) {
    return run(process.execPath, [PM2, ...args], { env: this.env, cwd: this.dir, ...opts });
  }

  /** Writes the ecosystem file and runs `pm2 start` (which starts PM2's daemon if none runs). */
  async start(services) {
    const apps = services.map((s) => ({
      name: s.name,
      script: s.argv[0],
      args: s.argv.slice(1),
      interpreter: 'none',
      autorestart: true,
      restart_delay: 0,
      max_restarts: 1_000_000,
      out_file: this.logFile(s.name),
      error_file: join(this.logs, `${s.name}.err.log`),
      merge_logs: true,
    }));
    writeFileSync(this.file, JSON.stringify({ apps }, null, 1));
    return this.cli(['start', this.file], { check: true, timeoutMs: 300_000 });
  }

  status() {
    return this.cli(['jlist'], { check: true });
  }

  stop() {
    return this.cli(['delete', 'all'], { check: true, timeoutMs: 600_000 });
  }

  async states() {
    const r = await this.cli(['jlist'], { check: true });
    const out = {};
    for (const p of JSON.parse(r.stdout))
      out[p.name] = { running: p.pm2_env.status === 'online', pid: p.pid };
    return out;
  }

  daemonPid() {
    try {
      return Number(readFileSync(join(this.pm2Home, 'pm2.pid'), 'utf8').trim()) || null;
    } catch {
      return null;
    }
  }

  /** The supervisor's own processes (its daemon: no helper runs beside it here). */
  ownPids() {
    const pid = this.daemonPid();
    return pid === null ? [] : [pid];
  }

  logFile(name) {
    return join(this.logs, `${name}.log`);
  }

  /** What lets PM2 bring its apps back after its daemon died: `pm2 save` now, `pm2 resurrect` then. */
  async prepareForRevive() {
    await this.cli(['save'], { check: true });
  }

  /** A planned restart of PM2's daemon: `pm2 update` (saves the list, kills the daemon, resurrects). */
  async restartDaemon() {
    await this.cli(['update'], { check: true, timeoutMs: 300_000 });
  }

  async revive() {
    await this.cli(['resurrect'], { check: true, timeoutMs: 300_000 });
  }

  async close() {
    this.dropCleanup();
    const pid = this.daemonPid();
    if (pid === null || !alive(pid)) return;
    await this.cli(['kill'], { timeoutMs: 600_000, duringCleanup: true }).catch(() => {});
    await waitFor(() => !alive(pid), { timeout: 10_000, what: 'the PM2 daemon to exit' }).catch(() => {});
  }
}
