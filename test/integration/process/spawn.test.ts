import assert from 'node:assert/strict';
import {
  chmodSync,
  closeSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { inheritableFds } from '../../../src/process/fds.js';
import { readProcStat } from '../../../src/process/procfs.js';
import { type SpawnServiceOptions, spawnService } from '../../../src/process/spawn.js';
import { REPO_ROOT, tempHome } from '../../helpers/home.js';
import { waitFor } from '../../helpers/wait.js';
import { capture, startFixture, testEnv } from './support.js';

function fdsOf(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`).sort((a, b) => Number(a) - Number(b));
}

// Waits until the forked child has exec'd `comm` (before that, it is a copy of this process).
// Waits for the exec'd program's fds to be `expected`: right after exec, the dynamic loader
// briefly holds the libraries it maps open, so one look could see an fd that is not a leak.
async function settlesOn(pid: number, expected: string[]): Promise<void> {
  await execd(pid, 'sleep');
  let seen: string[] = [];
  try {
    await waitFor(
      () => {
        seen = fdsOf(pid);
        return seen.join() === expected.join();
      },
      { timeout: 3_000, what: 'the fds' },
    );
  } catch {
    assert.deepEqual(seen, expected, `the fds of ${pid}`);
  }
}

function execd(pid: number, comm: string): Promise<boolean> {
  return waitFor(() => readProcStat(pid)?.comm === comm, { what: `${pid} to exec ${comm}` });
}

test('the child runs in a session and process group of its own', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const p = startFixture(home, 'forever.mjs');
  await p.line('ready');
  const stat = readProcStat(p.pid)!;
  assert.equal(stat.pgrp, p.pid);
  assert.equal(stat.session, p.pid);
  assert.equal(stat.ppid, process.pid);
  assert.notEqual(stat.session, readProcStat(process.pid)!.session);
  assert.equal(p.startTime, stat.startTimeTicks);
  assert.ok(p.startTime > 0);
});

test('no fd the daemon opened reaches the child: only 0, 1, 2 and the ones passed', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  // give this process (the daemon's stand-in) files and sockets that must not leak
  const logPath = join(home.dir, 'out.log');
  const log = openSync(logPath, 'a');
  const unrelated = openSync(join(home.dir, 'unrelated'), 'w');
  const passed = openSync(join(home.dir, 'passed'), 'w');
  const server = createServer().listen(0, '127.0.0.1');
  t.after(() => {
    for (const fd of [log, unrelated, passed]) closeSync(fd);
    server.close();
  });
  await new Promise((resolve) => server.once('listening', resolve));
  assert.ok(fdsOf(process.pid).length > 6, 'the test process has fds a child could inherit');
  // fds this process inherited without close-on-exec pass on, unless closed at startup (next test)
  const inherited = inheritableFds().map(String);

  const base: SpawnServiceOptions = {
    argv: ['sleep', '1000'],
    cwd: home.dir,
    env: testEnv(home),
    stdio: ['ignore', log, log],
  };
  const plain = spawnService(base);
  assert.ok(!('error' in plain), JSON.stringify(plain));
  home.track(plain.pid);
  await settlesOn(plain.pid, ['0', '1', '2', ...inherited]);
  assert.equal(readlinkSync(`/proc/${plain.pid}/fd/1`), logPath);
  assert.equal(readlinkSync(`/proc/${plain.pid}/fd/2`), logPath);
  assert.equal(readlinkSync(`/proc/${plain.pid}/fd/0`), '/dev/null');

  const withExtra = spawnService({ ...base, stdio: ['ignore', log, log, passed] });
  assert.ok(!('error' in withExtra), JSON.stringify(withExtra));
  home.track(withExtra.pid);
  await settlesOn(withExtra.pid, ['0', '1', '2', '3', ...inherited]);
  assert.equal(readlinkSync(`/proc/${withExtra.pid}/fd/3`), join(home.dir, 'passed'));
});

test('a daemon that closes its inherited fds at startup spawns children with exactly 0, 1, 2', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const inheritedByDaemon = openSync(join(home.dir, 'inherited'), 'w');
  t.after(() => closeSync(inheritedByDaemon));
  const module = (name: string): string =>
    pathToFileURL(join(REPO_ROOT, 'dist', 'src', 'process', name)).href;
  const daemon = [
    `import { readdirSync, openSync } from 'node:fs';`,
    `import { closeInheritedFds } from '${module('fds.js')}';`,
    `import { readProcStat } from '${module('procfs.js')}';`,
    `import { spawnService } from '${module('spawn.js')}';`,
    'const closed = closeInheritedFds();',
    `const log = openSync(process.argv[1], 'a');`,
    `const r = spawnService({ argv: ['sleep', '1000'], cwd: '/', env: process.env, stdio: ['ignore', log, log] });`,
    // fds settle once the loader is done (see settlesOn); a leak stays for good
    'let tries = 0;',
    'const report = () => {',
    `  const fds = readProcStat(r.pid)?.comm === 'sleep' ? readdirSync('/proc/' + r.pid + '/fd') : null;`,
    '  if ((fds === null || fds.length > 3) && ++tries < 400) return setTimeout(report, 5);',
    '  console.log(JSON.stringify({ closed, fds }));',
    `  process.kill(r.pid, 'SIGKILL');`,
    '};',
    'report();',
  ].join('\n');
  const r = spawnService({
    argv: [process.execPath, '--input-type=module', '-e', daemon, join(home.dir, 'log')],
    cwd: home.dir,
    env: testEnv(home),
    // fd 30 of the stand-in daemon is open without close-on-exec, as an inherited fd would be
    // (Node itself marks a few low inherited fds close-on-exec at startup, so not fd 3)
    stdio: ['ignore', 'pipe', 'pipe', ...Array<'ignore'>(27).fill('ignore'), inheritedByDaemon] as never,
  });
  assert.ok(!('error' in r));
  home.track(r.pid);
  const p = capture(r.child, r.pid, r.startTime);
  const exit = await p.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, p.errors());
  // 'exit' can come before the last of stdout has been read
  const report = JSON.parse(await p.line('"fds"')) as { closed: number[]; fds: string[] };
  assert.ok(report.closed.includes(30), JSON.stringify(report));
  assert.deepEqual(report.fds.sort(), ['0', '1', '2']);
});

test('the environment is exactly the one given', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const env = { ...testEnv(home), ONLY_THIS: 'yes' };
  const r = spawnService({
    argv: ['sleep', '1000'],
    cwd: home.dir,
    env,
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  assert.ok(!('error' in r));
  home.track(r.pid);
  await execd(r.pid, 'sleep');
  const got = readFileSync(`/proc/${r.pid}/environ`, 'utf8').split('\0').filter(Boolean).sort();
  assert.deepEqual(
    got,
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .sort(),
  );
});

test('argv is exec’d as is, without a shell', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const args = ['$HOME', '*', 'a b', "'quoted'", '; exit 3'];
  const r = spawnService({
    argv: [process.execPath, '-e', 'console.log(JSON.stringify(process.argv.slice(1)))', ...args],
    cwd: home.dir,
    env: testEnv(home),
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  assert.ok(!('error' in r));
  home.track(r.pid);
  const p = capture(r.child, r.pid, r.startTime);
  assert.deepEqual(JSON.parse(await p.line('[')), args);
  assert.deepEqual(await p.exited, { code: 0, signal: null });
});

test('a missing command is reported with its name, and nothing throws later', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const r = spawnService({
    argv: ['no-such-command-corral', 'arg'],
    cwd: home.dir,
    env: testEnv(home),
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  assert.ok('error' in r);
  assert.equal(r.errno, 'ENOENT');
  assert.match(r.error, /^could not start "no-such-command-corral": ENOENT: no such file or directory/);
  assert.match(r.error, /not found in PATH=/);
  // Node emits its 'error' event a tick later: it must not reach the process as an uncaught error
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 0));
});

test('spawn failures name what is wrong', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const env = testEnv(home);
  const stdio: SpawnServiceOptions['stdio'] = ['ignore', 'ignore', 'ignore'];
  const start = (argv: string[], cwd = home.dir) => spawnService({ argv, cwd, env, stdio });

  const missingPath = start([join(home.dir, 'nope')]);
  assert.ok('error' in missingPath);
  assert.equal(
    missingPath.error,
    `could not start "${join(home.dir, 'nope')}": ENOENT: no such file or directory`,
  );

  const badCwd = start(['sleep', '1'], join(home.dir, 'gone'));
  assert.ok('error' in badCwd);
  assert.equal(badCwd.errno, 'ENOENT');
  assert.match(badCwd.error, /working directory .*gone does not exist/);

  const fileCwd = join(home.dir, 'a-file');
  writeFileSync(fileCwd, '');
  const notDir = start(['sleep', '1'], fileCwd);
  assert.ok('error' in notDir);
  assert.match(notDir.error, /working directory .*a-file is not a directory/);

  const script = join(home.dir, 'script');
  writeFileSync(script, '#!/no/such/interpreter\n');
  chmodSync(script, 0o755);
  const noInterpreter = start([script]);
  assert.ok('error' in noInterpreter);
  assert.match(noInterpreter.error, /interpreter \/no\/such\/interpreter/);

  const empty = start([]);
  assert.ok('error' in empty);
  assert.match(empty.error, /command is empty/);

  await new Promise((resolve) => setImmediate(resolve));
});

test('a file without any execute bit is refused', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const script = join(home.dir, 'not-executable');
  writeFileSync(script, '#!/bin/sh\nexit 0\n');
  chmodSync(script, 0o644);
  const r = spawnService({
    argv: [script],
    cwd: home.dir,
    env: testEnv(home),
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  assert.ok('error' in r);
  assert.equal(r.errno, 'EACCES');
  assert.match(r.error, /permission denied/);
  await new Promise((resolve) => setImmediate(resolve));
});
