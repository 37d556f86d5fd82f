// The JSON Schema of corral.yaml for editors (yaml-language-server), translated from the one schema
// the config is validated with (config/schema.ts): its own keywords become standard ones (`unit`
// a pattern or enum per kind, `exactlyOne` a oneOf), and every key gets a description.
// Written to schema/corral.schema.json by the build (scripts/build-schema.mjs).

import { NAME_RE } from '../config/kinds.js';
import { ConfigFileSchema } from '../config/schema.js';
import { DEFAULTS } from '../defaults.js';
import { signalName, signalNames } from '../signals.js';

type Node = Record<string, unknown>;

// a value with ${VAR} in it is checked by corral after interpolation, not here
const INTERPOLATED: Node = { type: 'string', pattern: '\\$\\{' };
const DURATION =
  '^(?:[0-9]+(?:\\.[0-9]+)?d)?(?:[0-9]+(?:\\.[0-9]+)?h)?(?:[0-9]+(?:\\.[0-9]+)?m(?!s))?(?:[0-9]+(?:\\.[0-9]+)?s)?(?:[0-9]+(?:\\.[0-9]+)?ms)?$';
const NON_EMPTY = '^(?=.)';

// The standard JSON Schema of each kind of value config/kinds.ts checks.
function kindSchema(unit: string): Node {
  switch (unit) {
    case 'duration':
      return {
        anyOf: [{ type: 'string', pattern: `${NON_EMPTY}${DURATION.slice(1)}` }, { const: 0 }, INTERPOLATED],
      };
    case 'interval':
      return {
        anyOf: [
          { type: 'string', pattern: `^(?!0+(?:\\.0+)?(?:d|h|m|s|ms)?$)(?=.)${DURATION.slice(1)}` },
          INTERPOLATED,
        ],
      };
    case 'size':
      return {
        type: 'string',
        anyOf: [{ pattern: '^[0-9]+(?:\\.[0-9]+)?(?:[bB]|[kKmMgGtT](?:[bB]|[iI][bB])?)$' }, INTERPOLATED],
      };
    case 'signal':
      return {
        anyOf: [
          { enum: signalNames() },
          { type: 'string', pattern: signalPattern() },
          { enum: signalNumbers() },
        ],
      };
    case 'url':
      return { type: 'string', format: 'uri', pattern: '^(?:https?://[^/\\s?#]+|.*\\$\\{)' };
    case 'hostport':
      return {
        type: 'string',
        pattern: '^(?:(?:\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9_.-]+):[0-9]{1,5}$|.*\\$\\{)',
      };
    case 'regex':
      return { type: 'string', format: 'regex' };
    case 'socket':
      return {
        type: 'string',
        pattern: '^(?:tcp://[^/]+:[0-9]{1,5}(?:/)?(?:\\?name=[^:\\s]+)?$|unix:///.+|.*\\$\\{)',
      };
    case 'umask':
      return {
        anyOf: [
          { type: 'string', pattern: '^0?[0-7]{1,3}$' },
          { type: 'integer', minimum: 0, maximum: 777 },
        ],
      };
    case 'name':
      return { type: 'string', pattern: NAME_RE.source };
    case 'envname':
      return { type: 'string', pattern: '^[^=\\s\\u0000]+$' };
    default:
      throw new Error(`no JSON Schema for the kind "${unit}"`);
  }
}

// SIGTERM, sigterm, TERM or term
function signalPattern(): string {
  const anyCase = (s: string): string =>
    [...s].map((c) => (/[A-Z]/.test(c) ? `[${c}${c.toLowerCase()}]` : c.replace(/[+]/, '\\+'))).join('');
  const bare = signalNames().map((n) => anyCase(n.replace(/^SIG/, '')));
  return `^(?:[Ss][Ii][Gg])?(?:${bare.join('|')})$`;
}

function signalNumbers(): Array<number | string> {
  const numbers: number[] = [];
  for (let n = 1; n <= 64; n += 1) if (signalName(n) !== null) numbers.push(n);
  return [...numbers, ...numbers.map(String)];
}

const d = DEFAULTS;
/** What each key means, for editors: by path, `*` for a service name. */
const DESCRIPTIONS: Record<string, string> = {
  '': 'A corral project: its services and what they share.',
  name: 'The project name (default: the name of the directory of this file).',
  env: `Environment of every service, under the service's own env. \${VAR} and \${VAR:-default} interpolate.`,
  env_file: 'dotenv file(s) of every service; relative paths are relative to this file.',
  services: 'The services of the project, by name.',
  'services.*': 'One service: a command corral keeps running.',
  'services.*.command': "A string runs under /bin/sh -c; a list is exec'd as is.",
  'services.*.cwd': 'Working directory (default: the directory of this file).',
  'services.*.env': "Environment of this service, over the project's.",
  'services.*.env_file': 'dotenv file(s) of this service; relative to this file.',
  'services.*.instances': `How many processes (default ${d.instances}); each gets CORRAL_INSTANCE=0..N-1.`,
  'services.*.depends_on':
    'Services to wait for: a list (started), or a mapping to started | ready | succeeded | completed.',
  'services.*.restart': `When to restart (default ${d.restart}).`,
  'services.*.success_codes': 'Exit codes that on-failure treats as success (default [0]).',
  'services.*.backoff': `Delay between restarts: ${d.backoff.free} free restarts, then ${d.backoff.initialMs / 1000}s growing by ${d.backoff.factor}x up to ${d.backoff.maxMs / 1000}s; reset after a run of ${d.backoff.resetAfterMs / 1000}s.`,
  'services.*.backoff.free': `Restarts that happen at once before the delay starts (default ${d.backoff.free}).`,
  'services.*.backoff.initial': `The first delay (default ${d.backoff.initialMs / 1000}s).`,
  'services.*.backoff.factor': `Each delay is the previous one times this (default ${d.backoff.factor}).`,
  'services.*.backoff.max': `The longest delay (default ${d.backoff.maxMs / 1000}s).`,
  'services.*.backoff.reset_after': `A run this long resets the restart count (default ${d.backoff.resetAfterMs / 1000}s).`,
  'services.*.max_restarts':
    'Give up (failed) after this many restarts without a run of reset_after; 0: never (default).',
  'services.*.stop': `How to stop: the signal, then SIGKILL to the process group after the timeout (default ${d.stop.signal}, ${d.stop.timeoutMs / 1000}s).`,
  'services.*.stop.signal': `The stop signal (default ${d.stop.signal}).`,
  'services.*.stop.timeout': `How long to wait before SIGKILL (default ${d.stop.timeoutMs / 1000}s).`,
  'services.*.ready': 'When "starting" becomes "running": exactly one of http, tcp, exec, log, notify.',
  'services.*.health': 'Liveness, checked once running: exactly one of http, tcp, exec.',
  'services.*.logs': 'Log files: timestamps, rotation size and how many to keep.',
  'services.*.logs.timestamps': 'Stamp each line with the time it was read.',
  'services.*.logs.max_size': 'Rotate the log file at this size (default 10MB).',
  'services.*.logs.keep': `Rotated files to keep (default ${d.logs.keep}).`,
  'services.*.user': 'Run as this user (only when corral runs as root).',
  'services.*.group': 'Run with this group (only when corral runs as root).',
  'services.*.umask': 'The umask, in octal digits like "0022".',
  'services.*.oom_score_adj': "The OOM killer's score adjustment, -1000 to 1000.",
  'services.*.sockets':
    'Sockets corral binds and passes as fds 3.. (LISTEN_FDS): tcp://HOST:PORT or unix:///path.',
  'services.*.max_memory': 'Restart when the RSS of the process tree goes over this size.',
  'services.*.autostart': 'Start with the project (default true).',
  'services.*.watch':
    'Restart when these files change: paths and globs relative to the config file\'s directory (a directory: everything under it), "!" to ignore.',
};
const PROBE_DESCRIPTIONS: Record<string, string> = {
  http: 'An http:// or https:// URL that must answer 2xx (or status).',
  status: 'The HTTP status the http check expects.',
  tcp: 'HOST:PORT that must accept a connection.',
  exec: 'A command that must exit 0.',
  log: 'A regular expression a line of output must match.',
  notify: 'Ready when the process sends READY=1 (sd_notify).',
  timeout: 'How long one check (ready: the whole wait) may take.',
  interval: 'Time between checks.',
  failures: 'Consecutive failures that kill and restart the process.',
};

/** The JSON Schema (draft-07) of corral.yaml, with descriptions. */
export function configJsonSchema(): Node {
  const root = translate(ConfigFileSchema as unknown as Node, []);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'corral.yaml',
    ...root,
  };
}

// One node of the config schema, translated; `path` names it for its description.
function translate(node: Node, path: string[], describe = true): Node {
  const out: Node = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'unit') Object.assign(out, kindSchema(value as string));
    else if (key === 'exactlyOne') out.oneOf = (value as string[]).map((k) => ({ required: [k] }));
    else if (key === 'expected') continue;
    else if (key === 'properties')
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, Node>).map(([k, v]) => [k, translate(v, [...path, k])]),
      );
    else if (key === 'patternProperties')
      out.patternProperties = Object.fromEntries(
        Object.entries(value as Record<string, Node>).map(([k, v]) => [
          k,
          translate(v, k === '^x-' ? [...path, k] : [...path, '*']),
        ]),
      );
    else if (key === 'items') out.items = translate(value as Node, path, false);
    else if (key === 'anyOf') out.anyOf = (value as Node[]).map((v) => translate(v, path, false));
    else if (key === 'propertyNames') out.propertyNames = translate(value as Node, path, false);
    else out[key] = value;
  }
  if (!describe) return out;
  const dotted = path.join('.');
  const description =
    DESCRIPTIONS[dotted] ??
    (path[2] === 'ready' || path[2] === 'health' ? PROBE_DESCRIPTIONS[path[3]] : undefined);
  if (description !== undefined && out.description === undefined) out.description = description;
  return out;
}
