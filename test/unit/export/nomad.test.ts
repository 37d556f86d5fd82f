// corral export nomad: the job of the bundled example and of a project that uses every key has the
// structure of the jobs API (a schema of the subset written, test/fixtures/export/nomad-job.schema.json,
// and Nomad's own rules), the HCL says the same, and `nomad job validate` runs where it exists.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { exportNomad } from '../../../src/export/nomad.js';
import { FIXTURES } from '../../helpers/home.js';
import { EVERY_KEY, loadFile, SHOP } from './project.js';

// biome-ignore lint/suspicious/noExplicitAny: the assertions walk the job by known paths
type Job = Record<string, any>;

const schema = JSON.parse(readFileSync(join(FIXTURES, 'export', 'nomad-job.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true }).compile(schema);

/** Every problem of an API job: the schema's, and Nomad's rules across fields (job_validate's local checks). */
function problems(doc: Job): string[] {
  const out = validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  for (const g of doc.Job?.TaskGroups ?? []) {
    const r = g.RestartPolicy;
    if (r !== undefined && r.Mode === 'delay' && r.Interval < r.Attempts * r.Delay)
      out.push(`group ${g.Name}: restart interval below attempts x delay`);
    const labels = new Set(
      (g.Networks ?? []).flatMap((n: Job) => (n.ReservedPorts ?? []).map((p: Job) => p.Label)),
    );
    for (const t of g.Tasks)
      for (const s of t.Services ?? [])
        for (const c of [s, ...(s.Checks ?? [])])
          if (c.PortLabel !== undefined && !labels.has(c.PortLabel))
            out.push(`task ${t.Name}: port ${c.PortLabel} is not in the group's network`);
    const names = g.Tasks.map((t: Job) => t.Name);
    if (new Set(names).size !== names.length) out.push(`group ${g.Name}: two tasks of one name`);
  }
  return out;
}

const nomad = spawnSync('nomad', ['version']).status === 0;

for (const [what, file] of [
  ['the bundled example (examples/shop)', SHOP],
  ['a project that uses every key', EVERY_KEY],
] as const) {
  test(`${what}: the job's JSON has the jobs API's structure`, (t) => {
    const result = exportNomad(loadFile(file));
    const json = result.files.find((f) => f.name.endsWith('.nomad.json'))!;
    const found = problems(JSON.parse(json.content));
    t.diagnostic(
      `nomad-job.schema.json and Nomad's cross-field rules on ${json.name}: ${found.length === 0 ? 'valid' : found.join('; ')}`,
    );
    assert.deepEqual(found, []);
  });

  test(`${what}: nomad job validate`, {
    skip:
      !nomad &&
      'the nomad binary is not installed here (it is in neither npm nor Debian main); the structure test above stands in for it',
  }, (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'corral-export-nomad-'));
    try {
      const result = exportNomad(loadFile(file));
      for (const f of result.files) writeFileSync(join(dir, f.name), f.content);
      for (const f of result.files) {
        const args = f.name.endsWith('.json')
          ? ['job', 'validate', '-json', f.name]
          : ['job', 'validate', f.name];
        const run = spawnSync('nomad', args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
        t.diagnostic(`nomad ${args.join(' ')}: exit ${run.status}\n${run.stdout}${run.stderr}`);
        assert.equal(run.status, 0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('the structure check can fail: a duration as text, a misspelt key and a restart that cannot fit are refused', () => {
  const doc = JSON.parse(exportNomad(loadFile(SHOP)).files[0].content) as Job;
  const task = doc.Job.TaskGroups[0].Tasks[0];
  task.KillTimeout = '5s';
  task.Enviroment = {};
  doc.Job.TaskGroups[0].RestartPolicy = { Attempts: 5, Interval: 1, Delay: 1000, Mode: 'delay' };
  const found = problems(doc).join('\n');
  assert.match(found, /KillTimeout must be integer/);
  assert.match(found, /additional properties/);
  assert.match(found, /restart interval below attempts x delay/);
});

test('every-key: groups, prestart tasks, restart, checks and the directory as docs/export.md says', () => {
  const result = exportNomad(loadFile(EVERY_KEY));
  const job = JSON.parse(result.files[0].content).Job as Job;
  const groups = new Map(job.TaskGroups.map((g: Job) => [g.Name, g]));
  assert.deepEqual(
    [...groups.keys()],
    ['db', 'api', 'notifier', 'tailer'],
    'the one-shots run as prestart tasks, not groups',
  );
  const api = groups.get('api') as Job;
  assert.equal(api.Count, 2);
  assert.deepEqual(
    api.Tasks.map((t: Job) => [t.Name, t.Lifecycle?.Hook ?? null]),
    [
      ['migrate', 'prestart'],
      ['seed', 'prestart'],
      ['api', null],
    ],
  );
  const main = api.Tasks[2];
  assert.equal(main.Driver, 'raw_exec');
  assert.deepEqual(main.Config.args.slice(3), [
    join(FIXTURES, 'export'),
    '/bin/sh',
    '-c',
    'exec /bin/sleep infinity',
  ]);
  assert.equal(main.Env.CORRAL_INSTANCE, '$' + '{NOMAD_ALLOC_INDEX}');
  assert.equal(main.KillTimeout, 10_000_000_000);
  const checks = main.Services[0].Checks;
  assert.deepEqual(
    checks.map((c: Job) => [c.Name, c.Type, c.Path, c.PortLabel]),
    [
      ['ready', 'http', '/healthz', 'port8080'],
      ['health', 'http', '/healthz', 'port8080'],
    ],
  );
  assert.deepEqual(checks[1].CheckRestart, { Limit: 5, Grace: 30_000_000_000 });
  const db = (groups.get('db') as Job).Tasks[0];
  assert.match(db.Config.args[1], /^umask 0027 && cd "\$1"/);
  assert.equal(db.KillSignal, 'SIGINT');
  assert.deepEqual(db.Resources, { MemoryMB: 256 });
  assert.deepEqual(db.LogConfig, { MaxFiles: 2, MaxFileSizeMB: 1 });
  const keys = result.findings.map((f) => `${f.service} ${f.key} ${f.kind}`);
  for (const k of [
    'api depends_on.db not mapped',
    'migrate restart approximated',
    'db group not mapped',
    'db oom_score_adj not mapped',
    'api ready.interval approximated',
    'tailer autostart not mapped',
  ])
    assert.ok(keys.includes(k), `${k} in ${keys.join(', ')}`);
});

test('every-key: the HCL has the same job, with its strings escaped', () => {
  const result = exportNomad(loadFile(EVERY_KEY));
  const hcl = result.files.find((f) => f.name.endsWith('.hcl'))!.content;
  assert.equal((hcl.match(/\{/g) ?? []).length, (hcl.match(/\}/g) ?? []).length, 'balanced braces');
  for (const block of [
    'job "every" {',
    'group "api" {',
    'task "migrate" {',
    'hook = "prestart"',
    'count = 2',
    'kill_timeout = "10s"',
    'port "port8080" { static = 8080 }',
    'check_restart {',
    'mode = "delay"',
  ])
    assert.ok(hcl.includes(block), `${block} in the HCL`);
  assert.ok(
    hcl.includes('CORRAL_INSTANCE = "$' + '{NOMAD_ALLOC_INDEX}"'),
    'Nomad variables stay interpolated',
  );
  assert.ok(hcl.includes('QUOTED = "say \\"hi\\""'));
});
