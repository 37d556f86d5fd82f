// The one schema of a corral.yaml (SPEC §2). Unknown keys are rejected everywhere.
// Custom keywords (see validate.ts): `unit` names a value kind of kinds.ts, `exactlyOne`
// lists keys of which exactly one must be present, `expected` words a type for messages.
import { type Static, type TSchema, Type } from '../schema/build.js';

const closed = { additionalProperties: false } as const;

/** A value checked by a kind of kinds.ts (duration, size, signal, ...). */
function Kind<T>(unit: string): TSchema<T> {
  return Type.Unsafe<T>({ unit });
}

/** One of a few strings, reported as `expected one of a | b | c`. */
function OneOf<T extends string>(values: readonly T[]): TSchema<T> {
  return Type.Unsafe<T>({ enum: [...values] });
}

const Duration = Kind<string | number>('duration');
const Interval = Kind<string | number>('interval');
const Size = Kind<string>('size');

export const RESTART_POLICIES = ['always', 'on-failure', 'never'] as const;
export const DEPENDENCY_CONDITIONS = ['started', 'ready', 'succeeded', 'completed'] as const;
export const READY_CHECKS = ['http', 'tcp', 'exec', 'log', 'notify'] as const;
export const HEALTH_CHECKS = ['http', 'tcp', 'exec'] as const;

const Argument = Type.Unsafe<string | number>({ type: ['string', 'number'], expected: 'a string' });
const Command = Type.Union([Type.String({ minLength: 1 }), Type.Array(Argument, { minItems: 1 })], {
  expected: 'a command: a string run by /bin/sh -c, or a non-empty list of arguments',
});
const EnvValue = Type.Unsafe<string | number | boolean>({
  type: ['string', 'number', 'boolean'],
  expected: 'a string, a number or true/false (write "" for an empty value)',
});
const Env = Type.Record(Type.String(), EnvValue, { propertyNames: { unit: 'envname' } });
const EnvFile = Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }))], {
  expected: 'a path or a list of paths',
});
const HttpStatus = Type.Integer({ minimum: 100, maximum: 599 });

const Ready = Type.Object(
  {
    http: Type.Optional(Kind<string>('url')),
    status: Type.Optional(HttpStatus),
    tcp: Type.Optional(Kind<string>('hostport')),
    exec: Type.Optional(Command),
    log: Type.Optional(Kind<string>('regex')),
    notify: Type.Optional(Type.Literal(true)),
    timeout: Type.Optional(Interval),
    interval: Type.Optional(Interval),
  },
  { ...closed, exactlyOne: READY_CHECKS, dependencies: { status: ['http'] } },
);

const Health = Type.Object(
  {
    http: Type.Optional(Kind<string>('url')),
    status: Type.Optional(HttpStatus),
    tcp: Type.Optional(Kind<string>('hostport')),
    exec: Type.Optional(Command),
    interval: Type.Optional(Interval),
    timeout: Type.Optional(Interval),
    failures: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { ...closed, exactlyOne: HEALTH_CHECKS, dependencies: { status: ['http'] } },
);

const Service = Type.Object(
  {
    command: Command,
    cwd: Type.Optional(Type.String({ minLength: 1 })),
    env: Type.Optional(Env),
    env_file: Type.Optional(EnvFile),
    instances: Type.Optional(Type.Integer({ minimum: 1 })),
    depends_on: Type.Optional(
      Type.Union(
        [Type.Record(Type.String(), OneOf(DEPENDENCY_CONDITIONS)), Type.Array(Type.String({ minLength: 1 }))],
        {
          expected: 'a mapping of service to started | ready | succeeded | completed, or a list of services',
        },
      ),
    ),
    restart: Type.Optional(OneOf(RESTART_POLICIES)),
    success_codes: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 255 }), { minItems: 1 })),
    backoff: Type.Optional(
      Type.Object(
        {
          free: Type.Optional(Type.Integer({ minimum: 0 })),
          initial: Type.Optional(Duration),
          factor: Type.Optional(Type.Number({ minimum: 1 })),
          max: Type.Optional(Duration),
          reset_after: Type.Optional(Duration),
        },
        closed,
      ),
    ),
    max_restarts: Type.Optional(Type.Integer({ minimum: 0 })),
    stop: Type.Optional(
      Type.Object(
        { signal: Type.Optional(Kind<string | number>('signal')), timeout: Type.Optional(Duration) },
        closed,
      ),
    ),
    ready: Type.Optional(Ready),
    health: Type.Optional(Health),
    logs: Type.Optional(
      Type.Object(
        {
          timestamps: Type.Optional(Type.Boolean()),
          max_size: Type.Optional(Size),
          keep: Type.Optional(Type.Integer({ minimum: 0 })),
        },
        closed,
      ),
    ),
    user: Type.Optional(
      Type.Unsafe<string | number>({ type: ['string', 'integer'], expected: 'a user name or id' }),
    ),
    group: Type.Optional(
      Type.Unsafe<string | number>({ type: ['string', 'integer'], expected: 'a group name or id' }),
    ),
    umask: Type.Optional(Kind<string | number>('umask')),
    oom_score_adj: Type.Optional(Type.Integer({ minimum: -1000, maximum: 1000 })),
    sockets: Type.Optional(Type.Array(Kind<string>('socket'))),
    max_memory: Type.Optional(Size),
    autostart: Type.Optional(Type.Boolean()),
    watch: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        expected: 'a list of paths and globs relative to the config file ("!" in front ignores)',
      }),
    ),
  },
  closed,
);

/** The whole config file. Top-level keys starting with `x-` are ignored (a home for YAML anchors). */
export const ConfigFileSchema = Type.Object(
  {
    name: Type.Optional(Kind<string>('name')),
    env: Type.Optional(Env),
    env_file: Type.Optional(EnvFile),
    services: Type.Record(Type.String(), Service, {
      propertyNames: { unit: 'name' },
      minProperties: 1,
      expected: 'a mapping of service names to services',
    }),
  },
  { ...closed, patternProperties: { '^x-': {} }, expected: 'a mapping with a services key' },
);

export type ConfigFile = Static<typeof ConfigFileSchema>;
export type ServiceConfig = Static<typeof Service>;
export type ProbeConfig = Static<typeof Ready> | Static<typeof Health>;
