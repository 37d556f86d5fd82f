// The normalized, validated shape of a project: what the engine runs.
// Produced by config/load.ts from a corral.yaml or a Procfile; durations in ms, sizes in bytes.

export type RestartPolicy = 'always' | 'on-failure' | 'never';
export type DependencyCondition = 'started' | 'ready' | 'succeeded' | 'completed';

export type ProbeCheck =
  | { kind: 'http'; url: string; status?: number }
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'exec'; command: string[] }
  | { kind: 'log'; pattern: string }
  | { kind: 'notify' };

export interface ReadySpec {
  check: ProbeCheck;
  timeoutMs: number;
  intervalMs: number;
}

export interface HealthSpec {
  check: Exclude<ProbeCheck, { kind: 'log' } | { kind: 'notify' }>;
  intervalMs: number;
  timeoutMs: number;
  failures: number;
}

export interface BackoffSpec {
  free: number;
  initialMs: number;
  factor: number;
  maxMs: number;
  resetAfterMs: number;
}

export interface ServiceSpec {
  project: string;
  name: string;
  /** argv to exec; a string command in the file becomes ['/bin/sh', '-c', command] */
  command: string[];
  /** absolute working directory */
  cwd: string;
  /** the full environment given on top of the daemon-free base (project env, env files, service env) */
  env: Record<string, string>;
  instances: number;
  dependsOn: Record<string, DependencyCondition>;
  restart: RestartPolicy;
  successCodes: number[];
  backoff: BackoffSpec;
  maxRestarts: number;
  stop: { signal: NodeJS.Signals; timeoutMs: number };
  ready: ReadySpec | null;
  health: HealthSpec | null;
  logs: { timestamps: boolean; maxSizeBytes: number; keep: number };
  user: string | null;
  group: string | null;
  /** numeric umask, e.g. 0o022 */
  umask: number | null;
  oomScoreAdj: number | null;
  sockets: string[];
  maxMemoryBytes: number | null;
  autostart: boolean;
  /**
   * `watch:` as absolute paths and globs (resolved against the config file's directory), ignores with a leading `!`;
   * empty when none. Absent in a definition recorded by an older daemon.
   */
  watch: string[];
}

export interface ProjectSpec {
  name: string;
  /** absolute path of the file it came from, or null when given inline */
  file: string | null;
  /** absolute directory relative paths are resolved against */
  dir: string;
  /** in file order */
  services: ServiceSpec[];
}

/** One problem found in a config file, with where it is. */
export interface ConfigProblem {
  file: string;
  line: number;
  col: number;
  /** dotted path, e.g. services.api.restart */
  path: string;
  message: string;
}
