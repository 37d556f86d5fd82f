// Checks a value against a JSON Schema of the subset corral's schemas use, and lists every
// failure (not only the first) the way JSON Schema validators word them: a keyword, where in the
// value (a JSON pointer), where in the schema, and a message such as "must be string".
//
// Keywords: type (one or a list; "integer" is a whole number), const, enum, anyOf, minLength,
// pattern, minimum, maximum, minItems, items, properties, required, additionalProperties (false),
// patternProperties, propertyNames, minProperties, dependencies (lists of keys). Other keywords
// are annotations (description, expected), unless the caller gives a check for them.
// Type-specific keywords apply only to values of their type, as in JSON Schema.

export type Schema = Record<string, unknown>;

export interface SchemaError {
  keyword: string;
  /** where in the value: "" or "/services/web/restart" */
  instancePath: string;
  /** where in the schema: "#/properties/services/..." */
  schemaPath: string;
  params: Record<string, unknown>;
  message: string;
  /** the keyword's own value */
  schema: unknown;
  /** the schema the keyword is in */
  parentSchema: Schema;
  /** the value that failed */
  data: unknown;
  /** set when the failure is of a key, checked by `propertyNames` */
  propertyName?: string;
}

/** A check of a keyword of the caller's: true when `data` passes `value` (the keyword's value). */
export type KeywordCheck = {
  /** only values of this JSON type are checked (any value when absent) */
  type?: string;
  check(value: never, data: never): boolean;
};

/** Every failure of `data` against `schema`; empty when it passes. */
export function checkSchema(
  schema: Schema,
  data: unknown,
  keywords: Readonly<Record<string, KeywordCheck>> = {},
): SchemaError[] {
  const errors: SchemaError[] = [];
  visit(schema, data, '', '#', errors, keywords, undefined);
  return errors;
}

/** The JSON type of a value, as JSON Schema names it (numbers are "number"). */
export function jsonType(data: unknown): string {
  if (data === null) return 'null';
  if (Array.isArray(data)) return 'array';
  return typeof data;
}

// Whether data is of the JSON Schema type `type`.
function isType(type: string, data: unknown): boolean {
  if (type === 'integer') return Number.isInteger(data);
  if (type === 'number') return typeof data === 'number' && Number.isFinite(data);
  return jsonType(data) === type;
}

const escapeKey = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

const compiled = new Map<string, RegExp>();
const patternLists = new WeakMap<Schema, ReadonlyArray<readonly [string, RegExp, Schema]>>();

// A schema's patternProperties, each pattern compiled, worked out once per schema.
function patternsOf(schema: Schema): ReadonlyArray<readonly [string, RegExp, Schema]> {
  let list = patternLists.get(schema);
  if (list === undefined) {
    list = Object.entries((schema.patternProperties ?? {}) as Record<string, Schema>).map(
      ([p, s]) => [p, regex(p), s] as const,
    );
    patternLists.set(schema, list);
  }
  return list;
}

// A schema's pattern as a RegExp, compiled once.
function regex(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (re === undefined) {
    re = new RegExp(pattern, 'u');
    compiled.set(pattern, re);
  }
  return re;
}

// Checks one schema at one place of the value, appending its failures.
function visit(
  schema: Schema,
  data: unknown,
  at: string,
  sp: string,
  errors: SchemaError[],
  keywords: Readonly<Record<string, KeywordCheck>>,
  propertyName: string | undefined,
): void {
  const fail = (keyword: string, message: string, params: Record<string, unknown> = {}): void => {
    errors.push({
      keyword,
      instancePath: at,
      schemaPath: `${sp}/${keyword}`,
      params,
      message,
      schema: schema[keyword],
      parentSchema: schema,
      data,
      ...(propertyName === undefined ? {} : { propertyName }),
    });
  };
  const type = schema.type as string | string[] | undefined;
  if (type !== undefined) {
    const types = Array.isArray(type) ? type : [type];
    if (!types.some((t) => isType(t, data)))
      fail('type', `must be ${types.join(',')}`, { type: types.join(',') });
  }
  if ('const' in schema && data !== schema.const)
    fail('const', 'must be equal to constant', { allowedValue: schema.const });
  if (Array.isArray(schema.enum) && !schema.enum.includes(data))
    fail('enum', 'must be equal to one of the allowed values', { allowedValues: schema.enum });
  if (Array.isArray(schema.anyOf)) checkAnyOf(schema.anyOf as Schema[]);
  for (const [keyword, rule] of Object.entries(keywords)) {
    if (!(keyword in schema) || (rule.type !== undefined && !isType(rule.type, data))) continue;
    if (!rule.check(schema[keyword] as never, data as never))
      fail(keyword, `must pass "${keyword}" keyword validation`);
  }
  if (typeof data === 'string') checkString(data);
  if (typeof data === 'number') checkNumber(data);
  if (Array.isArray(data)) checkArray(data);
  else if (data !== null && typeof data === 'object') checkObject(data as Record<string, unknown>);

  // anyOf: the failures of each branch are kept only when no branch passes
  function checkAnyOf(branches: Schema[]): void {
    const mark = errors.length;
    for (let i = 0; i < branches.length; i += 1) {
      const before = errors.length;
      visit(branches[i], data, at, `${sp}/anyOf/${i}`, errors, keywords, propertyName);
      if (errors.length === before) {
        errors.length = mark;
        return;
      }
    }
    fail('anyOf', 'must match a schema in anyOf');
  }

  function checkString(text: string): void {
    const min = schema.minLength as number | undefined;
    // counted in code points; a string of 2 * min UTF-16 units has at least min of them
    if (min !== undefined && text.length < 2 * min && [...text].length < min)
      fail('minLength', `must NOT have fewer than ${min} characters`, { limit: min });
    const pattern = schema.pattern as string | undefined;
    if (pattern !== undefined && !regex(pattern).test(text))
      fail('pattern', `must match pattern "${pattern}"`, { pattern });
  }

  function checkNumber(n: number): void {
    const { minimum: min, maximum: max } = schema as { minimum?: number; maximum?: number };
    if (max !== undefined && n > max) fail('maximum', `must be <= ${max}`, { comparison: '<=', limit: max });
    if (min !== undefined && n < min) fail('minimum', `must be >= ${min}`, { comparison: '>=', limit: min });
  }

  function checkArray(list: unknown[]): void {
    const min = schema.minItems as number | undefined;
    if (min !== undefined && list.length < min)
      fail('minItems', `must NOT have fewer than ${min} items`, { limit: min });
    const items = schema.items as Schema | undefined;
    if (items === undefined) return;
    for (let i = 0; i < list.length; i += 1)
      visit(items, list[i], `${at}/${i}`, `${sp}/items`, errors, keywords, undefined);
  }

  function checkObject(obj: Record<string, unknown>): void {
    const keys = Object.keys(obj);
    const min = schema.minProperties as number | undefined;
    if (min !== undefined && keys.length < min)
      fail('minProperties', `must NOT have fewer than ${min} properties`, { limit: min });
    for (const key of (schema.required as string[] | undefined) ?? []) {
      if (!(key in obj)) fail('required', `must have required property '${key}'`, { missingProperty: key });
    }
    const deps = (schema.dependencies ?? {}) as Record<string, string[]>;
    for (const [property, needs] of Object.entries(deps)) {
      if (!(property in obj)) continue;
      for (const need of needs) {
        if (!(need in obj))
          fail('dependencies', `must have property ${need} when property ${property} is present`, {
            property,
            missingProperty: need,
            depsCount: needs.length,
            deps: needs.join(', '),
          });
      }
    }
    const names = schema.propertyNames as Schema | undefined;
    if (names !== undefined) {
      for (const key of keys) {
        const before = errors.length;
        visit(names, key, at, `${sp}/propertyNames`, errors, keywords, key);
        if (errors.length > before)
          fail('propertyNames', 'property name must be valid', { propertyName: key });
      }
    }
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    const patterns = patternsOf(schema);
    for (const key of keys) {
      if (schema.additionalProperties !== false || Object.hasOwn(props, key)) continue;
      if (!patterns.some(([, re]) => re.test(key)))
        fail('additionalProperties', 'must NOT have additional properties', { additionalProperty: key });
    }
    for (const key of keys) {
      const where = `${at}/${escapeKey(key)}`;
      if (Object.hasOwn(props, key))
        visit(props[key], obj[key], where, `${sp}/properties/${escapeKey(key)}`, errors, keywords, undefined);
      for (const [p, re, s] of patterns)
        if (re.test(key))
          visit(s, obj[key], where, `${sp}/patternProperties/${escapeKey(p)}`, errors, keywords, undefined);
    }
  }
}
