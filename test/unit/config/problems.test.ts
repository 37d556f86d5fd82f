// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings hold ${VAR} references on purpose
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, formatProblem, loadProject, loadProjectFromText } from '../../../src/config/index.js';
import { closest, editDistance } from '../../../src/config/problems.js';
import { CorralError } from '../../../src/errors.js';

/** Writes `files` under a fresh temporary directory, runs `fn` on it, then removes it. */
function withFiles<T>(files: Record<string, string>, fn: (dir: string) => T): T {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'corral-problems-')));
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The problem lines of loading `text` as an inline YAML config named c.yaml. */
function problemsOf(text: string, dir = '/tmp/corral-nonexistent'): string[] {
  try {
    loadProjectFromText(text, { file: 'c.yaml', dir, env: {} });
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.message.split('\n');
  }
  assert.fail('expected a ConfigError');
}

const lines = (...l: string[]): string => `${l.join('\n')}\n`;

test('three mistakes give exactly three FILE:LINE:COL lines, in file order', () => {
  const text = lines(
    'services:',
    '  api:',
    '    command: node server.js',
    '    restart: alway',
    '    stop:',
    '      timeout: 5 seconds',
    '  web:',
    '    command: x',
    '    restrat: never',
  );
  withFiles({ 'corral.yaml': text }, (dir) => {
    const file = join(dir, 'corral.yaml');
    let error: unknown;
    try {
      loadProject(file);
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof ConfigError);
    assert.ok(error instanceof CorralError);
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.deepEqual(error.message.split('\n'), [
      `${file}:4:14: services.api.restart: expected one of always | on-failure | never, got "alway" (did you mean "always"?)`,
      `${file}:6:16: services.api.stop.timeout: expected a duration like 250ms, 5s, 1m or 1h, got "5 seconds"`,
      `${file}:9:5: services.web.restrat: unknown key (did you mean "restart"?)`,
    ]);
    assert.deepEqual(error.details, error.problems);
    assert.deepEqual(error.problems[2], {
      file,
      line: 9,
      col: 5,
      path: 'services.web.restrat',
      message: 'unknown key (did you mean "restart"?)',
    });
    assert.equal(formatProblem(error.problems[2]), error.message.split('\n')[2]);
  });
});

test('unknown keys: did-you-mean only when close', () => {
  assert.deepEqual(
    problemsOf(lines('services:', '  a:', '    command: x', '    helth: {}', '    zzzzzz: 1')),
    [
      'c.yaml:4:5: services.a.helth: unknown key (did you mean "health"?)',
      'c.yaml:5:5: services.a.zzzzzz: unknown key',
    ],
  );
  assert.deepEqual(
    problemsOf(lines('services:', '  a:', '    command: x', '    health: { exec: x, log: y }')),
    ['c.yaml:4:24: services.a.health.log: unknown key (log only works in ready)'],
  );
});

test('a missing required key points at the mapping that should hold it', () => {
  assert.deepEqual(problemsOf(lines('services:', '  a:', '    restart: never')), [
    'c.yaml:2:3: services.a.command: expected a command: a string run by /bin/sh -c, or a non-empty list of arguments, got nothing',
  ]);
  assert.deepEqual(problemsOf(''), ['c.yaml:1:1: expected a mapping with a services key, got nothing']);
});

test('dependency problems: unknown, itself, cycles', () => {
  const text = lines(
    'services:',
    '  db: { command: x }',
    '  api: { command: x, depends_on: { dbx: ready, web: started } }',
    '  web: { command: x, depends_on: [api] }',
    '  me: { command: x, depends_on: [me] }',
  );
  assert.deepEqual(problemsOf(text), [
    'c.yaml:3:36: services.api.depends_on.dbx: unknown service "dbx" (did you mean "db"?)',
    'c.yaml:3:48: services.api.depends_on.web: expected no dependency cycle, got api -> web -> api',
    'c.yaml:5:34: services.me.depends_on.0: expected another service, got "me" itself',
  ]);
  const longer = lines(
    'services:',
    '  a: { command: x, depends_on: [b], restart: never }',
    '  b: { command: x, depends_on: [c] }',
    '  c: { command: x, depends_on: { a: succeeded } }',
  );
  assert.deepEqual(problemsOf(longer), [
    'c.yaml:2:33: services.a.depends_on.0: expected no dependency cycle, got a -> b -> c -> a',
  ]);
});

test('bad signals, sizes, probes and names', () => {
  const text = lines(
    'services:',
    '  a:',
    '    command: x',
    '    stop: { signal: SIGTREM }',
    '    max_memory: 512',
    '    ready: { http: "ftp://x", tcp: "h:99999" }',
    '    health: { log: "(" }',
    '  b/c: { command: x }',
  );
  assert.deepEqual(problemsOf(text), [
    'c.yaml:4:21: services.a.stop.signal: expected a signal like SIGTERM, TERM or 15, got "SIGTREM" (did you mean "SIGTERM"?)',
    'c.yaml:5:17: services.a.max_memory: expected a size like 512KB, 10MB or 1GB, got 512 (add a unit, e.g. "512MB")',
    'c.yaml:6:12: services.a.ready: expected exactly one of http | tcp | exec | log | notify, got http and tcp',
    'c.yaml:6:20: services.a.ready.http: expected an http:// or https:// URL, got "ftp://x"',
    'c.yaml:6:36: services.a.ready.tcp: expected HOST:PORT with a port from 1 to 65535, like 127.0.0.1:5432, got "h:99999"',
    'c.yaml:7:13: services.a.health: expected exactly one of http | tcp | exec, got none',
    'c.yaml:7:15: services.a.health.log: unknown key (log only works in ready)',
    'c.yaml:8:3: services.b/c: expected a name of letters, digits, "_", "." and "-" that starts with a letter or digit, got "b/c"',
  ]);
  assert.deepEqual(problemsOf(lines('services:', '  a:', '    command: x', '    ready: { log: "(" }')), [
    'c.yaml:4:19: services.a.ready.log: expected a regular expression, got "(" (Invalid regular expression: /(/: Unterminated group)',
  ]);
});

test('wrong types and ranges read as "expected X, got Y"', () => {
  const text = lines(
    'services:',
    '  a:',
    '    command: []',
    '    instances: 0',
    '    env: { EMPTY: }',
    '    depends_on: yes-please',
    '    success_codes: [256]',
    '    umask: 999',
    '    sockets: [unix://relative]',
    '    ready: { notify: false }',
  );
  assert.deepEqual(problemsOf(text), [
    'c.yaml:3:14: services.a.command: expected a non-empty list, got an empty list',
    'c.yaml:4:16: services.a.instances: expected an integer >= 1, got 0',
    'c.yaml:5:12: services.a.env.EMPTY: expected a string, a number or true/false (write "" for an empty value), got nothing',
    'c.yaml:6:17: services.a.depends_on: expected a mapping of service to started | ready | succeeded | completed, or a list of services, got "yes-please"',
    'c.yaml:7:21: services.a.success_codes.0: expected an integer from 0 to 255, got 256',
    'c.yaml:8:12: services.a.umask: expected a umask of octal digits like "0022", got 999',
    'c.yaml:9:15: services.a.sockets.0: expected tcp://HOST:PORT or unix:///absolute/path, got "unix://relative" (write three slashes: unix:///path)',
    'c.yaml:10:22: services.a.ready.notify: expected true, got false',
  ]);
});

test('union problems stay with their own service', () => {
  const text = lines(
    'services:',
    '  a: { command: 5, env_file: [x, 7] }',
    '  b: { command: [], env_file: 7 }',
    '  c: { command: [node, {}], depends_on: [1] }',
  );
  assert.deepEqual(problemsOf(text), [
    'c.yaml:2:17: services.a.command: expected a command: a string run by /bin/sh -c, or a non-empty list of arguments, got 5',
    'c.yaml:2:31: services.a.env_file.0: cannot read /tmp/corral-nonexistent/x: ENOENT',
    'c.yaml:2:34: services.a.env_file.1: expected a non-empty string, got 7',
    'c.yaml:3:17: services.b.command: expected a non-empty list, got an empty list',
    'c.yaml:3:31: services.b.env_file: expected a path or a list of paths, got 7',
    'c.yaml:4:24: services.c.command.1: expected a string, got a mapping',
    'c.yaml:4:42: services.c.depends_on.0: expected a non-empty string, got 1',
  ]);
});

test('unreadable and malformed env files', () => {
  const text = lines(
    'env_file: missing.env',
    'services:',
    '  a:',
    '    command: x',
    '    env_file: [ok.env, bad.env]',
  );
  withFiles({ 'corral.yaml': text, 'ok.env': 'A=1\n', 'bad.env': 'A=1\nnot a line\n' }, (dir) => {
    const file = join(dir, 'corral.yaml');
    assert.throws(() => loadProject(file), {
      message: [
        `${file}:1:11: env_file: cannot read ${join(dir, 'missing.env')}: ENOENT`,
        `${join(dir, 'bad.env')}:2:1: services.a.env_file.1: expected KEY=VALUE, got "not a line"`,
      ].join('\n'),
    });
  });
});

test('a cwd that is a file, or that does not exist, is a problem', () => {
  withFiles(
    {
      'corral.yaml': lines(
        'services:',
        '  a: { command: x, cwd: f }',
        '  b: { command: x, cwd: gone }',
        '  c: { command: x, cwd: f/below }',
        '  d: { command: x, cwd: sub }',
      ),
      f: '',
      'sub/.keep': '',
    },
    (dir) => {
      assert.throws(() => loadProject(join(dir, 'corral.yaml')), {
        message: [
          `${join(dir, 'corral.yaml')}:2:25: services.a.cwd: expected a directory, got a file (${join(dir, 'f')})`,
          `${join(dir, 'corral.yaml')}:3:25: services.b.cwd: expected an existing directory, got nothing at ${join(dir, 'gone')}`,
          `${join(dir, 'corral.yaml')}:4:25: services.c.cwd: expected a directory, got a path through a file (${join(dir, 'f/below')})`,
        ].join('\n'),
      });
    },
  );
});

test('YAML syntax errors and duplicate keys have positions', () => {
  assert.deepEqual(problemsOf(lines('services:', '  a:', '    command: "unclosed', '  b: x')), [
    'c.yaml:5:1: missing closing "quote',
  ]);
  assert.deepEqual(problemsOf(lines('services:', '\tapi: x')), [
    'c.yaml:2:1: tabs are not allowed as indentation',
  ]);
  assert.deepEqual(problemsOf(lines('services:', '  api: { command: x }', '  api: { command: y }')), [
    'c.yaml:3:3: services.api: expected unique keys, got "api" again',
  ]);
  assert.deepEqual(problemsOf(lines('services:', '  api: { command: x, restart: never, restart: always }')), [
    'c.yaml:2:38: services.api.restart: expected unique keys, got "restart" again',
  ]);
});

test('interpolation errors are placed at their value', () => {
  assert.deepEqual(problemsOf(lines('services:', '  a:', '    command: ${CMD', '    cwd: ${DIR:?set DIR}')), [
    'c.yaml:3:14: services.a.command: expected ${NAME}, ${NAME:-default}, ${NAME:?message} or $$ for a literal $, got "${CMD"',
    'c.yaml:4:10: services.a.cwd: expected the variable DIR to be set (set DIR)',
  ]);
});

test('Procfile problems carry their line numbers', () => {
  const text = '# web\nweb: node a.js\nnot a process\nweb: again\nworker:\nbad/name: x\n';
  assert.throws(() => loadProjectFromText(text, { file: 'Procfile', dir: '/tmp/corral-nonexistent' }), {
    message: [
      'Procfile:3:1: expected "name: command", got "not a process"',
      'Procfile:4:1: services.web: expected unique names, got "web" again (first on line 2)',
      'Procfile:5:8: services.worker: expected a command after the colon, got nothing',
      'Procfile:6:1: services.bad/name: expected a name of letters, digits, "_", "." and "-" that starts with a letter or digit, got "bad/name"',
    ].join('\n'),
  });
});

test('edit distance and closest candidate', () => {
  assert.equal(editDistance('restrat', 'restart'), 1);
  assert.equal(editDistance('alway', 'always'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(closest('restrat', ['restart', 'ready']), 'restart');
  assert.equal(closest('dbx', ['db', 'api']), 'db');
  assert.equal(closest('ab', ['xy']), null);
  assert.equal(closest('completly', ['started', 'completed']), 'completed');
});
