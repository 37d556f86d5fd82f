// supervisord as the benchmark drives it: Debian's package, run by the harness itself (never
// Debian's system service) with a config, socket, pidfile and log directory in a temp dir.
import { existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchEnv, onCleanup } from '../lib/cleanup.mjs';
import { run, start } from '../lib/exec.mjs';
import { unixRequest } from '../lib/http.mjs';
import { aptInstall } from '../lib/install.mjs';
import { alive } from '../lib/procfs.mjs';
import { waitFor } from '../lib/wait.mjs';

const SUPERVISORD = '/usr/bin/supervisord';
const SUPERVISORCTL = '/usr/bin/supervisorctl';

export const supervisord = {
  name: 'supervisord',
  label: 'supervisord',

  /** apt-get install supervisor (as root) when it is not there yet. */
  async install(log, { allowInstall = true } = {}) {
    if (!existsSync(SUPERVISORD) && !allowInstall)
      return { ok: false, why: 'not installed (and --no-install given)' };
    if (!existsSync(SUPERVISORD)) {
      const r = await aptInstall('supervisor', log);
      if (!r.ok) return r;
    }
    const r = await run(SUPERVISORD, ['--version'], { env: benchEnv() });
    return r.code === 0 ? { ok: true, version: r.stdout.trim() } : { ok: false, why: r.stderr.trim() };
  },

  open(dir) {
    return new SupervisordSession(dir);
  },
};

const shellQuote = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${String(s).replaceAll("'", "'\\''")}'`);

class SupervisordSession {
  constructor(dir) {
    this.dir = dir;
    this.logs = join(dir, 'logs');
    this.conf = join(dir, 'supervisord.conf');
    this.sock = join(dir, 'supervisor.sock');
    this.env = benchEnv({ HOME: dir });
    this.daemon = null;
    mkdirSync(this.logs, { recursive: true });
    this.dropCleanup = onCleanup(() => this.close());
  }

  /** Writes the config and starts supervisord (in the foreground, as the harness's child). */
  async start(services, { rotate = true } = {}) {
    const lines = [
      '[unix_http_server]',
      `file=${this.sock}`,
      '[supervisord]',
      'nodaemon=true',
      `logfile=${join(this.dir, 'supervisord.log')}`,
      `pidfile=${join(this.dir, 'supervisord.pid')}`,
      `childlogdir=${this.logs}`,
      `minfds=${Math.max(1024, services.length * 4 + 64)}`,
      '[rpcinterface:supervisor]',
      'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
      '[supervisorctl]',
      `serverurl=unix://${this.sock}`,
    ];
    for (const s of services) {
      lines.push(
        `[program:${s.name}]`,
        `command=${s.argv.map(shellQuote).join(' ')}`,
        'autostart=true',
        'autorestart=true',
        'startsecs=0',
        'startretries=1000000',
        'redirect_stderr=true',
        `stdout_logfile=${this.logFile(s.name)}`,
      );
      if (!rotate) lines.push('stdout_logfile_maxbytes=0');
    }
    writeFileSync(this.conf, `${lines.join('\n')}\n`);
    this.spawnDaemon();
    return { code: 0 };
  }

  spawnDaemon() {
    const out = openSync(join(this.dir, 'supervisord.out'), 'a');
    this.daemon = start(SUPERVISORD, ['-c', this.conf], { env: this.env, cwd: this.dir, logFd: out });
  }

  ctl(args, opts = {}) {
    return run(SUPERVISORCTL, ['-c', this.conf, ...args], { env: this.env, cwd: this.dir, ...opts });
  }

  status() {
    // exit status 3 means "some program is not running", which is data, not failure
    return this.ctl(['status']);
  }

  stop() {
    return this.ctl(['stop', 'all'], { timeoutMs: 600_000 });
  }

  /** { name: { running, pid } } from supervisord's XML-RPC interface (cheap: no CLI start-up). */
  async states() {
    const body =
      '<?xml version="1.0"?><methodCall><methodName>supervisor.getAllProcessInfo</methodName>' +
      '<params></params></methodCall>';
    const r = await unixRequest(this.sock, 'POST', '/RPC2', {
      body,
      headers: { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) },
    });
    const out = {};
    for (const struct of r.body.split('<struct>').slice(1)) {
      const field = (k) =>
        struct.match(new RegExp(`<name>${k}</name>\\s*<value>\\s*<(?:string|int)>([^<]*)<`))?.[1];
      out[field('name')] = { running: field('statename') === 'RUNNING', pid: Number(field('pid')) || null };
    }
    return out;
  }

  daemonPid() {
    return this.daemon && alive(this.daemon.pid) ? this.daemon.pid : null;
  }

  /** The supervisor's own processes (its daemon: no helper runs beside it here). */
  ownPids() {
    const pid = this.daemonPid();
    return pid === null ? [] : [pid];
  }

  logFile(name) {
    return join(this.logs, `${name}.log`);
  }

  /** A planned restart of supervisord: `supervisorctl reload` (same process, its programs restarted). */
  async restartDaemon() {
    await this.ctl(['reload'], { timeoutMs: 300_000 });
  }

  /** `reload` keeps supervisord's pid: its new life is told by its answers, not by a new pid. */
  get restartsInPlace() {
    return true;
  }

  /** After a SIGKILL of supervisord: start it again with the same config. */
  async revive() {
    this.spawnDaemon();
  }

  async close() {
    this.dropCleanup();
    const pid = this.daemonPid();
    if (pid === null) return;
    await this.ctl(['shutdown'], { timeoutMs: 600_000, duringCleanup: true }).catch(() => {});
    await waitFor(() => !alive(pid), { timeout: 60_000, what: 'supervisord to exit' }).catch(() => {});
  }
}
