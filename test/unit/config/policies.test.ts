// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings hold ${VAR} references on purpose
// Config errors that need more than the schema, each as the exact FILE:LINE:COL line a user sees.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, type ConfigProblem, loadProjectFromText } from '../../../src/config/index.js';

const lines = (...l: string[]): string => `${l.join('\n')}\n`;
const NOT_ROOT = { uid: 4242, gid: 4242 };

/** The problem lines of loading `text` as c.yaml, or [] when it loads. */
function problemsOf(text: string, opts: { runningAs?: { uid: number; gid: number } } = {}): string[] {
  try {
    loadProjectFromText(text, { file: 'c.yaml', dir: '/tmp/corral-nonexistent', env: {}, ...opts });
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.message.split('\n');
  }
  return [];
}

test('depends_on succeeded or completed on a service that never ends is an error', () => {
  const text = lines(
    'services:',
    '  server: { command: x }',
    '  daemon: { command: x, restart: always }',
    '  manual: { command: x, restart: never, autostart: false }',
    '  once: { command: x, restart: on-failure }',
    '  web:',
    '    command: x',
    '    depends_on: { server: succeeded, daemon: completed, manual: succeeded, once: succeeded }',
  );
  assert.deepEqual(problemsOf(text), [
    'c.yaml:8:27: services.web.depends_on.server: expected "server" to be able to end for "succeeded", got restart: always (the default): it never ends (give it restart: on-failure or never); web would wait forever',
    'c.yaml:8:46: services.web.depends_on.daemon: expected "daemon" to be able to end for "completed", got restart: always: it never ends (give it restart: on-failure or never); web would wait forever',
    'c.yaml:8:65: services.web.depends_on.manual: expected "manual" to be able to end for "succeeded", got autostart: false: it is never started; web would wait forever',
  ]);
  assert.deepEqual(
    problemsOf(lines('services:', '  a: { command: x }', '  b: { command: x, depends_on: { a: ready } }')),
    [],
  );
});

test('backoff.max below initial, factor below 1, reset_after 0 with max_restarts are errors', () => {
  const text = lines(
    'services:',
    '  a:',
    '    command: x',
    '    backoff: { initial: 5s, max: 1s }',
    '  b:',
    '    command: x',
    '    backoff: { max: 500ms }',
    '  c:',
    '    command: x',
    '    backoff: { factor: 0.5 }',
    '  d:',
    '    command: x',
    '    max_restarts: 3',
    '    backoff: { reset_after: 0 }',
  );
  assert.deepEqual(problemsOf(text), [
    'c.yaml:4:34: services.a.backoff.max: expected a duration >= backoff.initial (5s), got 1s',
    'c.yaml:7:21: services.b.backoff.max: expected a duration >= backoff.initial (2000 ms, the default), got 500ms',
    'c.yaml:10:24: services.c.backoff.factor: expected a number >= 1, got 0.5',
    'c.yaml:14:29: services.d.backoff.reset_after: expected a duration > 0 with max_restarts: 3 (every run would reset the count, so the limit is never reached), got 0',
  ]);
  const fine = lines(
    'services:',
    '  a: { command: x, backoff: { initial: 1s, max: 1s, reset_after: 0 } }',
    '  b: { command: x, max_restarts: 0, backoff: { reset_after: 0 } }',
  );
  assert.deepEqual(problemsOf(fine), []);
});

test('user and group are errors unless corral runs as root or they are its own', () => {
  const text = lines('services:', '  a: { command: x, user: root }', '  b: { command: x, group: 0 }');
  assert.deepEqual(problemsOf(text, { runningAs: NOT_ROOT }), [
    'c.yaml:2:26: services.a.user: expected corral to run as root to start a service as user "root", got uid 4242 (run the daemon as root, or remove user:)',
    'c.yaml:3:27: services.b.group: expected corral to run as root to start a service as group 0, got uid 4242 (run the daemon as root, or remove group:)',
  ]);
  assert.deepEqual(problemsOf(text, { runningAs: { uid: 0, gid: 0 } }), []);
  // its own account needs no privilege
  assert.deepEqual(problemsOf(text, { runningAs: { uid: 4242, gid: 0 } }).length, 1);
});

test('an unset ${VAR} warns at the reference itself; the config still loads', () => {
  const warnings: ConfigProblem[] = [];
  const text = lines('services:', '  a:', '    command: "serve --port ${PORT} --host ${HOST:-x}"');
  loadProjectFromText(text, { file: 'c.yaml', dir: '/tmp/x', env: {}, onWarning: (w) => warnings.push(w) });
  assert.deepEqual(
    warnings.map((w) => `${w.file}:${w.line}:${w.col}: ${w.path}: ${w.message}`),
    [
      'c.yaml:3:28: services.a.command: expected the variable PORT to be set, got nothing (it reads as an empty string; ${PORT:-default} gives a default, ${PORT:?message} makes it required)',
    ],
  );
});

test('${VAR:?message} and ${VAR?message} make an unset variable an error at the reference', () => {
  const text = lines(
    'services:',
    '  a:',
    '    command: "migrate --db ${DB_URL:?set DB_URL to the database URL}"',
    '    env: { TOKEN: "x-${TOKEN?}" , EMPTY_OK: "${EMPTY?must exist}" }',
  );
  try {
    loadProjectFromText(text, { file: 'c.yaml', dir: '/tmp/x', env: { EMPTY: '' } });
    assert.fail('expected a ConfigError');
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    assert.deepEqual(e.message.split('\n'), [
      'c.yaml:3:28: services.a.command: expected the variable DB_URL to be set (set DB_URL to the database URL)',
      'c.yaml:4:22: services.a.env.TOKEN: expected the variable TOKEN to be set',
    ]);
  }
});
