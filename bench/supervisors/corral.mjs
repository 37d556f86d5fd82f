// corral as the benchmark drives it: a temporary home, a generated corral.yaml, the built CLI.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchEnv, onCleanup } from '../lib/cleanup.mjs';
import { run } from '../lib/exec.mjs';
import { unixRequest } from '../lib/http.mjs';
import { alive, pidsWhoseEnv } from '../lib/procfs.mjs';
import { waitFor } from '../lib/wait.mjs';

const REPO = new URL('../../', import.meta.url).pathname;
// BENCH_CORRAL_CLI measures another build of corral (a patched copy, say) with the same harness
const CLI = process.env.BENCH_CORRAL_CLI ?? join(REPO, 'dist', 'src', 'cli', 'bin.js');
const PROJECT = 'bench';

export const corral = {
  name: 'corral',
  label: 'corral',

  /** Needs only the build; returns { ok, version } or { ok: false, why }. */
  async install() {
    if (!existsSync(CLI)) return { ok: false, why: `${CLI} is missing: run npm run build first` };
    const r = await run(process.execPath, [CLI, '--version'], { env: benchEnv() });
    return { ok: r.code === 0, version: r.stdout.trim(), why: r.stderr.trim() };
  },

  /** A fresh home in `dir`; nothing runs until start(). */
  open(dir) {
    return new CorralSession(dir);
  },
};

const quote = (s) => JSON.stringify(String(s));

class CorralSession {
  constructor(dir) {
    this.dir = dir;
    this.home = join(dir, 'home');
    this.file = join(dir, 'corral.yaml');
    this.env = benchEnv({ CORRAL_HOME: this.home, HOME: dir });
    mkdirSync(dir, { recursive: true });
    this.dropCleanup = onCleanup(() => this.close());
  }

  cli(args, opts = {}) {
    return run(process.execPath, [CLI, ...args], { env: this.env, cwd: this.dir, ...opts });
  }

  /**
   * Writes the project file for `services` ([{ name, argv }]) and applies it (`up --no-wait`),
   * starting the daemon if none runs. Resolves when the command has returned.
   */
  async start(services, { rotate = true, timestamps = false } = {}) {
    const lines = [`name: ${PROJECT}`, 'services:'];
    for (const s of services) {
      lines.push(`  ${s.name}:`);
      lines.push(`    command: [${s.argv.map(quote).join(', ')}]`);
      lines.push('    backoff: { free: 100000 }');
      const logs = [...(rotate ? [] : ['max_size: 1GB']), ...(timestamps ? ['timestamps: true'] : [])];
      if (logs.length > 0) lines.push(`    logs: { ${logs.join(', ')} }`);
    }
    writeFileSync(this.file, `${lines.join('\n')}\n`);
    return this.cli(['up', '--no-wait', '-f', this.file], { check: true });
  }

  /** The status command a user types. */
  status() {
    return this.cli(['ps'], { check: true });
  }

  /** Stops and removes every service of the project; resolves when the command has returned. */
  stop() {
    return this.cli(['down', '-f', this.file], { check: true, timeoutMs: 300_000 });
  }

  /** { name: { state, pid } } from the daemon's API (cheap: no CLI start-up). */
  async states() {
    const r = await unixRequest(join(this.home, 'corral.sock'), 'GET', '/v1/services');
    const out = {};
    for (const p of JSON.parse(r.body)) out[p.service] = { running: p.state === 'running', pid: p.pid };
    return out;
  }

  daemonPid() {
    try {
      return Number(readFileSync(join(this.home, 'daemon.pid'), 'utf8').trim()) || null;
    } catch {
      return null;
    }
  }

  logFile(name) {
    return join(this.home, 'logs', PROJECT, `${name}.log`);
  }

  /**
   * corral's own processes: the daemon and its helpers (the FIFO keeper, the socket keeper), that
   * is every process of the home that is not a service (services carry CORRAL_SERVICE).
   */
  ownPids() {
    const home = `\0CORRAL_HOME=${this.home}\0`;
    return pidsWhoseEnv((env) => `\0${env}`.includes(home) && !`\0${env}`.includes('\0CORRAL_SERVICE='));
  }

  /** A planned restart of the daemon, services left running: `corral daemon restart`. */
  async restartDaemon() {
    await this.cli(['daemon', 'restart'], { check: true, timeoutMs: 300_000 });
  }

  /** After a SIGKILL of the daemon: what a user (or systemd) does to have one again. */
  async revive() {
    await this.cli(['daemon', 'start'], { check: true });
  }

  /** Stops everything (services and daemon) and waits for the daemon to be gone. Idempotent. */
  async close() {
    this.dropCleanup();
    const pid = this.daemonPid();
    if (pid === null || !alive(pid)) return;
    await this.cli(['daemon', 'stop'], { timeoutMs: 60_000, duringCleanup: true }).catch(() => {});
    await waitFor(() => !alive(pid), { timeout: 10_000, what: 'the corral daemon to exit' }).catch(() => {});
  }
}
