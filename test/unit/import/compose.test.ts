// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these texts hold ${VAR} references on purpose
// Compose files: commands on the host, image-only services reported, restart, healthcheck,
// depends_on conditions, replicas, stop, memory and logging mapped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importCompose } from '../../../src/import/compose.js';

test('an image-only service is not importable, and dependencies on it are dropped', () => {
  const { config, findings } = importCompose(
    {
      services: {
        db: { image: 'postgres:16' },
        api: { image: 'node:20', command: 'node server.js', depends_on: ['db'] },
      },
    },
    '/tmp',
  );
  assert.deepEqual(Object.keys(config.services), ['api']);
  assert.match(
    findings.find((f) => f.service === 'db')?.note ?? '',
    /not importable: only an image \(postgres:16\)/,
  );
  assert.equal(findings.find((f) => f.source === 'depends_on.db')?.kind, 'dropped');
  assert.equal(config.services.api.depends_on, undefined);
  assert.throws(
    () => importCompose({ services: { db: { image: 'postgres' } } }, '/tmp'),
    /no service of this Compose file has a command/,
  );
});

test("Compose's defaults: restart no, stop_grace_period 10s; a string command is split, not run by a shell", () => {
  const { config } = importCompose({ services: { a: { command: 'echo "hello world"' } } }, '/tmp');
  assert.deepEqual(config.services.a, {
    command: ['echo', 'hello world'],
    restart: 'never',
    stop: { timeout: '10s' },
  });
});

test('each service key maps', () => {
  const { config, findings } = importCompose(
    {
      services: {
        db: {
          entrypoint: ['postgres'],
          command: ['-D', 'data'],
          healthcheck: {
            test: ['CMD-SHELL', 'pg_isready'],
            interval: '2s',
            timeout: '1s',
            retries: 5,
            start_period: '10s',
          },
        },
        migrate: { command: ['sh', '-c', 'migrate'], restart: 'on-failure:3' },
        api: {
          command: ['node', 'api.js'],
          environment: ['A=1', 'PASSTHROUGH', 'CORRAL_SERVICE=api', 'CORRAL_INSTANCE=0'],
          deploy: { replicas: 3, resources: { limits: { memory: '1g' } } },
          depends_on: {
            db: { condition: 'service_healthy' },
            migrate: { condition: 'service_completed_successfully' },
          },
          restart: 'always',
          stop_signal: 'SIGQUIT',
          stop_grace_period: '1m30s',
          oom_score_adj: 200,
          user: '1000:1000',
          logging: { driver: 'json-file', options: { 'max-size': '10m', 'max-file': '4' } },
          ports: ['3000:3000'],
          volumes: ['./data:/data'],
        },
      },
    },
    '/tmp',
  );
  assert.deepEqual(config.services.db.command, ['postgres', '-D', 'data']);
  assert.deepEqual(config.services.db.health, {
    exec: 'pg_isready',
    interval: '2s',
    timeout: '1s',
    failures: 5,
  });
  assert.deepEqual(config.services.db.ready, { exec: 'pg_isready', interval: '2s', timeout: '20s' });
  assert.equal(config.services.migrate.restart, 'on-failure');
  assert.equal(config.services.migrate.max_restarts, 3);
  const api = config.services.api;
  assert.deepEqual(api.env, { A: '1', PASSTHROUGH: '${PASSTHROUGH}' });
  assert.equal(api.instances, 3);
  assert.deepEqual(api.depends_on, { db: 'ready', migrate: 'succeeded' });
  assert.deepEqual(api.stop, { signal: 'SIGQUIT', timeout: '90s' });
  assert.equal(api.oom_score_adj, 200);
  assert.equal(api.user, 1000);
  assert.equal(api.group, 1000);
  assert.equal(api.max_memory, '1GB');
  assert.deepEqual(api.logs, { max_size: '10MB', keep: 3 });
  const of = (source: string) => findings.find((f) => f.service === 'api' && f.source === source)?.kind;
  assert.equal(of('ports'), 'dropped');
  assert.equal(of('environment.CORRAL_INSTANCE'), 'dropped');
  assert.equal(of('volumes'), 'dropped');
  assert.equal(of('user'), 'approximated');
  assert.equal(of('deploy.resources.limits.memory'), 'approximated');
});

test('a working_dir inside the container is dropped; one that exists here is kept, approximated', () => {
  const { config, findings } = importCompose(
    {
      services: {
        a: { command: 'x', working_dir: '/app/in/container' },
        b: { command: 'y', working_dir: '/tmp' },
      },
    },
    '/tmp',
  );
  assert.equal(config.services.a.cwd, undefined);
  assert.equal(findings.find((f) => f.service === 'a' && f.source === 'working_dir')?.kind, 'dropped');
  assert.equal(config.services.b.cwd, '/tmp');
});
