// What the CLI does before a command runs: `--version` and `--help` load no command, no daemon
// client and no home; Node's compile cache is kept in the user's cache directory where the
// runtime has one (Node 22.1+).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { daemonModules, homeFor, runProcess, upListingModules } from '../helpers/cli.js';
import { CLI, fixture } from '../helpers/home.js';
import { freePort } from '../helpers/port.js';

/** Runs the CLI with `args`, and returns its exit code, output and every module it loaded. */
async function traced(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ code: number | null; stdout: string; modules: string[] }> {
  const r = await runProcess(process.execPath, ['--import', fixture('list-modules.mjs'), CLI, ...args], {
    cwd,
    env,
    timeoutMs: 30_000,
    what: `corral ${args.join(' ')}`,
  });
  const modules = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('module: '))
    .map((l) => l.slice('module: '.length));
  return { code: r.code, stdout: r.stdout, modules };
}

const loaded = (modules: string[], part: string): boolean => modules.some((m) => m.includes(part));

test('corral --version loads the version alone: no argument parser, command, context or client', async (t) => {
  const c = homeFor(t);
  for (const flag of ['--version', '-V']) {
    const r = await traced([flag], c.env, c.projectDir);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
    assert.ok(loaded(r.modules, '/dist/src/version.js'), r.modules.join('\n'));
    for (const part of ['commander', '/cli/main.js', '/cli/context.js', '/client/', '/cli/commands/']) {
      assert.ok(!loaded(r.modules, part), `${flag} loaded ${part}:\n${r.modules.join('\n')}`);
    }
  }
});

test('corral --help loads the parser but no command, context, client or daemon code', async (t) => {
  const c = homeFor(t);
  const r = await traced(['--help'], c.env, c.projectDir);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: corral/);
  assert.ok(loaded(r.modules, 'commander'));
  for (const part of ['/cli/context.js', '/client/', '/cli/commands/', '/daemon/']) {
    assert.ok(!loaded(r.modules, part), `--help loaded ${part}:\n${r.modules.join('\n')}`);
  }
  assert.ok(!existsSync(c.env.CORRAL_HOME!), '--help made the home');
});

test('a command that asks the daemon loads node:http without undici (Node 22+ would load it for an import)', async (t) => {
  const c = homeFor(t);
  const r = await traced(['daemon', 'status'], c.env, c.projectDir);
  assert.ok(loaded(r.modules, '/client/client.js'), r.modules.join('\n'));
  assert.ok(!loaded(r.modules, 'undici'), `daemon status loaded undici:\n${r.modules.join('\n')}`);
});

test('the daemon, its API and its HTTP probes load node:http without undici', async (t) => {
  const c = homeFor(t);
  const port = await freePort();
  c.writeConfig(`
name: web
services:
  web:
    command: [${process.execPath}, ${fixture('http-server.mjs')}, "${port}"]
    ready: { http: "http://127.0.0.1:${port}/healthz" }
`);
  await upListingModules(c);
  assert.equal((await c.corral(['daemon', 'stop'])).code, 0);
  const modules = daemonModules(c);
  for (const part of ['/daemon/entry.js', '/api/server.js', '/probes/http.js', 'node:internal/http'])
    assert.ok(loaded(modules, part), `the daemon did not load ${part}`);
  // its own entry: nothing of the CLI; and TLS only for a daemon with an https probe
  for (const part of ['commander', '/cli/main.js', '/cli/commands/', 'node:internal/tls'])
    assert.ok(!loaded(modules, part), `the daemon loaded ${part}:\n${modules.join('\n')}`);
  assert.ok(
    !loaded(modules, 'undici'),
    `the daemon loaded undici:\n${modules.filter((m) => m.includes('undici')).join('\n')}`,
  );
});

test('the daemon entry refuses arguments it was not meant to get, and says which', async () => {
  const entry = CLI.replace(/cli\/bin\.js$/, 'daemon/entry.js');
  for (const [args, said] of [
    [['start'], /expected "daemon start --foreground" first/],
    [['daemon', 'start', '--foreground'], /--home is required/],
    [['daemon', 'start', '--foreground', '--home', '/tmp/x', '--http'], /--http needs a value/],
    [['daemon', 'start', '--foreground', '--home', '/tmp/x', '--https', ':80'], /unknown argument --https/],
  ] as const) {
    const r = await runProcess(process.execPath, [entry, ...args], {
      cwd: process.cwd(),
      env: process.env,
      timeoutMs: 30_000,
    });
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, said);
  }
});

const hasCompileCache =
  typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function';

test('the compile cache is written under XDG_CACHE_HOME, or NODE_COMPILE_CACHE when set', {
  skip: hasCompileCache ? false : `Node ${process.version} has no compile cache`,
}, async (t) => {
  const c = homeFor(t);
  const xdg = join(c.home.dir, 'xdg-cache');
  const env = Object.fromEntries(
    Object.entries({ ...c.env, XDG_CACHE_HOME: xdg }).filter(([name]) => name !== 'NODE_COMPILE_CACHE'),
  );
  const first = await runProcess(process.execPath, [CLI, '--help'], {
    cwd: c.projectDir,
    env,
    timeoutMs: 30_000,
  });
  assert.equal(first.code, 0, first.stderr);
  const dir = join(xdg, 'corral', 'node-compile-cache');
  assert.ok(existsSync(dir) && readdirSync(dir).length > 0, `no compile cache in ${dir}`);

  const chosen = join(c.home.dir, 'chosen-cache');
  const second = await runProcess(process.execPath, [CLI, '--help'], {
    cwd: c.projectDir,
    env: { ...env, NODE_COMPILE_CACHE: chosen },
    timeoutMs: 30_000,
  });
  assert.equal(second.code, 0, second.stderr);
  assert.ok(existsSync(chosen) && readdirSync(chosen).length > 0, `no compile cache in ${chosen}`);
});
