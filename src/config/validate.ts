// Checks parsed config data against the schema and words every failure as "expected X, got Y".
// The check is src/schema/check.ts's: no validator is compiled, at start-up or later.
import { checkSchema, type KeywordCheck, type SchemaError } from '../schema/check.js';
import { KINDS } from './kinds.js';
import { type ConfigPath, describeValue, didYouMean, type ProblemList } from './problems.js';
import { ConfigFileSchema } from './schema.js';

type Schema = Record<string, unknown>;
type ErrorObject = SchemaError;

/** The schema's own keywords: `unit` (a kind of kinds.ts) and `exactlyOne` (one key of a list). */
const KEYWORDS: Record<string, KeywordCheck> = {
  unit: { check: (kind: string, data: unknown) => KINDS[kind].check(data) === true },
  exactlyOne: {
    type: 'object',
    check: (keys: string[], data: Record<string, unknown>) => keys.filter((k) => k in data).length === 1,
  },
};

/** Keys that belong elsewhere, with where they go. */
const MISPLACED: Record<string, string> = {
  log: '(log only works in ready)',
  notify: '(notify only works in ready)',
  failures: '(failures only works in health)',
};

/** Validates `data` against the config schema, adding one problem per failing place. */
export function validateConfig(data: unknown, problems: ProblemList): void {
  const errors = checkSchema(ConfigFileSchema, data, KEYWORDS);
  if (errors.length === 0) return;
  const consumed = new Set<ErrorObject>();
  for (const e of errors) {
    if (e.keyword !== 'anyOf') continue;
    const children = errors.filter(
      (c) =>
        c.schemaPath.startsWith(`${e.schemaPath}/`) &&
        (c.instancePath === e.instancePath || c.instancePath.startsWith(`${e.instancePath}/`)),
    );
    for (const c of children) consumed.add(c);
    const branch = matchingBranch(e);
    if (branch === null) {
      problems.add(
        toPath(e.instancePath),
        `expected ${expected(e.parentSchema as Schema)}, got ${describeValue(e.data)}`,
      );
    } else {
      const prefix = `${e.schemaPath}/${branch}/`;
      for (const c of children) if (c.schemaPath.startsWith(prefix)) report(c, problems);
    }
  }
  for (const e of errors) if (e.keyword !== 'anyOf' && !consumed.has(e)) report(e, problems);
}

// The branch of an anyOf whose type matches the data, so its own errors can be shown.
function matchingBranch(e: ErrorObject): number | null {
  const branches = (e.parentSchema as Schema).anyOf as Schema[];
  const type = Array.isArray(e.data) ? 'array' : e.data === null ? 'null' : typeof e.data;
  const index = branches.findIndex((b) => b.type === type || (b.type === 'integer' && type === 'number'));
  return index < 0 ? null : index;
}

function report(e: ErrorObject, problems: ProblemList): void {
  const path = toPath(e.instancePath);
  const schema = e.parentSchema as Schema;
  const got = describeValue(e.data);
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((schema.properties as Schema | undefined) ?? {});
      const hint = didYouMean(key, known) || (MISPLACED[key] ? ` ${MISPLACED[key]}` : '');
      problems.add([...path, key], `unknown key${hint}`, 'key');
      return;
    }
    case 'required': {
      const key = (e.params as { missingProperty: string }).missingProperty;
      // a misspelt key (`comand`) is one mistake: its unknown-key problem already says so
      const given = e.data !== null && typeof e.data === 'object' ? Object.keys(e.data) : [];
      if (given.some((k) => didYouMean(k, [key]) !== '')) return;
      const missing = ((schema.properties as Schema)[key] ?? {}) as Schema;
      problems.add([...path, key], `expected ${expected(missing)}, got nothing`, 'parent');
      return;
    }
    case 'propertyNames':
      return;
    case 'unit': {
      const kind = KINDS[e.schema as string];
      const name = e.propertyName;
      const value = name ?? e.data;
      const message = `expected ${kind.expected}, got ${describeValue(value)}${kind.check(value)}`;
      problems.add(
        name === undefined ? path : [...path, name],
        message,
        name === undefined ? 'value' : 'key',
      );
      return;
    }
    case 'enum': {
      const values = e.schema as string[];
      problems.add(path, `expected one of ${values.join(' | ')}, got ${got}${didYouMean(e.data, values)}`);
      return;
    }
    case 'exactlyOne': {
      const keys = e.schema as string[];
      const present = keys.filter((k) => k in (e.data as Schema));
      const which = present.length === 0 ? 'none' : present.join(' and ');
      problems.add(path, `expected exactly one of ${keys.join(' | ')}, got ${which}`);
      return;
    }
    case 'dependencies': {
      const p = e.params as { property: string; missingProperty: string };
      problems.add(
        [...path, p.property],
        `expected ${p.property} only together with ${p.missingProperty}`,
        'key',
      );
      return;
    }
    case 'minProperties':
      problems.add(path, `expected at least one ${path.length === 1 ? 'service' : 'entry'}, got none`);
      return;
    case 'const':
      problems.add(path, `expected ${JSON.stringify(e.schema)}, got ${got}`);
      return;
    default:
      problems.add(path, `expected ${expected(schema)}, got ${got}`);
  }
}

// Words for what a schema accepts: its `expected` annotation, else built from type and bounds.
function expected(schema: Schema): string {
  if (typeof schema.expected === 'string') return schema.expected;
  if (typeof schema.unit === 'string') return KINDS[schema.unit].expected;
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.join(' | ')}`;
  const noun = { integer: 'an integer', number: 'a number', string: 'a string', boolean: 'true or false' }[
    String(schema.type)
  ];
  if (schema.type === 'array') return schema.minItems ? 'a non-empty list' : 'a list';
  if (noun === undefined) return 'a mapping';
  const {
    minimum: min,
    maximum: max,
    minLength,
  } = schema as { minimum?: number; maximum?: number; minLength?: number };
  if (min !== undefined && max !== undefined) return `${noun} from ${min} to ${max}`;
  if (min !== undefined) return `${noun} >= ${min}`;
  if (minLength !== undefined) return `a non-empty string`;
  return noun;
}

function toPath(pointer: string): ConfigPath {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}
