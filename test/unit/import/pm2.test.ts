// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these texts hold ${VAR} references on purpose
// PM2 ecosystem files: the mapping of each app key, and the evaluation of a file as code in a
// separate process (only the variables it names, a deadline, errors with their line).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { appsOf, importPm2 } from '../../../src/import/pm2.js';
import { environmentFor, loadEcosystem } from '../../../src/import/pm2-load.js';
import { pidsWithEnv } from '../../helpers/home.js';
import { waitFor } from '../../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'corral-pm2-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

test('apps are found under apps, pm2 (legacy), as an array, or as one bare app', () => {
  assert.equal(appsOf({ apps: [{ script: 'a.js' }] }).length, 1);
  assert.equal(appsOf({ pm2: [{ script: 'a.js' }, { script: 'b.js' }] }).length, 2);
  assert.equal(appsOf([{ script: 'a.js' }]).length, 1);
  assert.equal(appsOf({ script: 'a.js' }).length, 1);
  assert.equal(appsOf({ nothing: true }).length, 0);
});

test("PM2's own defaults are written where they differ from corral's: SIGINT, 1600 ms", () => {
  const { config, findings } = importPm2({ apps: [{ name: 'api', script: 'server.js' }] }, dir);
  assert.deepEqual(config.services.api.stop, { signal: 'SIGINT', timeout: '1600ms' });
  assert.deepEqual(config.services.api.command, ['node', 'server.js']);
  assert.equal(config.services.api.cwd, dir);
  assert.ok(findings.some((f) => f.source.startsWith('(PM2 defaults') && f.kind === 'exact'));
});

test('each app key maps, approximates or is dropped with a reason', () => {
  const { config, findings } = importPm2(
    {
      apps: [
        {
          name: 'api',
          script: 'app.py',
          args: '--port 80 "a b"',
          env: { A: 1, OBJ: { x: 1 }, REF: '${NOT_CORRAL}' },
          env_production: { A: 2 },
          instances: 3,
          autorestart: true,
          stop_exit_codes: [0, 3],
          exp_backoff_restart_delay: 100,
          max_memory_restart: '200M',
          kill_timeout: 5000,
          wait_ready: true,
          uid: 'www-data',
          vizion: false,
        },
        {
          name: 'once',
          script: 'sleep',
          args: ['1'],
          autorestart: false,
          restart_delay: 3000,
          interpreter: 'none',
        },
      ],
    },
    dir,
  );
  const api = config.services.api;
  assert.deepEqual(api.command, ['python', 'app.py', '--port', '80', 'a b']);
  assert.deepEqual(api.env, { A: '1', OBJ: '{"x":1}', REF: '$${NOT_CORRAL}' });
  assert.equal(api.instances, 3);
  assert.equal(api.restart, 'on-failure');
  assert.deepEqual(api.success_codes, [0, 3]);
  assert.deepEqual(api.backoff, { free: 0, initial: '100ms', factor: 1.5, max: '15s', reset_after: '30s' });
  assert.equal(api.max_memory, '200MB');
  assert.deepEqual(api.stop, { signal: 'SIGINT', timeout: '5s' });
  assert.equal(api.user, 'www-data');
  assert.equal(api.ready, undefined);
  const of = (source: string) => findings.find((f) => f.service === 'api' && f.source === source);
  assert.equal(of('env_production')?.kind, 'dropped');
  assert.equal(of('wait_ready')?.kind, 'dropped');
  assert.match(of('wait_ready')?.note ?? '', /sd_notify/);
  assert.equal(of('max_memory_restart')?.kind, 'approximated');
  assert.equal(of('vizion')?.kind, 'dropped');
  assert.equal(of('uid')?.kind, 'exact');
  const once = config.services.once;
  assert.deepEqual(once.command, ['sleep', '1']);
  assert.equal(once.restart, 'never');
  assert.deepEqual(once.backoff, { free: 0, initial: '3s', factor: 1, max: '1m' });
});

test('a file sees PATH, HOME and the variables it names, and no others', () => {
  const env = environmentFor("const p = process.env.API_PORT; const k = process.env['API_KEY'];", {
    PATH: '/bin',
    HOME: '/home/x',
    API_PORT: '1',
    API_KEY: 'k',
    AWS_SECRET_ACCESS_KEY: 'secret',
  });
  assert.deepEqual(env, { PATH: '/bin', HOME: '/home/x', API_PORT: '1', API_KEY: 'k' });
});

test('a .cjs, .js and .mjs file is evaluated in its own process, with only what it names', async () => {
  const cjs = write(
    'a.config.cjs',
    'module.exports = { apps: [{ name: "a", script: "a.js", env: { SEEN: process.env.SEEN_VAR, HIDDEN: String(process.env.HIDDEN_VAR) } }] };\n',
  );
  const got = (await loadEcosystem(cjs, { env: { SEEN_VAR: 'yes', HIDDEN_VAR: 'no' } })) as {
    apps: { env: Record<string, string> }[];
  };
  assert.equal(got.apps[0].env.SEEN, 'yes');
  const sneaky = write(
    'b.config.cjs',
    'module.exports = { apps: [{ name: "b", script: "b.js", env: { ALL: Object.keys(process.env).sort().join(",") } }] };\n',
  );
  const all = (await loadEcosystem(sneaky, { env: { PATH: '/usr/bin:/bin', SECRET_TOKEN: 't' } })) as {
    apps: { env: Record<string, string> }[];
  };
  assert.doesNotMatch(all.apps[0].env.ALL, /SECRET_TOKEN/);
  const mjs = write('c.config.mjs', 'export default { apps: [{ name: "c", script: "c.js" }] };\n');
  assert.deepEqual(await loadEcosystem(mjs), { apps: [{ name: 'c', script: 'c.js' }] });
  const js = write(
    'd.config.js',
    'console.log("noise on stdout");\nexport default { apps: [{ name: "d", script: "d.js" }] };\n',
  );
  assert.deepEqual(await loadEcosystem(js), { apps: [{ name: 'd', script: 'd.js' }] });
});

test('a file that throws is an error at its line', async () => {
  const file = write('throws.config.cjs', 'const x = 1;\nthrow new Error("no config today");\n');
  await assert.rejects(loadEcosystem(file), (e: Error) => {
    assert.equal(e.message, `${file}:2:7: the ecosystem file threw no config today`);
    return true;
  });
});

test('a syntax error, CommonJS or ES module, is an error at its line', async () => {
  const cjs = write('syntax.config.cjs', 'module.exports = {\n  apps: [ { name: "a" ]\n};\n');
  await assert.rejects(loadEcosystem(cjs), (e: Error) =>
    e.message.startsWith(`${cjs}:2: the ecosystem file threw a SyntaxError`),
  );
  const mjs = write('syntax.config.mjs', 'export default {\n  apps: [ { name: "a" ]\n};\n');
  await assert.rejects(loadEcosystem(mjs), (e: Error) =>
    e.message.startsWith(`${mjs}:2: the ecosystem file threw a SyntaxError`),
  );
});

test('a file still running at the deadline is stopped, with its children, and is an error', async () => {
  const mark = `hang-${process.pid}-${Date.now()}`;
  const file = write(
    'hangs.config.cjs',
    `require("node:child_process").spawn("sleep", ["30"], { stdio: "ignore", env: { CORRAL_PM2_TEST_MARK: "${mark}" } });\nfor (;;) {}\n`,
  );
  const started = Date.now();
  await assert.rejects(
    loadEcosystem(file, { timeoutMs: 500 }),
    /hangs\.config\.cjs: still running after 500 ms, so it was stopped/,
  );
  assert.ok(Date.now() - started < 5_000);
  await waitFor(() => pidsWithEnv('CORRAL_PM2_TEST_MARK', mark).length === 0, {
    what: 'the sleep it started to be gone',
  });
});

test('a .json file is parsed, not run; a broken one is an error at its line and column', async () => {
  const ok = write('ecosystem.json', '{"apps": [{"name": "j", "script": "j.js"}]}');
  assert.deepEqual(await loadEcosystem(ok), { apps: [{ name: 'j', script: 'j.js' }] });
  const bad = write('bad.json', '{\n  "apps": [\n    {"name": "j",}\n  ]\n}\n');
  await assert.rejects(
    loadEcosystem(bad),
    (e: Error) => e.message.startsWith(`${bad}:3:`) && /not JSON/.test(e.message),
  );
});
