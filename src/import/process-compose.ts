// process-compose.yaml to a corral config: processes, probes, depends_on conditions and replicas
// map almost one to one.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ImportError } from './errors.js';
import { type ConfigDoc, type FindingRecorder, Findings, type Imported } from './findings.js';
import { formatDuration, serviceName, signalName } from './values.js';

type Obj = Record<string, unknown>;

const CONDITIONS: Record<string, string> = {
  process_started: 'started',
  process_healthy: 'ready',
  process_log_ready: 'ready',
  process_completed: 'completed',
  process_completed_successfully: 'succeeded',
};

/** Maps a parsed process-compose.yaml (in `dir`) to a corral config. */
export function importProcessCompose(data: unknown, dir: string): Imported {
  const root = data as Obj;
  const processes = root.processes as Record<string, Obj>;
  const findings = new Findings();
  const top = findings.for(null);
  const config: ConfigDoc = { services: {} };
  const env = envList(root.environment);
  if (env !== null) {
    config.env = env;
    top.exact('environment', 'env');
  }
  for (const key of Object.keys(root)) {
    if (key === 'processes' || key === 'environment') continue;
    top.drop(
      key,
      key === 'version'
        ? 'not needed by corral'
        : "process-compose's own setting, with no corral counterpart",
    );
  }
  for (const [name, p] of Object.entries(processes ?? {})) {
    if (p === null || typeof p !== 'object') throw new ImportError(`processes.${name}: expected a mapping`);
    config.services[serviceName(name)] = mapProcess(p, dir, processes, findings.for(serviceName(name)));
  }
  return { config, findings: findings.list };
}

/** One process to one service. */
function mapProcess(p: Obj, dir: string, all: Record<string, Obj>, f: FindingRecorder): Obj {
  const out: Obj = {};
  if (typeof p.command !== 'string' || p.command === '')
    throw new ImportError(`a process without a command: ${JSON.stringify(p)}`);
  out.command = p.command;
  f.approx('command', 'command', 'run by /bin/sh -c; process-compose runs it by bash -c');
  // process-compose runs a process without working_dir in its own directory: the file's, here
  out.cwd = dir;
  if (typeof p.working_dir === 'string') {
    const cwd = resolve(dir, p.working_dir);
    if (existsSync(cwd)) {
      out.cwd = cwd;
      f.exact('working_dir', 'cwd');
    } else f.drop('working_dir', `${cwd} does not exist here`);
  }
  const env = envList(p.environment);
  if (env !== null) {
    out.env = env;
    f.exact('environment', 'env');
  }
  if (p.replicas !== undefined) {
    if (Number(p.replicas) > 1) out.instances = Number(p.replicas);
    f.approx('replicas', 'instances', 'each replica gets CORRAL_INSTANCE (0..N-1) instead of PC_REPLICA_NUM');
  }
  if (p.depends_on !== null && typeof p.depends_on === 'object') {
    const deps: Record<string, string> = {};
    for (const [dep, spec] of Object.entries(p.depends_on as Record<string, Obj>)) {
      const cond = String(spec?.condition ?? 'process_started');
      const mapped = CONDITIONS[cond];
      if (mapped === undefined || !(dep in all)) {
        f.drop(`depends_on.${dep}`, mapped === undefined ? `unknown condition ${cond}` : `no process ${dep}`);
        continue;
      }
      deps[serviceName(dep)] = mapped;
      f.exact(
        `depends_on.${dep}`,
        `depends_on.${serviceName(dep)}`,
        cond === 'process_log_ready' ? "the dependency's ready_log_line is its ready check" : '',
      );
    }
    if (Object.keys(deps).length > 0) out.depends_on = deps;
  }

  const av = (p.availability ?? {}) as Obj;
  const restart = String(av.restart ?? 'no');
  out.restart = restart === 'always' ? 'always' : restart === 'on_failure' ? 'on-failure' : 'never';
  if (restart === 'exit_on_failure')
    f.approx(
      'availability.restart',
      'restart',
      'exit_on_failure stops every process when this one fails; corral leaves the others running',
    );
  else
    f.exact(
      av.restart === undefined ? '(process-compose default restart: no)' : 'availability.restart',
      'restart',
    );
  if (av.backoff_seconds !== undefined) {
    const ms = Number(av.backoff_seconds) * 1000;
    out.backoff = {
      free: 0,
      initial: formatDuration(ms),
      factor: 1,
      max: formatDuration(Math.max(ms, 60_000)),
    };
    f.exact('availability.backoff_seconds', 'backoff', 'the same delay before every restart');
  }
  if (av.max_restarts !== undefined) {
    out.max_restarts = Number(av.max_restarts);
    f.approx(
      'availability.max_restarts',
      'max_restarts',
      'process-compose counts every restart; corral counts those without a stable run (backoff.reset_after)',
    );
  }
  for (const key of Object.keys(av))
    if (!['restart', 'backoff_seconds', 'max_restarts'].includes(key))
      f.drop(`availability.${key}`, 'corral does not end the project when a process ends');

  const shutdown = (p.shutdown ?? {}) as Obj;
  const stop: Obj = {};
  if (shutdown.signal !== undefined) {
    const s = signalName(shutdown.signal);
    if (s !== null) {
      stop.signal = s;
      f.exact('shutdown.signal', 'stop.signal');
    } else f.drop('shutdown.signal', `not a signal: ${shutdown.signal}`);
  }
  if (shutdown.timeout_seconds !== undefined) {
    stop.timeout = formatDuration(Number(shutdown.timeout_seconds) * 1000);
    f.exact('shutdown.timeout_seconds', 'stop.timeout');
  }
  if (Object.keys(stop).length > 0) out.stop = stop;
  if (shutdown.command !== undefined)
    f.drop(
      'shutdown.command',
      'corral stops a service with its stop signal; a stop command has no counterpart',
    );

  if (typeof p.ready_log_line === 'string') {
    out.ready = { log: p.ready_log_line };
    f.exact('ready_log_line', 'ready.log');
  }
  const readiness = probe(p.readiness_probe as Obj | undefined, 'readiness_probe', f);
  if (readiness !== null) {
    if (out.ready !== undefined)
      f.drop('readiness_probe', 'ready_log_line is the ready check; corral has one');
    else {
      const { check, period, timeout, threshold, delay } = readiness;
      out.ready = {
        ...check,
        interval: formatDuration(period),
        timeout: formatDuration(Math.max(delay + period * threshold, timeout)),
      };
      f.approx(
        'readiness_probe',
        'ready',
        'ready once a check passes; the deadline is initial_delay + period x failure_threshold, after which corral restarts the process',
      );
    }
  }
  const liveness = probe(p.liveness_probe as Obj | undefined, 'liveness_probe', f);
  if (liveness !== null) {
    out.health = {
      ...liveness.check,
      interval: formatDuration(liveness.period),
      timeout: formatDuration(liveness.timeout),
      failures: liveness.threshold,
    };
    f.exact(
      'liveness_probe',
      'health',
      liveness.delay > 0
        ? 'health checks start once the service is ready (initial_delay_seconds is not kept)'
        : '',
    );
  }
  if (p.disabled === true) {
    out.autostart = false;
    f.exact('disabled', 'autostart');
  }
  const handled = new Set([
    'command',
    'working_dir',
    'environment',
    'replicas',
    'depends_on',
    'availability',
    'shutdown',
    'ready_log_line',
    'readiness_probe',
    'liveness_probe',
    'disabled',
  ]);
  for (const key of Object.keys(p)) {
    if (handled.has(key)) continue;
    const why: Record<string, string> = {
      log_location: 'corral writes HOME/logs/PROJECT/SERVICE.log (read with corral logs)',
      namespace: 'corral has one project per file',
      is_daemon:
        'corral supervises the process it starts; a program that forks away must run in the foreground',
      description: 'no counterpart',
    };
    f.drop(key, why[key] ?? "process-compose's own setting, with no corral counterpart");
  }
  return out;
}

interface Probe {
  check: Obj;
  period: number;
  timeout: number;
  threshold: number;
  delay: number;
}

/** A readiness or liveness probe: exec or http_get, with its timings. */
function probe(p: Obj | undefined, key: string, f: FindingRecorder): Probe | null {
  if (p === undefined || p === null) return null;
  let check: Obj;
  const exec = p.exec as Obj | undefined;
  const http = p.http_get as Obj | undefined;
  if (exec?.command !== undefined) check = { exec: String(exec.command) };
  else if (http !== undefined) {
    const scheme = String(http.scheme ?? 'http');
    const host = String(http.host ?? '127.0.0.1');
    const path = String(http.path ?? '/');
    check = {
      http: `${scheme}://${host}${http.port === undefined ? '' : `:${http.port}`}${path.startsWith('/') ? path : `/${path}`}`,
    };
  } else {
    f.drop(key, 'neither exec nor http_get');
    return null;
  }
  if (p.success_threshold !== undefined && Number(p.success_threshold) !== 1)
    f.drop(`${key}.success_threshold`, 'corral counts one passing check');
  return {
    check,
    period: Number(p.period_seconds ?? 10) * 1000,
    timeout: Number(p.timeout_seconds ?? 1) * 1000,
    threshold: Number(p.failure_threshold ?? 3),
    delay: Number(p.initial_delay_seconds ?? 0) * 1000,
  };
}

/** process-compose's `environment:` (a list of NAME=value, or a map). */
function envList(value: unknown): Record<string, string> | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value))
    return Object.fromEntries(Object.entries(value as Obj).map(([k, v]) => [k, String(v)]));
  const env: Record<string, string> = {};
  for (const entry of value) {
    const text = String(entry);
    const eq = text.indexOf('=');
    if (eq > 0) env[text.slice(0, eq)] = text.slice(eq + 1);
  }
  return env;
}
