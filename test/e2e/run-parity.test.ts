// `corral run` at parity with the daemon, each through the real CLI and a real process: the log
// files (HOME/logs/PROJECT/SERVICE.log, rotated), notify readiness, `sockets:` across a restart,
// health checks that kill and restart, `watch:`, and the summary of exits and restarts at the end.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { type CliEnv, homeFor } from '../helpers/cli.js';
import { fixture } from '../helpers/home.js';
import { freePort } from '../helpers/port.js';
import { waitFor } from '../helpers/wait.js';

const node = process.execPath;

function exitOf(child: ReturnType<CliEnv['spawnCorral']>): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** One GET on 127.0.0.1:port: the body. */
function fetchBody(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/' }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

/** Lines of the output that match `re`. */
function linesOf(child: ReturnType<CliEnv['spawnCorral']>, re: RegExp): string[] {
  return child
    .output()
    .split('\n')
    .filter((l) => re.test(l));
}

describe('corral run at parity with the daemon', () => {
  test('output goes to HOME/logs/PROJECT/SERVICE.log too, rotated as the daemon rotates', async (t) => {
    const c = homeFor(t);
    c.writeConfig(`
name: runlogs
services:
  talker:
    command: [${node}, ${fixture('print-lines.mjs')}, "400", "--pad=40", "--stay"]
    logs: { max_size: 4KB, keep: 2 }
`);
    const child = c.spawnCorral(['run']);
    const dir = join(c.env.CORRAL_HOME as string, 'logs', 'runlogs');
    const all = (): string[] =>
      readdirSync(dir)
        .filter((n) => n.startsWith('talker.log'))
        .sort();
    await waitFor(() => existsSync(dir) && readFileSync(join(dir, 'talker.log'), 'utf8').includes('\n400 '), {
      what: 'the last line in talker.log',
    });
    assert.deepEqual(all(), ['talker.log', 'talker.log.1', 'talker.log.2']);
    for (const name of all()) {
      const text = readFileSync(join(dir, name), 'utf8');
      assert.ok(Buffer.byteLength(text) <= 4096, `${name} is within max_size`);
      for (const line of text.split('\n').slice(0, -1))
        assert.match(line, /^\d+ x{40}$/, `${name}: a whole line`);
    }
    child.kill('SIGINT');
    assert.equal(await exitOf(child), 0);
  });

  test('a home that cannot be used: run says so and runs without log files', async (t) => {
    const c = homeFor(t);
    const config = c.writeConfig(`
name: nohome
services:
  once:
    command: ["/bin/sh", "-c", "echo hello"]
    restart: never
`);
    const r = await c.corral(['run'], { env: { CORRAL_HOME: join(config, 'home') } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /Cannot use .*corral\.yaml\/home as corral's home: ENOTDIR\..* Running without log files\./,
    );
    assert.match(r.stdout, /^once +\| hello$/m);
  });

  test('notify: true: the service is ready once it sends READY=1, and not before', async (t) => {
    const c = homeFor(t);
    c.writeConfig(`
name: runnotify
services:
  notifier:
    command: ["/bin/sh", "-c", "${node} ${fixture('notify-sender.mjs')} READY=1 STATUS=up; exec ${node} ${fixture('forever.mjs')}"]
    ready: { notify: true, timeout: 10s }
  after:
    command: [${node}, ${fixture('forever.mjs')}]
    depends_on: { notifier: ready }
`);
    const child = c.spawnCorral(['run']);
    await waitFor(() => /^after +\| ready$/m.test(child.output()), { what: 'the dependent to start' });
    const out = child.output();
    assert.match(out, /^notifier +\| sent$/m, 'NOTIFY_SOCKET was given');
    assert.ok(out.search(/^notifier +\| sent$/m) < out.search(/^after +\| ready$/m), out);
    child.kill('SIGINT');
    assert.equal(await exitOf(child), 0);
  });

  test('sockets: bound once; a connection made while the service restarts is served by the next process', async (t) => {
    const c = homeFor(t);
    const port = await freePort();
    c.writeConfig(`
name: runsockets
services:
  web:
    command: [${node}, ${fixture('listen-http.mjs')}]
    sockets: [tcp://127.0.0.1:${port}]
`);
    const child = c.spawnCorral(['run']);
    const readyPids = (): number[] =>
      linesOf(child, /^web +\| \{"ready"/).map((l) => JSON.parse(l.slice(l.indexOf('{'))).ready as number);
    await waitFor(() => readyPids().length === 1, { what: 'web to serve' });
    const first = readyPids()[0];
    assert.equal(await fetchBody(port), `${first}\n`);
    process.kill(first, 'SIGKILL');
    // connected while no process serves: the socket corral holds takes it into its backlog
    const answer = await fetchBody(port);
    await waitFor(() => readyPids().length === 2, { what: 'web to serve again' });
    assert.equal(answer, `${readyPids()[1]}\n`);
    child.kill('SIGINT');
    assert.equal(await exitOf(child), 0);
  });

  test('health checks: failures in a row kill the process, and it is restarted', async (t) => {
    const c = homeFor(t);
    c.writeConfig(`
name: runhealth
services:
  sick:
    command: [${node}, ${fixture('forever.mjs')}]
    health: { exec: [/bin/false], interval: 100ms, timeout: 2s, failures: 2 }
`);
    const child = c.spawnCorral(['run']);
    await waitFor(() => linesOf(child, /^sick +\| ready$/).length >= 2, {
      what: 'sick to be started again',
    });
    assert.match(child.output(), /health-failed +runhealth\/sick:0 .*check 2\/2 failed/);
    assert.match(child.output(), /restart-scheduled +runhealth\/sick:0 .*reason=health-failed/);
    child.kill('SIGINT');
    assert.equal(await exitOf(child), 0);
  });

  test('watch: a run of one watched service lives through its restarts, and waits for a change once it ended', async (t) => {
    const c = homeFor(t);
    mkdirSync(join(c.projectDir, 'src'), { recursive: true });
    writeFileSync(join(c.projectDir, 'src', 'job.js'), '// 0\n');
    c.writeConfig(`
name: runone
services:
  job:
    command: ["/bin/sh", "-c", "echo job run; exec ${node} ${fixture('exit-with.mjs')} 0"]
    restart: never
    watch: [./src]
`);
    const child = c.spawnCorral(['run']);
    await waitFor(() => /waiting for changes of watched files/.test(child.output()), {
      what: 'run to wait for a change once job ended',
    });
    assert.equal(child.exitCode, null, 'run is still there');
    writeFileSync(join(c.projectDir, 'src', 'job.js'), '// 1\n');
    await waitFor(() => linesOf(child, /^job +\| job run$/).length === 2, { what: 'job to run again' });
    await waitFor(() => (child.output().match(/waiting for changes/g) ?? []).length === 2, {
      what: 'run to wait again',
    });
    child.kill('SIGINT');
    assert.equal(await exitOf(child), 0);
    assert.match(
      child.output(),
      /^job: 2 exits, 1 restart \(file-changed 1\); last exit code 0 \(exited\)$/m,
    );
  });

  test('watch: the restart of a lone running service is not taken for the end of every service', async (t) => {
    const c = homeFor(t);
    mkdirSync(join(c.projectDir, 'src'), { recursive: true });
    writeFileSync(join(c.projectDir, 'src', 'app.js'), '// 0\n');
    c.writeConfig(`
name: runlone
services:
  app:
    command: [${node}, ${fixture('forever.mjs')}]
    watch: [./src]
`);
    const child = c.spawnCorral(['run']);
    await waitFor(() => linesOf(child, /^app +\| ready$/).length === 1, { what: 'app to start' });
    writeFileSync(join(c.projectDir, 'src', 'app.js'), '// 1\n');
    await waitFor(() => linesOf(child, /^app +\| ready$/).length === 2, { what: 'app to start again' });
    // it passed through stopped on its way back: that is no moment to wait for changes
    assert.doesNotMatch(child.output(), /every service has ended/);
    child.kill('SIGINT');
    assert.equal(await exitOf(child), 0);
  });

  test('watch: a save restarts the service; the summary at the end counts exits and restarts', async (t) => {
    const c = homeFor(t);
    mkdirSync(join(c.projectDir, 'src'), { recursive: true });
    writeFileSync(join(c.projectDir, 'src', 'app.js'), '// 0\n');
    c.writeConfig(`
name: runwatch
services:
  app:
    command: [${node}, ${fixture('forever.mjs')}]
    watch: [./src]
  other:
    command: [${node}, ${fixture('forever.mjs')}]
`);
    const child = c.spawnCorral(['run']);
    await waitFor(() => linesOf(child, /^(app|other) +\| ready$/).length === 2, { what: 'both to start' });
    writeFileSync(join(c.projectDir, 'src', 'app.js'), '// 1\n');
    await waitFor(() => linesOf(child, /^app +\| ready$/).length === 2, { what: 'app to start again' });
    assert.match(
      child.output(),
      /restart-scheduled +runwatch\/app:0 .*reason=file-changed delay=0ms src\/app\.js changed/,
    );
    child.kill('SIGINT');
    assert.equal(await exitOf(child), 0);
    const out = child.output();
    assert.match(out, /^app: +2 exits, 1 restart \(file-changed 1\); last exit code 0 \(stopped-by-user\)$/m);
    assert.match(out, /^other: +1 exit, 0 restarts; last exit code 0 \(stopped-by-user\)$/m);
  });
});
