// Request and response shapes of the HTTP API, shared by the server, the client and the OpenAPI document.
import { type Static, Type } from '@sinclair/typebox';

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
    file: Type.Optional(Type.String({ description: 'absolute path the config text was read from' })),
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

export const ShutdownBody = Type.Object(
  { keep_services: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
export type ShutdownBody = Static<typeof ShutdownBody>;

export const LogsQuery = Type.Object(
  {
    tail: Type.Optional(Type.Integer({ minimum: 0 })),
    since: Type.Optional(Type.String({ description: 'a duration (5m) or a time (ISO 8601)' })),
    follow: Type.Optional(
      Type.Union([Type.Literal('1'), Type.Literal('0'), Type.Literal('true'), Type.Literal('false')]),
    ),
  },
  { additionalProperties: false },
);
export type LogsQuery = Static<typeof LogsQuery>;

export const EventsQuery = Type.Object(
  {
    since: Type.Optional(Type.String()),
    follow: Type.Optional(
      Type.Union([Type.Literal('1'), Type.Literal('0'), Type.Literal('true'), Type.Literal('false')]),
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

export const ApplyResult = Type.Object({
  project: Type.String(),
  created: Type.Array(Type.String()),
  changed: Type.Array(Type.String()),
  removed: Type.Array(Type.String()),
  unchanged: Type.Array(Type.String()),
});

export const LogEntry = Type.Object({ name: Type.String(), line: Type.String() });
export type LogEntry = Static<typeof LogEntry>;
