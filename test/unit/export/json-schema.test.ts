// The JSON Schema of corral.yaml for editors: generated (the shipped file is what the build
// writes), standard (ajv in strict mode knows every keyword), and it accepts what `corral check`
// accepts and rejects what it rejects, on the bundled example, every-key.yaml and bad configs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { configJsonSchema } from '../../../src/export/json-schema.js';
import { REPO_ROOT } from '../../helpers/home.js';
import { EVERY_KEY, loadText, SHOP } from './project.js';

const SHIPPED = join(REPO_ROOT, 'schema', 'corral.schema.json');
// strict: a keyword ajv does not know (one of config/schema.ts's own) is an error; `required` in
// the oneOf of ready and health names keys of the enclosing object (strictRequired looks no
// further than its own branch); formats are annotations for editors
const validate = new Ajv({
  strict: true,
  strictRequired: false,
  allowUnionTypes: true,
  validateFormats: false,
  allErrors: true,
}).compile(configJsonSchema());

function schemaErrors(text: string): string[] {
  if (validate(parse(text, { merge: true }))) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

test('schema/corral.schema.json is what the build generates from the config schema', () => {
  assert.deepEqual(JSON.parse(readFileSync(SHIPPED, 'utf8')), configJsonSchema());
});

test('package.json ships the schema', () => {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
  assert.ok(pkg.files.includes('schema/corral.schema.json'));
  assert.match(pkg.scripts.build, /scripts\/build-schema\.mjs/);
});

for (const [what, file] of [
  ['the bundled example (examples/shop)', SHOP],
  ['every-key.yaml', EVERY_KEY],
] as const) {
  test(`the schema accepts ${what}`, (t) => {
    const errors = schemaErrors(readFileSync(file, 'utf8'));
    t.diagnostic(
      `ajv with schema/corral.schema.json on ${file}: ${errors.length === 0 ? 'valid' : errors.join('; ')}`,
    );
    assert.deepEqual(errors, []);
  });
}

const BAD: Array<[string, string]> = [
  ['an unknown key', 'services:\n  web:\n    command: [a]\n    restrat: always\n'],
  ['a restart policy misspelt', 'services:\n  web:\n    command: [a]\n    restart: alway\n'],
  ['a duration without a unit', 'services:\n  web:\n    command: [a]\n    backoff: { initial: 5 }\n'],
  ['a service without a command', 'services:\n  web:\n    cwd: /tmp\n'],
  ['no instance', 'services:\n  web:\n    command: [a]\n    instances: 0\n'],
  [
    'two ready checks',
    'services:\n  web:\n    command: [a]\n    ready: { http: "http://127.0.0.1:1/", tcp: "127.0.0.1:1" }\n',
  ],
  ['an unknown signal', 'services:\n  web:\n    command: [a]\n    stop: { signal: SIGFOO }\n'],
  ['a size that is not one', 'services:\n  web:\n    command: [a]\n    max_memory: 10 parsecs\n'],
  ['no service', 'services: {}\n'],
  ['a bad service name', 'services:\n  "web/1":\n    command: [a]\n'],
  [
    'status without http',
    'services:\n  web:\n    command: [a]\n    ready: { tcp: "127.0.0.1:1", status: 200 }\n',
  ],
  [
    'a zero interval',
    'services:\n  web:\n    command: [a]\n    health: { tcp: "127.0.0.1:1", interval: 0s }\n',
  ],
];

for (const [what, text] of BAD) {
  test(`corral check and the schema both reject ${what}`, () => {
    assert.throws(() => loadText(text), /./, 'corral check rejects it');
    assert.notDeepEqual(schemaErrors(text), [], 'the schema rejects it');
  });
}

test('values corral accepts, the schema accepts: durations, signals, umasks, sockets, interpolation', () => {
  const text = [
    'services:',
    '  web:',
    '    command: "exec sleep 1"',
    '    health: { exec: sleep 0, interval: 0.5s, timeout: 1s }',
    '    backoff: { initial: 1m30s, max: 5m, reset_after: 2s500ms, free: 0 }',
    '    stop: { signal: term, timeout: 250ms }',
    '    umask: 0022',
    '    sockets: ["tcp://127.0.0.1:8080?name=http", "unix:///run/x.sock?mode=0660"]',
    `    ready: { tcp: "127.0.0.1:\${PORT:-80}" }`,
    '    max_memory: 1GiB',
    '  other:',
    '    command: [a]',
    '    stop: { signal: 15 }',
  ].join('\n');
  assert.doesNotThrow(() => loadText(text));
  assert.deepEqual(schemaErrors(text), []);
});
