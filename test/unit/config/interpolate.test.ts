// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings hold ${VAR} references on purpose
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadProjectFromText } from '../../../src/config/index.js';
import { interpolate } from '../../../src/config/interpolate.js';
import type { ConfigProblem } from '../../../src/config/types.js';

const env = { HOST: 'db.local', EMPTY: '', PORT: '5432' };

test('${VAR}, defaults and $$', () => {
  const table: [string, string][] = [
    ['plain text', 'plain text'],
    ['${HOST}', 'db.local'],
    ['postgres://${HOST}:${PORT}/x', 'postgres://db.local:5432/x'],
    ['${MISSING:-fallback}', 'fallback'],
    ['${HOST:-fallback}', 'db.local'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${EMPTY-fallback}', ''],
    ['${MISSING-fallback}', 'fallback'],
    ['${MISSING:-}', ''],
    ['${MISSING:-${HOST}}', 'db.local'],
    ['${MISSING:-a:b}', 'a:b'],
    ['$$', '$'],
    ['cost: $$5', 'cost: $5'],
    ['$${HOST}', '${HOST}'],
    ['echo $HOME', 'echo $HOME'],
    ['trailing $', 'trailing $'],
  ];
  for (const [text, expected] of table) {
    const result = interpolate(text, env);
    assert.equal(result.error, null, text);
    assert.equal(result.value, expected, text);
  }
});

test('an unset variable without a default reads as empty and is reported', () => {
  assert.deepEqual(interpolate('a${NOPE}b', env), { value: 'ab', unset: ['NOPE'], error: null });
  assert.deepEqual(interpolate('${EMPTY}', env), { value: '', unset: [], error: null });
});

test('malformed references and required variables are errors', () => {
  assert.match(interpolate('${HOST', env).error ?? '', /got "\$\{HOST"$/);
  assert.match(interpolate('${1X}', env).error ?? '', /got "\$\{1X\}"$/);
  assert.match(interpolate('${}', env).error ?? '', /expected \$\{NAME\}/);
  assert.equal(
    interpolate('${NOPE:?set NOPE}', env).error,
    'expected the variable NOPE to be set (set NOPE)',
  );
  assert.equal(interpolate('${EMPTY?}', env).error, null);
  assert.equal(interpolate('${EMPTY:?}', env).error, 'expected the variable EMPTY to be set');
});

test('interpolation in a config: values only, typed when unquoted, warnings for unset variables', () => {
  const warnings: ConfigProblem[] = [];
  const text = [
    'services:',
    '  api:',
    '    command: "serve --port ${PORT}"',
    '    instances: ${WORKERS:-3}',
    '    autostart: ${AUTO:-false}',
    '    env:',
    '      HOST: ${HOST}',
    '      PORT: ${PORT}',
    '      VERSION: ${VERSION:-1.10}',
    '      GONE: ${GONE}',
    '      PRICE: "$$5"',
    '      ${HOST}: key-not-interpolated',
    '',
  ].join('\n');
  const spec = loadProjectFromText(text, {
    file: 'inline.yaml',
    dir: '/tmp/shop',
    env,
    onWarning: (p) => warnings.push(p),
  });
  const api = spec.services[0];
  assert.deepEqual(api.command, ['/bin/sh', '-c', 'serve --port 5432']);
  assert.equal(api.instances, 3);
  assert.equal(api.autostart, false);
  assert.equal(api.env.HOST, 'db.local');
  assert.equal(api.env.PORT, '5432');
  assert.equal(api.env.VERSION, '1.10');
  assert.equal(api.env.GONE, '');
  assert.equal(api.env.PRICE, '$5');
  assert.equal(api.env['${HOST}'], 'key-not-interpolated');
  assert.deepEqual(warnings, [
    {
      file: 'inline.yaml',
      line: 10,
      col: 13,
      path: 'services.api.env.GONE',
      message:
        'expected the variable GONE to be set, got nothing (it reads as an empty string; ${GONE:-default} gives a default, ${GONE:?message} makes it required)',
    },
  ]);
});

test('an interpolated value is validated like any other', () => {
  const text = 'services:\n  api:\n    command: x\n    stop: { timeout: "${T:-5 seconds}" }\n';
  assert.throws(() => loadProjectFromText(text, { file: 'c.yaml', dir: '/tmp/shop', env: {} }), {
    message:
      'c.yaml:4:22: services.api.stop.timeout: expected a duration like 250ms, 5s, 1m or 1h, got "5 seconds"',
  });
  assert.equal(
    loadProjectFromText(text, { file: 'c.yaml', dir: '/tmp/shop', env: { T: '7s' } }).services[0].stop
      .timeoutMs,
    7_000,
  );
});
