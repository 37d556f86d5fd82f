// Compose files to a corral config: services with a command run on the host; image-only ones are
// reported as not importable. ${VAR} references stay as they are: corral interpolates them the same way.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ImportError } from './errors.js';
import { type ConfigDoc, type FindingRecorder, Findings, type Imported } from './findings.js';
import {
  formatDuration,
  formatSize,
  parseGoDuration,
  parseLooseSize,
  serviceName,
  shellWords,
  signalName,
} from './values.js';

type Svc = Record<string, unknown>;

const CONDITIONS: Record<string, string> = {
  service_started: 'started',
  service_healthy: 'ready',
  service_completed_successfully: 'succeeded',
};

// Keys that only mean something for a container.
const CONTAINER_ONLY: Record<string, string> = {
  image: 'the service runs its command on the host, not in this image',
  build: 'the service runs its command on the host; nothing is built',
  volumes: 'a host process sees the host file system: paths inside the container do not exist',
  networks: 'host processes share the host network: a service name (db:5432) must become 127.0.0.1:5432',
  ports: 'a host process binds its own port (or takes it from sockets:)',
  expose: 'a host process binds its own port',
  container_name: 'there is no container',
  hostname: 'there is no container',
  cap_add: 'no container capabilities on the host',
  cap_drop: 'no container capabilities on the host',
  privileged: 'there is no container',
  devices: 'there is no container',
  secrets: 'no secret files are mounted: pass them in env_file',
  configs: 'no config files are mounted',
  tty: 'corral gives services no terminal',
  stdin_open: 'corral gives services no stdin',
  init: 'corral reaps orphans of services itself',
  labels: 'there is no container',
  platform: 'there is no container',
  pull_policy: 'there is no image',
  profiles: 'every service is imported; use autostart: false for optional ones',
  extra_hosts: 'host processes use the host resolver',
  dns: 'host processes use the host resolver',
  network_mode: 'host processes share the host network',
};

/** Maps a parsed Compose file (in `dir`) to a corral config; image-only services are dropped. */
export function importCompose(data: unknown, dir: string): Imported {
  const root = data as Record<string, unknown>;
  const services = root.services as Record<string, Svc>;
  const findings = new Findings();
  const top = findings.for(null);
  const config: ConfigDoc = { services: {} };
  if (typeof root.name === 'string') {
    config.name = root.name;
    top.exact('name', 'name');
  }
  for (const key of Object.keys(root)) {
    if (key === 'name' || key === 'services' || key.startsWith('x-')) continue;
    top.drop(
      key,
      key === 'version'
        ? 'obsolete in Compose too'
        : `top-level ${key} are Docker objects; host processes have none`,
    );
  }
  const runnable = new Set(
    Object.entries(services)
      .filter(([, s]) => s?.command !== undefined || s?.entrypoint !== undefined)
      .map(([n]) => n),
  );
  // a service_healthy dependency needs the dependency's healthcheck as its ready check
  const needReady = new Set<string>();
  for (const s of Object.values(services)) {
    const deps = s?.depends_on;
    if (deps !== null && typeof deps === 'object' && !Array.isArray(deps))
      for (const [dep, spec] of Object.entries(deps))
        if ((spec as Svc)?.condition === 'service_healthy') needReady.add(dep);
  }
  for (const [name, svc] of Object.entries(services)) {
    const f = findings.for(serviceName(name));
    if (!runnable.has(name)) {
      f.drop(
        'image',
        `not importable: ${svc?.image === undefined ? 'no command' : `only an image (${svc.image})`}; what it runs is inside the image. Give it a command that runs on the host, or run the container: command: docker run --rm ${svc?.image ?? 'IMAGE'}`,
      );
      continue;
    }
    config.services[serviceName(name)] = mapService(svc, dir, runnable, needReady.has(name), f);
  }
  if (Object.keys(config.services).length === 0)
    throw new ImportError(
      `no service of this Compose file has a command that can run on the host (image-only: ${Object.keys(services).join(', ')})`,
    );
  return { config, findings: findings.list };
}

/** One Compose service to a corral service. */
function mapService(s: Svc, dir: string, runnable: Set<string>, asReady: boolean, f: FindingRecorder): Svc {
  const out: Svc = {};
  const words = (v: unknown): string[] =>
    Array.isArray(v) ? v.map(String) : typeof v === 'string' ? shellWords(v) : [];
  out.command = [...words(s.entrypoint), ...words(s.command)];
  f.exact(
    s.entrypoint === undefined ? 'command' : 'entrypoint, command',
    'command',
    'a string is split into words, not run by a shell, as Compose does',
  );

  if (typeof s.working_dir === 'string') {
    const cwd = resolve(dir, s.working_dir);
    if (existsSync(cwd)) {
      out.cwd = cwd;
      f.approx(
        'working_dir',
        'cwd',
        'a path inside the container in Compose; here the same path on the host',
      );
    } else f.drop('working_dir', `${s.working_dir} is a path inside the container and does not exist here`);
  }
  const env = environment(s.environment);
  // corral gives every process these itself (a file written by corral export carries them)
  for (const name of ['CORRAL_PROJECT', 'CORRAL_SERVICE', 'CORRAL_INSTANCE']) {
    if (env === null || !(name in env)) continue;
    delete env[name];
    f.drop(`environment.${name}`, 'corral sets it for every process itself');
  }
  if (env !== null && Object.keys(env).length > 0) {
    out.env = env;
    f.exact('environment', 'env', 'a name without a value takes it from the environment corral is run in');
  }
  if (s.env_file !== undefined) {
    const files: string[] = [];
    for (const entry of Array.isArray(s.env_file) ? s.env_file : [s.env_file]) {
      const path = typeof entry === 'string' ? entry : (entry as Svc)?.path;
      const required = typeof entry === 'string' || (entry as Svc)?.required !== false;
      if (typeof path !== 'string') continue;
      if (!required && !existsSync(resolve(dir, path)))
        f.drop(`env_file ${path}`, 'optional (required: false) and missing here');
      else files.push(resolve(dir, path));
    }
    if (files.length > 0) {
      out.env_file = files.length === 1 ? files[0] : files;
      f.approx(
        'env_file',
        'env_file',
        'read as dotenv: Compose interpolates $VAR references inside env files, corral does not',
      );
    }
  }
  const replicas = (s.deploy as Svc | undefined)?.replicas ?? s.scale;
  if (replicas !== undefined) {
    if (Number(replicas) > 1) out.instances = Number(replicas);
    f.exact((s.deploy as Svc | undefined)?.replicas !== undefined ? 'deploy.replicas' : 'scale', 'instances');
  }
  const deps = dependsOn(s.depends_on, runnable, f);
  if (deps !== null) out.depends_on = deps;

  // restart: Compose's default is "no"
  const restart = typeof s.restart === 'string' ? s.restart : 'no';
  const onFailure = /^on-failure(?::(\d+))?$/.exec(restart);
  if (restart === 'no') {
    out.restart = 'never';
    f.exact(s.restart === undefined ? '(Compose default restart: no)' : 'restart', 'restart');
  } else if (restart === 'always') {
    out.restart = 'always';
    f.exact('restart', 'restart');
  } else if (restart === 'unless-stopped') {
    out.restart = 'always';
    f.approx(
      'restart',
      'restart',
      'unless-stopped: corral also leaves a service stopped by corral stop, but starts it again with corral up',
    );
  } else if (onFailure !== null) {
    out.restart = 'on-failure';
    if (onFailure[1] !== undefined) out.max_restarts = Number(onFailure[1]);
    f.exact('restart', onFailure[1] === undefined ? 'restart' : 'max_restarts');
  } else f.drop('restart', `not a Compose restart policy: ${restart}`);
  const policy = (s.deploy as Svc | undefined)?.restart_policy as Svc | undefined;
  if (policy !== undefined)
    f.drop(
      'deploy.restart_policy',
      'a Swarm setting that docker compose up does not use; restart: is imported',
    );

  const stop: Svc = {};
  const signal = s.stop_signal === undefined ? null : signalName(s.stop_signal);
  if (signal !== null) {
    stop.signal = signal;
    f.exact('stop_signal', 'stop.signal');
  } else if (s.stop_signal !== undefined)
    f.drop('stop_signal', `not a signal: ${JSON.stringify(s.stop_signal)}`);
  const grace = s.stop_grace_period === undefined ? 10_000 : parseGoDuration(s.stop_grace_period);
  stop.timeout = formatDuration(grace ?? 10_000);
  f.exact(
    s.stop_grace_period === undefined ? '(Compose default stop_grace_period: 10s)' : 'stop_grace_period',
    'stop.timeout',
  );
  out.stop = stop;

  const hc = s.healthcheck as Svc | undefined;
  if (hc !== undefined) healthcheck(hc, out, asReady, f);
  if (s.oom_score_adj !== undefined) {
    out.oom_score_adj = Number(s.oom_score_adj);
    f.exact('oom_score_adj', 'oom_score_adj');
  }
  const memory = s.mem_limit ?? ((s.deploy as Svc | undefined)?.resources as Svc | undefined)?.limits;
  const limit = typeof memory === 'object' && memory !== null ? (memory as Svc).memory : memory;
  if (limit !== undefined) {
    const bytes = parseLooseSize(limit);
    if (bytes !== null) {
      out.max_memory = formatSize(bytes);
      f.approx(
        s.mem_limit !== undefined ? 'mem_limit' : 'deploy.resources.limits.memory',
        'max_memory',
        "a cgroup limit in Compose (the kernel kills); corral restarts the service when its process tree's RSS goes over it",
      );
    }
  }
  if (typeof s.user === 'string' || typeof s.user === 'number') {
    const [user, group] = String(s.user).split(':');
    out.user = /^\d+$/.test(user) ? Number(user) : user;
    if (group !== undefined) out.group = /^\d+$/.test(group) ? Number(group) : group;
    f.approx(
      'user',
      'user',
      'a user of the container in Compose; here an account of this machine, and corral must run as root',
    );
  }
  const logging = s.logging as Svc | undefined;
  const opts = logging?.options as Svc | undefined;
  if (opts?.['max-size'] !== undefined || opts?.['max-file'] !== undefined) {
    const logs: Svc = {};
    const bytes = parseLooseSize(opts['max-size']);
    if (bytes !== null) logs.max_size = formatSize(bytes);
    if (opts['max-file'] !== undefined) logs.keep = Math.max(0, Number(opts['max-file']) - 1);
    out.logs = logs;
    f.approx(
      'logging.options',
      'logs',
      'max-file counts the current file; corral keep counts the rotated ones',
    );
  } else if (logging !== undefined) f.drop('logging', 'corral writes its own log files');

  const handled = new Set([
    'command',
    'entrypoint',
    'working_dir',
    'environment',
    'env_file',
    'deploy',
    'scale',
    'depends_on',
    'restart',
    'stop_signal',
    'stop_grace_period',
    'healthcheck',
    'oom_score_adj',
    'mem_limit',
    'user',
    'logging',
  ]);
  for (const key of Object.keys(s)) {
    if (handled.has(key)) continue;
    f.drop(key, CONTAINER_ONLY[key] ?? 'not a Compose key corral has a counterpart for');
  }
  const deploy = s.deploy as Svc | undefined;
  for (const key of Object.keys(deploy ?? {}))
    if (!['replicas', 'restart_policy', 'resources'].includes(key))
      f.drop(`deploy.${key}`, 'a Swarm setting with no corral counterpart');
  return out;
}

/** `environment:` as a map or a list of NAME=value; a bare NAME becomes ${NAME}. */
function environment(value: unknown): Record<string, string> | null {
  if (value === undefined || value === null) return null;
  const env: Record<string, string> = {};
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((e) => {
        const text = String(e);
        const eq = text.indexOf('=');
        return eq < 0 ? [text, null] : [text.slice(0, eq), text.slice(eq + 1)];
      })
    : Object.entries(value as Svc);
  for (const [k, v] of entries) env[k] = v === null || v === undefined ? `\${${k}}` : String(v);
  return env;
}

/** `depends_on:` short or long form; dependencies on services that were not imported are dropped. */
function dependsOn(value: unknown, runnable: Set<string>, f: FindingRecorder): Record<string, string> | null {
  if (value === undefined) return null;
  const out: Record<string, string> = {};
  const entries: [string, Svc][] = Array.isArray(value)
    ? value.map((d) => [String(d), {}])
    : Object.entries(value as Record<string, Svc>);
  for (const [dep, spec] of entries) {
    const key = `depends_on.${dep}`;
    if (!runnable.has(dep)) {
      f.drop(key, `${dep} is not imported (image only)`);
      continue;
    }
    const condition = CONDITIONS[String(spec?.condition ?? 'service_started')];
    if (condition === undefined) {
      f.drop(key, `unknown condition ${spec?.condition}`);
      continue;
    }
    out[serviceName(dep)] = condition;
    if (spec?.required === false)
      f.approx(
        key,
        `depends_on.${serviceName(dep)}`,
        'required: false: corral always waits for a dependency',
      );
    else if (spec?.restart === true)
      f.approx(
        key,
        `depends_on.${serviceName(dep)}`,
        'restart: true: corral does not restart dependents when a dependency restarts',
      );
    else f.exact(key, `depends_on.${serviceName(dep)}`);
  }
  return Object.keys(out).length > 0 ? out : null;
}

/** `healthcheck:` to health (an exec check), and to ready too when a dependent waits for service_healthy. */
function healthcheck(hc: Svc, out: Svc, asReady: boolean, f: FindingRecorder): void {
  const test = hc.test;
  if (hc.disable === true || (Array.isArray(test) && test[0] === 'NONE')) {
    f.drop('healthcheck', 'disabled');
    return;
  }
  let exec: string | string[];
  if (Array.isArray(test) && test[0] === 'CMD') exec = test.slice(1).map(String);
  else if (Array.isArray(test) && test[0] === 'CMD-SHELL') exec = String(test[1]);
  else if (typeof test === 'string') exec = test;
  else {
    f.drop('healthcheck', 'no test');
    return;
  }
  const interval = parseGoDuration(hc.interval ?? '30s') ?? 30_000;
  const timeout = parseGoDuration(hc.timeout ?? '30s') ?? 30_000;
  out.health = {
    exec,
    interval: formatDuration(interval),
    timeout: formatDuration(timeout),
    failures: Number(hc.retries ?? 3),
  };
  f.approx(
    'healthcheck',
    'health',
    'Compose only marks a service unhealthy; corral restarts it after failures checks in a row',
  );
  if (hc.start_period !== undefined || hc.start_interval !== undefined)
    f.drop('healthcheck.start_period', 'corral starts health checks once the service is ready');
  if (asReady) {
    const startPeriod = parseGoDuration(hc.start_period ?? '0s') ?? 0;
    out.ready = {
      exec,
      interval: formatDuration(parseGoDuration(hc.start_interval ?? hc.interval ?? '30s') ?? 30_000),
      timeout: formatDuration(Math.max(15_000, startPeriod + interval * Number(hc.retries ?? 3))),
    };
    f.approx(
      'healthcheck (for service_healthy)',
      'ready',
      'a dependent waits for it to pass once; corral runs the check as the ready check, up to start_period + interval x retries',
    );
  }
}
