// corral export systemd: the units of the bundled example and of a project that uses every key
// pass `systemd-analyze verify` (run here for real, offline), and each mapping says what it should.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { exportSystemd } from '../../../src/export/systemd.js';
import type { ExportResult } from '../../../src/export/types.js';
import { EVERY_KEY, fileOf, loadFile, loadText, SHOP } from './project.js';

const version = Number(
  /systemd (\d+)/.exec(spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1] ??
    0,
);
// RestartSteps= and RestartMaxDelaySec= came with systemd 254; older ones ignore them, saying so
const NEWER_KEYS =
  /^\S+: Unknown key '(RestartSteps|RestartMaxDelaySec)' in section \[Service\], ignoring\.$/;

/** systemd-analyze verify on every unit of an export: its exit code and output, minus what an older systemd cannot know. */
function verify(result: ExportResult): { code: number | null; output: string; problems: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'corral-export-systemd-'));
  try {
    const paths = result.files.map((f) => {
      writeFileSync(join(dir, f.name), f.content);
      return join(dir, f.name);
    });
    const run = spawnSync(
      'systemd-analyze',
      ['verify', '--man=no', '--generators=no', '--recursive-errors=no', ...paths],
      {
        cwd: dir,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    const output = `${run.stdout}${run.stderr}`.trim();
    const lines = output === '' ? [] : output.split('\n');
    const problems = lines.filter((l) => !(version < 254 && NEWER_KEYS.test(l)));
    return { code: run.status, output, problems };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

test('the bundled example (examples/shop) passes systemd-analyze verify', {
  skip: !hasAnalyze && 'systemd-analyze is not installed',
}, (t) => {
  const result = exportSystemd(loadFile(SHOP));
  const v = verify(result);
  t.diagnostic(
    `systemd ${version}, systemd-analyze verify on ${result.files.map((f) => f.name).join(' ')}: exit ${v.code}\n${v.output || '(no output)'}`,
  );
  assert.deepEqual(v.problems, []);
  if (version >= 254) assert.equal(v.code, 0);
});

test('a project that uses every key passes systemd-analyze verify', {
  skip: !hasAnalyze && 'systemd-analyze is not installed',
}, (t) => {
  const result = exportSystemd(loadFile(EVERY_KEY));
  const v = verify(result);
  t.diagnostic(
    `systemd ${version}, systemd-analyze verify on ${result.files.map((f) => f.name).join(' ')}: exit ${v.code}\n${v.output || '(no output)'}`,
  );
  assert.deepEqual(v.problems, []);
  if (version >= 254) assert.equal(v.code, 0);
});

test('systemd-analyze verify fails on a unit whose program does not exist (the check can fail)', {
  skip: !hasAnalyze && 'systemd-analyze is not installed',
}, () => {
  const result = exportSystemd(
    loadText('services:\n  web:\n    command: [/nonexistent/corral-test-program]\n    restart: never\n'),
  );
  const v = verify(result);
  assert.notEqual(v.code, 0);
  assert.match(v.problems.join('\n'), /corral-test-program/);
});

test('every-key: units, types, dependencies, readiness, restart and limits as docs/export.md says', () => {
  const result = exportSystemd(loadFile(EVERY_KEY));
  assert.deepEqual(result.files.map((f) => f.name).sort(), [
    'every-api-0.socket',
    'every-api-1.socket',
    'every-api@.service',
    'every-db.service',
    'every-migrate.service',
    'every-notifier.service',
    'every-seed.service',
    'every-tailer.service',
    'every.target',
  ]);
  const migrate = fileOf(result, 'every-migrate.service');
  assert.match(migrate, /^Type=oneshot$/m);
  assert.match(migrate, /^RemainAfterExit=yes$/m);
  assert.match(migrate, /^Restart=on-failure$/m);
  assert.match(migrate, /^SuccessExitStatus=0 3$/m);
  assert.match(migrate, /^StartLimitBurst=3$/m);
  assert.match(migrate, /^RestartSec=1s$/m);
  assert.match(migrate, /^RestartSteps=3$/m); // 1s * 3^3 >= 20s
  assert.match(migrate, /^RestartMaxDelaySec=20s$/m);
  const seed = fileOf(result, 'every-seed.service');
  assert.match(seed, /^ExecStart=-\/bin\/sh -c "\/bin\/echo seeded"$/m, 'completed: any exit counts');
  assert.match(seed, /^Restart=no$/m);
  const api = fileOf(result, 'every-api@.service');
  assert.match(api, /^Requires=every-migrate\.service$/m);
  assert.match(api, /^After=every-db\.service$/m);
  assert.match(api, /^Environment="CORRAL_INSTANCE=%i"$/m);
  assert.match(api, /^Environment="QUOTED=say \\"hi\\""$/m);
  assert.match(api, /^Environment="GREETING=50%% off \$HOME"$/m);
  assert.match(
    api,
    /^ExecStartPost=\/bin\/sh -c "until test \\"\$\$\(curl .*'%%\{http_code\}' http:\/\/127\.0\.0\.1:8080\/healthz\)\\" = 204; do sleep 0\.5; done"$/m,
  );
  assert.match(api, /^TimeoutStartSec=30s$/m);
  assert.match(api, /^Sockets=every-api-0\.socket every-api-1\.socket$/m);
  assert.match(api, /^StartLimitIntervalSec=0$/m, 'max_restarts 0: never give up');
  const db = fileOf(result, 'every-db.service');
  for (const line of [
    'Type=exec',
    'User=root',
    'Group=root',
    'UMask=0027',
    'OOMScoreAdjust=-500',
    `MemoryMax=${256 * 1024 * 1024}`,
    'KillMode=control-group',
    'KillSignal=SIGINT',
    'TimeoutStopSec=20s',
  ])
    assert.ok(db.split('\n').includes(line), `${line} in every-db.service`);
  assert.match(db, /^ExecStartPost=.*dev\/tcp\/127\.0\.0\.1\/5432.*sleep 1; done"$/m);
  assert.match(fileOf(result, 'every-notifier.service'), /^Type=notify$/m);
  const socket = fileOf(result, 'every-api-1.socket');
  assert.match(socket, /^ListenStream=\/run\/every-api\.sock$/m);
  assert.match(socket, /^SocketMode=0660$/m);
  assert.match(fileOf(result, 'every-api-0.socket'), /^FileDescriptorName=http$/m);
  const target = fileOf(result, 'every.target');
  assert.match(target, /^Wants=every-api@1\.service$/m);
  assert.doesNotMatch(target, /tailer/, 'autostart: false is not wanted by the target');
});

test('every-key: what systemd cannot say is reported per service and key', () => {
  const keys = exportSystemd(loadFile(EVERY_KEY)).findings.map((f) => `${f.service} ${f.key} ${f.kind}`);
  for (const k of [
    'migrate backoff.reset_after not mapped',
    'migrate backoff.free not mapped',
    'migrate max_restarts approximated',
    'db max_memory approximated',
    'db logs.timestamps approximated',
    'api health not mapped',
    'tailer ready.log not mapped',
  ])
    assert.ok(keys.includes(k), `${k} in ${keys.join(', ')}`);
});

test('a service that sets no key beyond command and defaults exports with no finding', () => {
  const result = exportSystemd(loadText('services:\n  web:\n    command: [/bin/sleep, infinity]\n'));
  assert.deepEqual(result.findings, []);
});
