// corral export through the real CLI: files on stdout or under -o, findings per service and key on
// stderr, --strict an error that writes nothing, and bad input changing nothing.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { type CliEnv, cliEnv } from '../helpers/cli.js';
import { FIXTURES } from '../helpers/home.js';

const EVERY_KEY = join(FIXTURES, 'export', 'every-key.yaml');
let c: CliEnv;

before(() => {
  c = cliEnv();
});
after(async () => {
  await c.cleanup();
});

test('export systemd -o DIR writes every unit and reports what it could not map, per service and key', async () => {
  const out = join(c.home.dir, 'units');
  const r = await c.corral(['export', 'systemd', '-f', EVERY_KEY, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.ok(readdirSync(out).includes('every-api@.service'));
  assert.ok(readdirSync(out).includes('every.target'));
  assert.deepEqual(
    readdirSync(out).filter((n) => n.endsWith('.new')),
    [],
    'no staging file left',
  );
  assert.match(r.stderr, /^corral export systemd: warning: migrate: backoff\.reset_after: not mapped: /m);
  assert.match(r.stderr, /^corral export systemd: warning: tailer: ready\.log: not mapped: /m);
  assert.match(r.stderr, new RegExp(`^wrote ${out}/every\\.target$`, 'm'));
});

test('--strict with anything approximated: exit 1, every finding as an error, nothing written', async () => {
  const out = join(c.home.dir, 'strict');
  const r = await c.corral([
    'export',
    'kubernetes',
    '-f',
    EVERY_KEY,
    '-o',
    out,
    '--strict',
    '--image',
    'x/y:1',
  ]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^corral export kubernetes: error: api: depends_on\.db: not mapped: /m);
  assert.match(r.stderr, /cannot be exported exactly \(--strict\); nothing was written$/m);
  assert.equal(existsSync(out), false);
});

test('--strict on a project the target expresses exactly: exit 0', async () => {
  const file = c.writeConfig('services:\n  web:\n    command: [/bin/sleep, infinity]\n', 'exact.yaml');
  const r = await c.corral(['export', 'compose', '-f', file, '--strict', '--image', 'x/y:1']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const doc = parse(r.stdout) as { services: Record<string, { image: string; command: string[] }> };
  assert.deepEqual(doc.services.web.command, ['/bin/sleep', 'infinity']);
  assert.equal(doc.services.web.image, 'x/y:1');
});

test('without --image, compose says the placeholder is there; with --strict that is an error', async () => {
  const file = c.writeConfig('services:\n  web:\n    command: [/bin/sleep, infinity]\n', 'noimage.yaml');
  const loose = await c.corral(['export', 'compose', '-f', file]);
  assert.equal(loose.code, 0);
  assert.match(loose.stderr, /warning: project: --image: not mapped: no image given/);
  const strict = await c.corral(['export', 'compose', '-f', file, '--strict']);
  assert.equal(strict.code, 1);
  assert.equal(strict.stdout, '');
});

test('several files on stdout each follow a header line (nomad: JSON and HCL)', async () => {
  const r = await c.corral(['export', 'nomad', '-f', EVERY_KEY]);
  assert.equal(r.code, 0, r.stderr);
  const parts = r.stdout.split(/^# ==> (.+) <==\n/m).slice(1);
  assert.deepEqual([parts[0], parts[2]], ['every.nomad.json', 'every.nomad.hcl']);
  assert.equal(JSON.parse(parts[1]).Job.ID, 'every');
});

test('an invalid config: exit 2 with its problems, nothing written', async () => {
  const file = c.writeConfig('services:\n  web:\n    command: [a]\n    restart: alway\n', 'bad.yaml');
  const out = join(c.home.dir, 'bad');
  const r = await c.corral(['export', 'systemd', '-f', file, '-o', out]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.yaml:4:\d+: services\.web\.restart: expected one of/);
  assert.equal(existsSync(out), false);
});

test('an unknown target: exit 2 naming the targets', async () => {
  const r = await c.corral(['export', 'docker', '-f', EVERY_KEY]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /systemd, kubernetes, nomad, compose/);
});

test('the written unit is the one printed on stdout', async () => {
  const out = join(c.home.dir, 'same');
  await c.corral(['export', 'systemd', '-f', EVERY_KEY, '-o', out]);
  const printed = await c.corral(['export', 'systemd', '-f', EVERY_KEY]);
  const db = readFileSync(join(out, 'every-db.service'), 'utf8');
  assert.ok(printed.stdout.includes(`# ==> every-db.service <==\n${db}`));
});
