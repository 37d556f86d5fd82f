// corral import through the real CLI: each tool's own file is imported, the report is printed,
// the written corral.yaml passes corral check, and `corral up --wait` runs it (ps shows it running).
// Bad input (an unknown format, a PM2 file that throws, a supervisord syntax error, an existing
// output file) is a clear error that writes nothing.
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type CliEnv, homeFor, psJson } from '../helpers/cli.js';
import { fixture } from '../helpers/home.js';
import { freePort } from '../helpers/port.js';
import { waitFor } from '../helpers/wait.js';

/** Waits until the server imported on `port` answers 200 (running means spawned: it may still be binding). */
async function answers(port: number): Promise<void> {
  await waitFor(
    async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.status === 200,
    { what: `the server on ${port} to answer` },
  );
}

/** A copy of test/fixtures/import in the test's project directory; the directory of `format`. */
function fixturesIn(c: CliEnv, format: string): string {
  const dir = join(c.projectDir, 'import');
  cpSync(fixture('import'), dir, { recursive: true });
  return join(dir, format);
}

/** Imports `file` in `dir`, checks and ups the result, and waits until `running` all run. */
async function importAndUp(
  c: CliEnv,
  dir: string,
  file: string,
  env: NodeJS.ProcessEnv,
  running: Record<string, number>,
): Promise<string> {
  const r = await c.corral(['import', file], { cwd: dir, env });
  assert.equal(r.code, 0, r.stderr);
  const written = readFileSync(join(dir, 'corral.yaml'), 'utf8');
  const check = await c.corral(['check'], { cwd: dir, env });
  assert.equal(check.code, 0, `${check.stderr}\n${written}`);
  const up = await c.corral(['up', '--wait'], { cwd: dir, env, timeoutMs: 60_000 });
  assert.equal(up.code, 0, `${up.stderr}\n${written}`);
  await waitFor(
    async () => {
      const rows = await psJson(c);
      return Object.entries(running).every(
        ([service, n]) =>
          rows.filter((p) => p.service === service && p.state === 'running' && p.pid !== null).length === n,
      );
    },
    { timeout: 20_000, what: `${Object.keys(running).join(', ')} to run` },
  );
  const ps = await c.corral(['ps'], { cwd: dir, env });
  assert.equal(ps.code, 0, ps.stderr);
  for (const service of Object.keys(running))
    assert.match(ps.stdout, new RegExp(`${service}\\S*\\s+running`));
  return r.stderr;
}

test('a PM2 ecosystem file is imported, reported on, and runs', async (t) => {
  const c = homeFor(t);
  const dir = fixturesIn(c, 'pm2');
  const port = await freePort();
  const report = await importAndUp(
    c,
    dir,
    'ecosystem.config.cjs',
    { API_PORT: String(port) },
    { api: 1, worker: 1 },
  );
  assert.match(report, /approximated\s+max_memory_restart -> max_memory: PM2 checks the RSS every 30s/);
  assert.match(report, /dropped\s+cron_restart: corral has no scheduled restarts/);
  assert.match(report, /dropped\s+deploy: /);
  const yaml = readFileSync(join(dir, 'corral.yaml'), 'utf8');
  assert.match(yaml, /# max_memory_restart: .*\n\s+max_memory: 300MB/);
  // the file saw API_PORT (it reads process.env.API_PORT) and nothing it does not name
  assert.match(yaml, new RegExp(`command: \\[node, \\.\\./server\\.mjs, "${port}"\\]`));
  await answers(port);
});

test('a supervisord.conf with includes is imported, reported on, and runs', async (t) => {
  const c = homeFor(t);
  const dir = fixturesIn(c, 'supervisord');
  const port = await freePort();
  const report = await importAndUp(
    c,
    dir,
    'supervisord.conf',
    { WEB_PORT: String(port) },
    { web: 1, worker: 2 },
  );
  assert.match(report, /exact\s+numprocs -> instances/);
  assert.match(report, /dropped\s+\[group:queue\]/);
  const yaml = readFileSync(join(dir, 'corral.yaml'), 'utf8');
  assert.match(yaml, /printf %02d \$CORRAL_INSTANCE/);
  const ps = await c.corral(['ps', '--json'], { cwd: dir });
  const args = JSON.parse(ps.stdout)
    .filter((p: { service: string }) => p.service === 'worker')
    .map((p: { pid: number }) => readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0').join(' ').trim())
    .sort();
  assert.deepEqual(args, ['sleep 3600', 'sleep 3601']);
});

test('a Compose file is imported (image-only services reported), and runs', async (t) => {
  const c = homeFor(t);
  const dir = fixturesIn(c, 'compose');
  const port = await freePort();
  const env = { API_PORT: String(port) };
  const report = await importAndUp(c, dir, 'compose.yaml', env, { api: 1, worker: 2 });
  assert.match(report, /db:\n\s+dropped\s+image: not importable: only an image \(postgres:16\)/);
  assert.match(report, /dropped\s+depends_on\.db: db is not imported/);
  const rows = await psJson(c);
  assert.equal(rows.find((p) => p.service === 'migrate')?.state, 'exited');
});

test('a process-compose.yaml is imported, reported on, and runs', async (t) => {
  const c = homeFor(t);
  const dir = fixturesIn(c, 'process-compose');
  const port = await freePort();
  const report = await importAndUp(
    c,
    dir,
    'process-compose.yaml',
    { API_PORT: String(port) },
    { api: 1, worker: 2 },
  );
  assert.match(report, /exact\s+liveness_probe -> health/);
  assert.match(report, /exact\s+depends_on\.api -> depends_on\.api/);
  const yaml = readFileSync(join(dir, 'corral.yaml'), 'utf8');
  assert.match(yaml, /http: http:\/\/127.0.0.1:\$\{API_PORT:-3000\}\/healthz/);
});

test('a Procfile with a .env is imported, reported on, and runs', async (t) => {
  const c = homeFor(t);
  const dir = fixturesIn(c, 'procfile');
  const report = await importAndUp(c, dir, 'Procfile', {}, { web: 1, worker: 1, clock: 1 });
  assert.match(report, /exact\s+\.env -> env_file/);
  await answers(5000);
});

test('bad input is a clear error with file and line, and writes nothing', async (t) => {
  const c = homeFor(t);
  const dir = c.projectDir;
  const cases: Array<[string, string, RegExp]> = [
    ['notes.txt', 'just some notes\nnothing to run here\n', /notes\.txt: not a format corral imports/],
    [
      'ecosystem.config.cjs',
      "const apps = [];\nthrow new Error('no apps for you');\n",
      /ecosystem\.config\.cjs:2:7: the ecosystem file threw no apps for you/,
    ],
    [
      'supervisord.conf',
      '[program:web]\ncommand=sleep 1\nthis line is wrong\n',
      /supervisord\.conf:3: expected "key = value" in \[program:web\]/,
    ],
    [
      'broken.conf',
      '[program:web]\ncommand=sleep %(ENV_CORRAL_TEST_UNSET_VAR)s\n',
      /broken\.conf:2: %\(ENV_CORRAL_TEST_UNSET_VAR\)s: the environment variable CORRAL_TEST_UNSET_VAR is not set/,
    ],
  ];
  for (const [name, text, message] of cases) {
    writeFileSync(join(dir, name), text);
    const r = await c.corral(['import', name]);
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes('corral')),
      [],
      `${name}: nothing is written, not even a temp file`,
    );
  }
});

test('an existing output file is kept unless --force', async (t) => {
  const c = homeFor(t);
  writeFileSync(join(c.projectDir, 'Procfile'), 'web: sleep 60\n');
  writeFileSync(join(c.projectDir, 'corral.yaml'), 'services: {mine: {command: sleep 1}}\n');
  const r = await c.corral(['import', 'Procfile']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /corral\.yaml exists; pass --force to replace it \(nothing was written\)/);
  assert.match(readFileSync(join(c.projectDir, 'corral.yaml'), 'utf8'), /mine/);
  const forced = await c.corral(['import', 'Procfile', '--force', '-o', 'corral.yaml']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(readFileSync(join(c.projectDir, 'corral.yaml'), 'utf8'), /web:\n\s+command: sleep 60/);
  assert.ok(existsSync(join(c.projectDir, 'corral.yaml')));
});
