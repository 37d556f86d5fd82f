// The schema checker: every failure listed, each with its keyword, place and wording; anyOf
// keeps the failures of its branches only when none passes; keywords apply only to their type.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Type } from '../../src/schema/build.js';
import { checkSchema } from '../../src/schema/check.js';

const Body = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    tail: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
    follow: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('0')])),
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 9 })),
    tags: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
    env: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { additionalProperties: false },
);

const brief = (data: unknown): string[] =>
  checkSchema(Body, data).map((e) => `${e.instancePath} ${e.keyword}: ${e.message}`);

test('a value that fits has no failures', () => {
  assert.deepEqual(brief({ name: 'a', tail: '10', follow: '1', count: 3, tags: ['x'], env: { A: 'b' } }), []);
});

test('every failure is listed, each where it is, worded as JSON Schema validators word it', () => {
  assert.deepEqual(brief({ tail: 'x', count: 1.5, tags: [], env: { A: 1 }, extra: true }).sort(), [
    ' additionalProperties: must NOT have additional properties',
    " required: must have required property 'name'",
    '/count type: must be integer',
    '/env/A type: must be string',
    '/tags minItems: must NOT have fewer than 1 items',
    '/tail pattern: must match pattern "^[0-9]+$"',
  ]);
  assert.deepEqual(brief(null), [' type: must be object'], 'object keywords do not apply to null');
  assert.deepEqual(brief({ name: '', count: 10 }), [
    '/name minLength: must NOT have fewer than 1 characters',
    '/count maximum: must be <= 9',
  ]);
});

test('anyOf: no failure when a branch passes; every branch and the anyOf when none does', () => {
  assert.deepEqual(brief({ name: 'a', follow: '0' }), []);
  assert.deepEqual(brief({ name: 'a', follow: 'yes' }), [
    '/follow const: must be equal to constant',
    '/follow const: must be equal to constant',
    '/follow anyOf: must match a schema in anyOf',
  ]);
});

test('optional marks leave the JSON as JSON Schema: required lists the others, no marker shows', () => {
  assert.deepEqual(Body.required, ['name']);
  assert.equal(JSON.stringify(Body.properties.tail), '{"type":"string","pattern":"^[0-9]+$"}');
});

test("the caller's keywords: checked where present, for their type only", () => {
  const schema = Type.Object({ port: Type.Unsafe<number>({ even: true }) }, { exactlyOne: ['port'] });
  const keywords = {
    even: { check: (_v: boolean, data: unknown) => typeof data === 'number' && data % 2 === 0 },
    exactlyOne: {
      type: 'object',
      check: (keys: string[], data: Record<string, unknown>) => keys.filter((k) => k in data).length === 1,
    },
  };
  assert.deepEqual(checkSchema(schema, { port: 2 }, keywords), []);
  const failures = checkSchema(schema, { port: 3 }, keywords);
  assert.deepEqual(
    failures.map((e) => [e.instancePath, e.keyword, e.data]),
    [['/port', 'even', 3]],
  );
  assert.deepEqual(
    checkSchema(schema, {}, keywords).map((e) => e.keyword),
    ['exactlyOne', 'required'],
  );
});
