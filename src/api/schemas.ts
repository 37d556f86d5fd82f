// The wire contract of the HTTP API: every request and response shape, shared by the server, the
// client and the OpenAPI document. The client imports these types and nothing of the engine's.
import { type Static, Type } from '../schema/build.js';

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Unknown()),
  }),
});

export const NameParams = Type.Object({ name: Type.String({ minLength: 1 }) });
export type NameParams = Static<typeof NameParams>;
export const ProjectParams = Type.Object({ project: Type.String({ minLength: 1 }) });
export type ProjectParams = Static<typeof ProjectParams>;

export const ApplyBody = Type.Object(
  {
    path: Type.Optional(
      Type.String({ minLength: 1, description: 'absolute path of a corral.yaml or Procfile' }),
    ),
    config: Type.Optional(Type.String({ minLength: 1, description: 'the text of a config file' })),
    dir: Type.Optional(
      Type.String({ description: 'directory relative paths of an inline config resolve against' }),
    ),
    file: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'absolute path of the file `config` was read from, recorded as the project source',
      }),
    ),
    format: Type.Optional(Type.Union([Type.Literal('yaml'), Type.Literal('procfile')])),
    services: Type.Optional(
      Type.Array(Type.String(), { description: 'start only these (and their dependencies)' }),
    ),
    env: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        description: 'the environment that VAR references in the config interpolate from',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ApplyBody = Static<typeof ApplyBody>;

export const SignalBody = Type.Object(
  { signal: Type.String({ minLength: 1 }) },
  { additionalProperties: false },
);
export type SignalBody = Static<typeof SignalBody>;

/** The body of start/stop/restart of one name: empty (or absent); no field is known. */
export const ActionBody = Type.Object({}, { additionalProperties: false });
export type ActionBody = Static<typeof ActionBody>;

export const Action = Type.Union([Type.Literal('start'), Type.Literal('stop'), Type.Literal('restart')]);
export type Action = Static<typeof Action>;
export const ActionParams = Type.Object({ action: Action });
export type ActionParams = Static<typeof ActionParams>;

/** POST /v1/actions/{action}: every name is resolved before any process is touched. */
export const BatchBody = Type.Object(
  { names: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }) },
  { additionalProperties: false },
);
export type BatchBody = Static<typeof BatchBody>;

export const SignalResult = Type.Object({ signal: Type.String(), sent: Type.Array(Type.String()) });
export type SignalResult = Static<typeof SignalResult>;

export const ShutdownBody = Type.Object(
  { keep_services: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
export type ShutdownBody = Static<typeof ShutdownBody>;

export const LogsQuery = Type.Object(
  {
    tail: Type.Optional(
      Type.String({ pattern: '^[0-9]+$', description: 'how many lines of each process (a whole number)' }),
    ),
    since: Type.Optional(Type.String({ description: 'a duration (5m) or a time (ISO 8601)' })),
    follow: Type.Optional(
      Type.Union([Type.Literal('1'), Type.Literal('0'), Type.Literal('true'), Type.Literal('false')]),
    ),
    last_event_id: Type.Optional(
      Type.String({
        description: 'with follow=1: resume after this id (for clients that cannot send Last-Event-ID)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type LogsQuery = Static<typeof LogsQuery>;

export const ProjectsQuery = Type.Object(
  {
    secrets: Type.Optional(
      Type.Union([Type.Literal('1'), Type.Literal('0'), Type.Literal('true'), Type.Literal('false')], {
        description: 'show environment values whose names look secret (masked as *** otherwise)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ProjectsQuery = Static<typeof ProjectsQuery>;

export const EventsQuery = Type.Object(
  {
    since: Type.Optional(Type.String()),
    follow: Type.Optional(
      Type.Union([Type.Literal('1'), Type.Literal('0'), Type.Literal('true'), Type.Literal('false')]),
    ),
    last_event_id: Type.Optional(
      Type.String({
        description: 'with follow=1: resume after this id (for clients that cannot send Last-Event-ID)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type EventsQuery = Static<typeof EventsQuery>;

export const ProcessStatus = Type.Object({
  project: Type.String(),
  service: Type.String(),
  instance: Type.Integer(),
  name: Type.String(),
  state: Type.String(),
  pid: Type.Union([Type.Integer(), Type.Null()]),
  restarts: Type.Integer(),
  started_at: Type.Union([Type.String(), Type.Null()]),
  health: Type.String(),
  last_exit: Type.Union([
    Type.Object({
      code: Type.Union([Type.Integer(), Type.Null()]),
      signal: Type.Union([Type.String(), Type.Null()]),
      reason: Type.String(),
    }),
    Type.Null(),
  ]),
  backoff_ms: Type.Union([Type.Integer(), Type.Null()]),
  message: Type.Union([Type.String(), Type.Null()]),
  outdated: Type.Boolean(),
  status_text: Type.Union([Type.String(), Type.Null()]),
  cpu: Type.Union([Type.Number(), Type.Null()]),
  memory: Type.Union([Type.Integer(), Type.Null()]),
});
export type ProcessStatus = Static<typeof ProcessStatus>;

export const Health = Type.Object({
  version: Type.String(),
  pid: Type.Integer(),
  uptime_ms: Type.Integer(),
  home: Type.String(),
  started_at: Type.String(),
  services: Type.Integer(),
  /** processes this daemon took up from its predecessor when it started */
  adopted: Type.Array(Type.String()),
  /** processes it found dead at its start and handed to their restart policy */
  found_dead: Type.Array(Type.String()),
  /** what was wrong with the state file it found, if anything */
  recovery: Type.Union([Type.String(), Type.Null()]),
});
export type Health = Static<typeof Health>;

/** DELETE /v1/projects/{project}: the project removed, the processes its removal stopped, those SIGKILLed. */
export const ProjectRemoval = Type.Object({
  removed: Type.String(),
  stopped: Type.Array(Type.String()),
  killed: Type.Array(Type.String()),
});
export type ProjectRemoval = Static<typeof ProjectRemoval>;

export const ApplyResult = Type.Object({
  project: Type.String(),
  created: Type.Array(Type.String()),
  changed: Type.Array(Type.String()),
  removed: Type.Array(Type.String()),
  unchanged: Type.Array(Type.String()),
});
export type ApplyResult = Static<typeof ApplyResult>;

/** One line of events.jsonl, as GET /v1/events sends it. */
export const CorralEvent = Type.Object({
  /** ISO 8601 with milliseconds */
  time: Type.String(),
  type: Type.String(),
  project: Type.Union([Type.String(), Type.Null()]),
  service: Type.Union([Type.String(), Type.Null()]),
  instance: Type.Union([Type.Integer(), Type.Null()]),
  pid: Type.Union([Type.Integer(), Type.Null()]),
  code: Type.Union([Type.Integer(), Type.Null()]),
  signal: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
  delay_ms: Type.Union([Type.Integer(), Type.Null()]),
  message: Type.Union([Type.String(), Type.Null()]),
});
export type CorralEvent = Static<typeof CorralEvent>;

export const LogEntry = Type.Object({ name: Type.String(), line: Type.String() });
export type LogEntry = Static<typeof LogEntry>;

const Probe = Type.Record(Type.String(), Type.Unknown(), { description: 'a probe: its kind and target' });

/** A service's definition as loaded (durations in ms, sizes in bytes), within GET /v1/projects. */
export const ServiceDefinition = Type.Object({
  project: Type.String(),
  name: Type.String(),
  command: Type.Array(Type.String()),
  cwd: Type.String(),
  env: Type.Record(Type.String(), Type.String()),
  instances: Type.Integer(),
  dependsOn: Type.Record(Type.String(), Type.String()),
  restart: Type.String(),
  successCodes: Type.Array(Type.Integer()),
  backoff: Type.Object({
    free: Type.Integer(),
    initialMs: Type.Number(),
    factor: Type.Number(),
    maxMs: Type.Number(),
    resetAfterMs: Type.Number(),
  }),
  maxRestarts: Type.Integer(),
  stop: Type.Object({ signal: Type.String(), timeoutMs: Type.Number() }),
  ready: Type.Union([
    Type.Object({ check: Probe, timeoutMs: Type.Number(), intervalMs: Type.Number() }),
    Type.Null(),
  ]),
  health: Type.Union([
    Type.Object({
      check: Probe,
      intervalMs: Type.Number(),
      timeoutMs: Type.Number(),
      failures: Type.Integer(),
    }),
    Type.Null(),
  ]),
  logs: Type.Object({ timestamps: Type.Boolean(), maxSizeBytes: Type.Number(), keep: Type.Integer() }),
  user: Type.Union([Type.String(), Type.Null()]),
  group: Type.Union([Type.String(), Type.Null()]),
  umask: Type.Union([Type.Integer(), Type.Null()]),
  oomScoreAdj: Type.Union([Type.Integer(), Type.Null()]),
  sockets: Type.Array(Type.String()),
  maxMemoryBytes: Type.Union([Type.Number(), Type.Null()]),
  autostart: Type.Boolean(),
  /** `watch:` as absolute paths and globs, `!` in front of ignores (absent from definitions of an older daemon) */
  watch: Type.Optional(Type.Array(Type.String())),
});
export type ServiceDefinition = Static<typeof ServiceDefinition>;

/** One loaded project, as GET /v1/projects lists it. */
export const ProjectInfo = Type.Object({
  name: Type.String(),
  /** the file it was read from, or null when it was posted without one */
  file: Type.Union([Type.String(), Type.Null()]),
  dir: Type.String(),
  services: Type.Array(ServiceDefinition),
});
export type ProjectInfo = Static<typeof ProjectInfo>;

/** GET /v1/usage: one report, or (follow) a report now and then every 2 s while the client follows. */
export const UsageQuery = Type.Object(
  {
    follow: Type.Optional(
      Type.Union([Type.Literal('1'), Type.Literal('0'), Type.Literal('true'), Type.Literal('false')]),
    ),
  },
  { additionalProperties: false },
);
export type UsageQuery = Static<typeof UsageQuery>;

/** CPU and memory of every running process at one time (the same figures as ps and /metrics). */
export const UsageReport = Type.Object({
  /** ISO 8601 */
  time: Type.String(),
  processes: Type.Array(
    Type.Object({
      name: Type.String(),
      pid: Type.Integer(),
      cpu: Type.Number({ description: 'percent of one core, one decimal' }),
      memory: Type.Integer({ description: 'resident memory of the process tree, bytes' }),
    }),
  ),
});
export type UsageReport = Static<typeof UsageReport>;

/** POST /v1/daemon/profile (unix socket only): a CPU profile over `seconds`, or a heap snapshot. */
export const ProfileBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('cpu'), Type.Literal('heap')]),
    /** cpu only: how long to profile, ms */
    duration_ms: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
export type ProfileBody = Static<typeof ProfileBody>;
