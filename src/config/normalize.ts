// Turns validated config data into the ProjectSpec the engine runs: defaults filled, units converted.
import { resolve } from 'node:path';
import { DEFAULTS } from '../defaults.js';
import { toSignal } from '../signals.js';
import { type EnvFiles, envFilePaths } from './envfiles.js';
import { parseHostPort, parseUmask } from './kinds.js';
import type { ConfigFile, ProbeConfig, ServiceConfig } from './schema.js';
import type { HealthSpec, ProbeCheck, ProjectSpec, ReadySpec, ServiceSpec } from './types.js';
import { toDurationMs, toSizeBytes } from './units.js';
import { absoluteWatchEntry } from './watch.js';

export interface NormalizeInput {
  /** data that passed validateConfig and every other check */
  config: ConfigFile;
  project: string;
  file: string | null;
  dir: string;
  /** service names in file order */
  order: string[];
  envFiles: EnvFiles;
}

/** The frozen ProjectSpec of a valid config. */
export function normalizeProject(input: NormalizeInput): ProjectSpec {
  const { config, dir } = input;
  const projectEnv = { ...fromFiles(config.env_file, input), ...stringify(config.env) };
  const names = [...input.order.filter((n) => Object.hasOwn(config.services, n))];
  for (const n of Object.keys(config.services)) if (!names.includes(n)) names.push(n);
  const services = names.map((name) => normalizeService(name, config.services[name], projectEnv, input));
  return deepFreeze({ name: input.project, file: input.file, dir, services });
}

function normalizeService(
  name: string,
  s: ServiceConfig,
  projectEnv: Record<string, string>,
  input: NormalizeInput,
): ServiceSpec {
  const b = s.backoff ?? {};
  const logs = s.logs ?? {};
  return {
    project: input.project,
    name,
    command: argv(s.command),
    cwd: resolve(input.dir, s.cwd ?? '.'),
    env: { ...projectEnv, ...fromFiles(s.env_file, input), ...stringify(s.env), CORRAL_SERVICE: name },
    instances: s.instances ?? DEFAULTS.instances,
    dependsOn: Array.isArray(s.depends_on)
      ? Object.fromEntries(s.depends_on.map((d) => [d, 'started' as const]))
      : { ...s.depends_on },
    restart: s.restart ?? DEFAULTS.restart,
    successCodes: s.success_codes ?? [...DEFAULTS.successCodes],
    backoff: {
      free: b.free ?? DEFAULTS.backoff.free,
      initialMs: ms(b.initial, DEFAULTS.backoff.initialMs),
      factor: b.factor ?? DEFAULTS.backoff.factor,
      maxMs: ms(b.max, DEFAULTS.backoff.maxMs),
      resetAfterMs: ms(b.reset_after, DEFAULTS.backoff.resetAfterMs),
    },
    maxRestarts: s.max_restarts ?? DEFAULTS.maxRestarts,
    stop: {
      signal: s.stop?.signal === undefined ? DEFAULTS.stop.signal : toSignal(s.stop.signal)!,
      timeoutMs: ms(s.stop?.timeout, DEFAULTS.stop.timeoutMs),
    },
    ready: s.ready ? readySpec(s.ready) : null,
    health: s.health ? healthSpec(s.health) : null,
    logs: {
      timestamps: logs.timestamps ?? DEFAULTS.logs.timestamps,
      maxSizeBytes: logs.max_size === undefined ? DEFAULTS.logs.maxSizeBytes : toSizeBytes(logs.max_size)!,
      keep: logs.keep ?? DEFAULTS.logs.keep,
    },
    user: s.user === undefined ? null : String(s.user),
    group: s.group === undefined ? null : String(s.group),
    umask: s.umask === undefined ? null : parseUmask(s.umask),
    oomScoreAdj: s.oom_score_adj ?? null,
    sockets: [...(s.sockets ?? [])],
    maxMemoryBytes: s.max_memory === undefined ? null : toSizeBytes(s.max_memory),
    autostart: s.autostart ?? DEFAULTS.autostart,
    watch: (s.watch ?? []).map((p) => absoluteWatchEntry(p, input.dir)),
  };
}

function readySpec(r: ProbeConfig): ReadySpec {
  return {
    check: probeCheck(r),
    timeoutMs: ms(r.timeout, DEFAULTS.ready.timeoutMs),
    intervalMs: ms(r.interval, DEFAULTS.ready.intervalMs),
  };
}

function healthSpec(h: ProbeConfig): HealthSpec {
  return {
    check: probeCheck(h) as HealthSpec['check'],
    intervalMs: ms(h.interval, DEFAULTS.health.intervalMs),
    timeoutMs: ms(h.timeout, DEFAULTS.health.timeoutMs),
    failures: ('failures' in h ? h.failures : undefined) ?? DEFAULTS.health.failures,
  };
}

function probeCheck(p: ProbeConfig): ProbeCheck {
  if (p.http !== undefined)
    return p.status === undefined
      ? { kind: 'http', url: p.http }
      : { kind: 'http', url: p.http, status: p.status };
  if (p.tcp !== undefined) return { kind: 'tcp', ...parseHostPort(p.tcp)! };
  if (p.exec !== undefined) return { kind: 'exec', command: argv(p.exec) };
  if ('log' in p && p.log !== undefined) return { kind: 'log', pattern: p.log };
  return { kind: 'notify' };
}

/** A string runs under /bin/sh -c; a list is exec'd as is. */
function argv(command: string | (string | number)[]): string[] {
  return typeof command === 'string' ? ['/bin/sh', '-c', command] : command.map(String);
}

function ms(value: string | number | undefined, fallback: number): number {
  return value === undefined ? fallback : toDurationMs(value)!;
}

function stringify(env: Record<string, string | number | boolean> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(env ?? {}).map(([k, v]) => [k, String(v)]));
}

// Variables of the env files an `env_file` value names, later files winning.
function fromFiles(value: unknown, input: NormalizeInput): Record<string, string> {
  return Object.assign({}, ...envFilePaths(value, input.dir).map((f) => input.envFiles.get(f) ?? {}));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
