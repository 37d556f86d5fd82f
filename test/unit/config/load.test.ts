// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings hold ${VAR} references on purpose
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import {
  detectFormat,
  findConfigFile,
  loadProject,
  loadProjectFromText,
  type ProjectSpec,
  projectNameOf,
  type ServiceSpec,
} from '../../../src/config/index.js';
import { CorralError } from '../../../src/errors.js';

/** Writes `files` under a fresh temporary directory, runs `fn` on it, then removes it. */
function withFiles<T>(files: Record<string, string>, fn: (dir: string) => T): T {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'corral-config-')));
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

const FULL = `
name: shop
env: { LOG_LEVEL: info, SHARED: from-project-env }
env_file: .env
x-common: &common
  restart: on-failure
services:
  db:
    command: postgres -D ./data
    ready: { tcp: "[::1]:5432" }
  api:
    command: [node, server.js, 8080]
    cwd: ./api
    env: { PORT: "3000", WORKERS: 4, DEBUG: false }
    env_file: [api.env]
    instances: 2
    depends_on: { db: ready }
    restart: always
    success_codes: [0, 143]
    backoff: { free: 1, initial: 500ms, factor: 1.5, max: 1m30s, reset_after: 1h }
    max_restarts: 7
    stop: { signal: int, timeout: 10s }
    ready:
      http: http://127.0.0.1:3000/healthz
      status: 204
      timeout: 20s
      interval: 100ms
    health:
      tcp: localhost:3000
      interval: 30s
      timeout: 2s
      failures: 5
    logs: { timestamps: true, max_size: 512KB, keep: 2 }
    user: www-data
    group: 33
    umask: "0027"
    oom_score_adj: -500
    sockets: [tcp://0.0.0.0:8080, unix:///run/shop/api.sock]
    max_memory: 1GB
    autostart: false
  worker:
    <<: *common
    command: ./worker
    depends_on: [db, api]
    ready: { log: "^listening on \\\\d+$", timeout: 1m }
    health: { exec: [./check, --quick] }
  notifier:
    command: ./notify
    ready: { notify: true }
    health: { exec: "curl -fs localhost" }
    umask: 0022
`;

function defaults(dir: string, name: string, over: Partial<ServiceSpec>): ServiceSpec {
  return {
    project: 'shop',
    name,
    command: [],
    cwd: dir,
    env: {},
    instances: 1,
    dependsOn: {},
    restart: 'always',
    successCodes: [0],
    backoff: { free: 3, initialMs: 2_000, factor: 2, maxMs: 60_000, resetAfterMs: 10_000 },
    maxRestarts: 0,
    stop: { signal: 'SIGTERM', timeoutMs: 5_000 },
    ready: null,
    health: null,
    logs: { timestamps: false, maxSizeBytes: 10 * 1024 * 1024, keep: 5 },
    user: null,
    group: null,
    umask: null,
    oomScoreAdj: null,
    sockets: [],
    maxMemoryBytes: null,
    autostart: true,
    watch: [],
    ...over,
  };
}

test('a file with every key gives the exact normalized project', () => {
  const files = {
    'corral.yaml': FULL,
    '.env': 'SHARED=from-project-file\nFROM_PROJECT_FILE=1\n',
    'api.env': 'SHARED=from-service-file\nPORT=1\n',
    'api/.keep': '',
  };
  withFiles(files, (dir) => {
    const projectEnv = { SHARED: 'from-project-env', FROM_PROJECT_FILE: '1', LOG_LEVEL: 'info' };
    const expected: ProjectSpec = {
      name: 'shop',
      file: join(dir, 'corral.yaml'),
      dir,
      services: [
        defaults(dir, 'db', {
          command: ['/bin/sh', '-c', 'postgres -D ./data'],
          env: { ...projectEnv, CORRAL_SERVICE: 'db' },
          ready: { check: { kind: 'tcp', host: '::1', port: 5432 }, timeoutMs: 15_000, intervalMs: 200 },
        }),
        defaults(dir, 'api', {
          command: ['node', 'server.js', '8080'],
          cwd: join(dir, 'api'),
          env: {
            ...projectEnv,
            SHARED: 'from-service-file',
            PORT: '3000',
            WORKERS: '4',
            DEBUG: 'false',
            CORRAL_SERVICE: 'api',
          },
          instances: 2,
          dependsOn: { db: 'ready' },
          successCodes: [0, 143],
          backoff: { free: 1, initialMs: 500, factor: 1.5, maxMs: 90_000, resetAfterMs: 3_600_000 },
          maxRestarts: 7,
          stop: { signal: 'SIGINT', timeoutMs: 10_000 },
          ready: {
            check: { kind: 'http', url: 'http://127.0.0.1:3000/healthz', status: 204 },
            timeoutMs: 20_000,
            intervalMs: 100,
          },
          health: {
            check: { kind: 'tcp', host: 'localhost', port: 3000 },
            intervalMs: 30_000,
            timeoutMs: 2_000,
            failures: 5,
          },
          logs: { timestamps: true, maxSizeBytes: 512 * 1024, keep: 2 },
          user: 'www-data',
          group: '33',
          umask: 0o027,
          oomScoreAdj: -500,
          sockets: ['tcp://0.0.0.0:8080', 'unix:///run/shop/api.sock'],
          maxMemoryBytes: 1024 ** 3,
          autostart: false,
        }),
        defaults(dir, 'worker', {
          command: ['/bin/sh', '-c', './worker'],
          env: { ...projectEnv, CORRAL_SERVICE: 'worker' },
          dependsOn: { db: 'started', api: 'started' },
          restart: 'on-failure',
          ready: {
            check: { kind: 'log', pattern: '^listening on \\d+$' },
            timeoutMs: 60_000,
            intervalMs: 200,
          },
          health: {
            check: { kind: 'exec', command: ['./check', '--quick'] },
            intervalMs: 10_000,
            timeoutMs: 3_000,
            failures: 3,
          },
        }),
        defaults(dir, 'notifier', {
          command: ['/bin/sh', '-c', './notify'],
          env: { ...projectEnv, CORRAL_SERVICE: 'notifier' },
          ready: { check: { kind: 'notify' }, timeoutMs: 15_000, intervalMs: 200 },
          health: {
            check: { kind: 'exec', command: ['/bin/sh', '-c', 'curl -fs localhost'] },
            intervalMs: 10_000,
            timeoutMs: 3_000,
            failures: 3,
          },
          umask: 0o022,
        }),
      ],
    };
    const spec = loadProject(join(dir, 'corral.yaml'), { env: {} });
    assert.deepEqual(spec, expected);
    assert.ok(Object.isFrozen(spec) && Object.isFrozen(spec.services[1].env));
  });
});

test('env merge order: project env_file < project env < service env_file < service env', () => {
  const yaml = [
    'env_file: [p1.env, p2.env]',
    'env: { A: project-env, B: project-env }',
    'services:',
    '  s:',
    '    command: x',
    '    env_file: s.env',
    '    env: { A: service-env, CORRAL_SERVICE: mine }',
    '',
  ].join('\n');
  const files = {
    'corral.yaml': yaml,
    'p1.env': 'A=p1\nB=p1\nC=p1\nD=p1\nE=p1\n',
    'p2.env': 'E=p2\n',
    's.env': 'A=s\nB=s\nD=s\n',
  };
  withFiles(files, (dir) => {
    const env = loadProject(join(dir, 'corral.yaml'), { env: {} }).services[0].env;
    assert.deepEqual(env, { A: 'service-env', B: 's', C: 'p1', D: 's', E: 'p2', CORRAL_SERVICE: 's' });
  });
});

test('Procfile: name: command lines, a .env beside it, the directory name as project name', () => {
  const procfile =
    '# processes\nweb: node server.js --port $PORT\n\n  worker:   ./work ${QUEUE} # runs in sh\n';
  withFiles({ 'my shop/Procfile': procfile, 'my shop/.env': 'PORT=5000\n' }, (root) => {
    const dir = join(root, 'my shop');
    const spec = loadProject(join(dir, 'Procfile'), { env: {} });
    assert.equal(spec.name, 'my-shop');
    assert.deepEqual(
      spec.services.map((s) => [s.name, s.command, s.env]),
      [
        ['web', ['/bin/sh', '-c', 'node server.js --port $PORT'], { PORT: '5000', CORRAL_SERVICE: 'web' }],
        [
          'worker',
          ['/bin/sh', '-c', './work ${QUEUE} # runs in sh'],
          { PORT: '5000', CORRAL_SERVICE: 'worker' },
        ],
      ],
    );
    assert.equal(spec.services[0].restart, 'always');
  });
});

test('the project name defaults to the directory name; services keep file order', () => {
  withFiles(
    { 'proj/corral.yml': 'services:\n  b: { command: x }\n  "2": { command: x }\n  a: { command: x }\n' },
    (root) => {
      const spec = loadProject(join(root, 'proj', 'corral.yml'));
      assert.equal(spec.name, 'proj');
      assert.deepEqual(
        spec.services.map((s) => s.name),
        ['b', '2', 'a'],
      );
    },
  );
});

test('findConfigFile prefers corral.yaml, then corral.yml, then Procfile', () => {
  withFiles(
    {
      'a/corral.yaml': '',
      'a/corral.yml': '',
      'a/Procfile': '',
      'b/corral.yml': '',
      'b/Procfile': '',
      'c/Procfile': '',
    },
    (dir) => {
      assert.equal(findConfigFile(join(dir, 'a')), join(dir, 'a', 'corral.yaml'));
      assert.equal(findConfigFile(join(dir, 'b')), join(dir, 'b', 'corral.yml'));
      assert.equal(findConfigFile(join(dir, 'c')), join(dir, 'c', 'Procfile'));
      assert.throws(
        () => findConfigFile(dir),
        (e: unknown) =>
          e instanceof CorralError &&
          e.code === 'CONFIG_NOT_FOUND' &&
          e.message === `No corral.yaml, corral.yml or Procfile found in ${dir}`,
      );
    },
  );
});

test('a missing file is CONFIG_NOT_FOUND', () => {
  assert.throws(
    () => loadProject('/nonexistent/corral.yaml'),
    (e: unknown) => e instanceof CorralError && e.code === 'CONFIG_NOT_FOUND' && /ENOENT/.test(e.message),
  );
});

test('detectFormat: by name, else by content', () => {
  assert.equal(detectFormat('/x/Procfile', 'services:\n'), 'procfile');
  assert.equal(detectFormat('/x/Procfile.dev', ''), 'procfile');
  assert.equal(detectFormat('/x/a.yaml', 'web: x'), 'yaml');
  assert.equal(detectFormat('/x/a.yml', ''), 'yaml');
  assert.equal(detectFormat('<inline>', 'services:\n  web: { command: x }\n'), 'yaml');
  assert.equal(detectFormat('<inline>', '{"services": {"web": {"command": "x"}}}'), 'yaml');
  assert.equal(detectFormat('<inline>', 'services:\n  broken: [\n'), 'yaml');
  assert.equal(detectFormat('<inline>', 'web: node server.js\nworker: ./work\n'), 'procfile');
  assert.equal(detectFormat('<inline>', 'services: ./run-services\n'), 'procfile');
});

test('an inline config: file is null, paths resolve against dir', () => {
  withFiles({ 'shop/sub/.keep': '' }, (root) => {
    const dir = join(root, 'shop');
    const spec = loadProjectFromText('services:\n  web:\n    command: [x]\n    cwd: sub\n', {
      file: '<inline>',
      dir,
    });
    assert.equal(spec.file, null);
    assert.equal(spec.name, 'shop');
    assert.equal(spec.dir, dir);
    assert.equal(spec.services[0].cwd, join(dir, 'sub'));
  });
  const procfile = loadProjectFromText('web: x', { file: '<inline>', dir: '/srv/shop', format: 'procfile' });
  assert.deepEqual(procfile.services[0].command, ['/bin/sh', '-c', 'x']);
});

test('text read from a file: the absolute path it came from is the project file', () => {
  const spec = loadProjectFromText('web: x', { file: '/srv/shop/Procfile', dir: '/srv/shop' });
  assert.equal(spec.file, '/srv/shop/Procfile');
  assert.deepEqual(spec.services[0].command, ['/bin/sh', '-c', 'x']);
});

test('projectNameOf: the name of a file that no longer validates, else its directory', () => {
  withFiles(
    {
      'a/corral.yaml': 'name: ${NAME:-shop}\nservices:\n  web: { command: x, cwd: gone }\n',
      'my-app/corral.yaml': 'services: {}\n',
      'b/Procfile': 'web: x\n',
    },
    (dir) => {
      assert.equal(projectNameOf(join(dir, 'a', 'corral.yaml'), {}), 'shop');
      assert.equal(projectNameOf(join(dir, 'a', 'corral.yaml'), { NAME: 'blog' }), 'blog');
      assert.equal(projectNameOf(join(dir, 'my-app', 'corral.yaml')), 'my-app');
      assert.equal(projectNameOf(join(dir, 'b', 'Procfile')), 'b');
    },
  );
});
