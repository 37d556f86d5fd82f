// sockets: bound once by the daemon and passed to every start as fd 3: restarts under load
// refuse no connection, and a daemon restart keeps them (its socket keeper holds them, so an
// unprivileged daemon, SIGKILLed, takes them back without ptrace rights over anything).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { findPerl } from '../../src/daemon/socket-keeper.js';
import {
  type CliEnv,
  type CliResult,
  homeFor,
  killDaemon,
  psJson,
  upProject,
  waitForState,
} from '../helpers/cli.js';
import { waitForRow } from '../helpers/daemon-api.js';
import { CLI, fixture } from '../helpers/home.js';
import { freePort } from '../helpers/port.js';

const isRoot = process.getuid?.() === 0;
const noPerl = findPerl() === null ? 'needs perl (the socket keeper)' : false;
const NOBODY = ['--reuid=nobody', '--regid=nogroup', '--clear-groups'];

function hit(port: number, timeout = 5000): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/', agent: false, timeout }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve(Number(body.trim())));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Sends requests one after another (two at a time) until stopped; counts answers and failures. */
function load(port: number): { stop(): Promise<{ ok: number; failed: number; errors: string[] }> } {
  let running = true;
  let ok = 0;
  let failed = 0;
  const errors: string[] = [];
  const worker = async (): Promise<void> => {
    while (running) {
      try {
        await hit(port);
        ok++;
      } catch (e) {
        failed++;
        if (errors.length < 5) errors.push((e as Error).message);
      }
    }
  };
  const workers = [worker(), worker()];
  return {
    async stop() {
      running = false;
      await Promise.all(workers);
      return { ok, failed, errors };
    },
  };
}

/** A project whose one service serves HTTP on the socket corral binds for it on `port`. */
const served = (port: number, ...options: string[]): string => `
name: sock
services:
  web:
    command: [${[process.execPath, fixture('listen-http.mjs'), ...options].join(', ')}]
    sockets: [tcp://127.0.0.1:${port}]
    ready: { log: ready }
`;

describe('listening sockets', () => {
  test('10 restarts under load: 0 failed requests; LISTEN_PID is the service’s own pid', async (t) => {
    const port = await freePort();
    const c = await upProject(t, served(port));
    const first = await waitForState(c, 'sock/web:0', 'running');
    assert.equal(
      await hit(port),
      first.pid,
      'served by the process corral started (LISTEN_PID checked by it)',
    );
    const traffic = load(port);
    const pids = new Set<number>();
    for (let i = 0; i < 10; i++) {
      const r = await c.corral(['restart', 'web']);
      assert.equal(r.code, 0, r.stderr);
      const row = await waitForState(c, 'sock/web:0', 'running');
      pids.add(row.pid!);
    }
    const result = await traffic.stop();
    assert.equal(pids.size, 10, 'ten new processes');
    assert.equal(result.failed, 0, `failed requests: ${result.errors.join('; ')}`);
    assert.ok(result.ok > 50, `${result.ok} requests answered`);
    console.log(`# sockets: ${result.ok} requests, ${result.failed} failed, across 10 restarts`);
  });

  test('the sockets survive a daemon restart: the service keeps serving, the next start gets them back', async (t) => {
    const port = await freePort();
    const c = await upProject(t, served(port));
    assert.match(
      (await c.corral(['inspect', 'web', '--json'])).stdout,
      new RegExp(`tcp://127\\.0\\.0\\.1:${port}`),
    );
    const before = (await psJson(c)).find((p) => p.name === 'sock/web:0')!;
    assert.equal((await c.corral(['daemon', 'restart'])).code, 0);
    assert.equal(await hit(port), before.pid, 'the same process serves');
    assert.equal((await c.corral(['restart', 'web'])).code, 0);
    const after = await waitForRow(
      c,
      (p) => p.name === 'sock/web:0' && p.state === 'running' && p.pid !== before.pid,
      { what: 'a new process' },
    );
    assert.equal(await hit(port), after.pid, 'the new process serves on the socket taken back');
  });
});

/** The home of `c` given to nobody, and its CLI (so its daemon) run as nobody. */
function asNobody(c: CliEnv): (args: string[]) => Promise<CliResult> {
  chmodSync(c.home.dir, 0o755);
  mkdirSync(c.env.CORRAL_HOME as string, { recursive: true });
  for (const dir of [c.env.CORRAL_HOME as string, c.projectDir]) chownSync(dir, 65534, 65534);
  return (args) => c.corral(args, { prefix: ['setpriv', ...NOBODY] });
}

describe('listening sockets across a daemon SIGKILL', () => {
  test('a unix socket keeps its file through `daemon restart`, and the next start is handed it', async (t) => {
    const c = homeFor(t);
    const path = join(c.projectDir, 'web.sock');
    const ask = (): Promise<number> =>
      new Promise((resolve, reject) => {
        get({ socketPath: path, path: '/', agent: false, timeout: 5000 }, (res) => {
          let body = '';
          res.on('data', (d) => {
            body += d;
          });
          res.on('end', () => resolve(Number(body.trim())));
        }).on('error', reject);
      });
    c.writeConfig(`
name: sock
services:
  web:
    command: [${process.execPath}, ${fixture('listen-http.mjs')}]
    sockets: [unix://${path}]
`);
    assert.equal((await c.corral(['up', '--wait'])).code, 0);
    const first = await waitForState(c, 'sock/web:0', 'running');
    assert.equal(await ask(), first.pid);
    assert.equal((await c.corral(['daemon', 'restart'])).code, 0);
    assert.equal(await ask(), first.pid, 'the file is still there, and the same process answers');
    assert.equal((await c.corral(['restart', 'web'])).code, 0);
    const next = await waitForRow(
      c,
      (p) => p.name === 'sock/web:0' && p.state === 'running' && p.pid !== first.pid,
      {
        what: 'a new process',
      },
    );
    assert.equal(await ask(), next.pid);
  });

  test('a service stopped when its daemon dies: its socket still listens, and a connection made meanwhile is answered by its next start', {
    skip: noPerl,
  }, async (t) => {
    const port = await freePort();
    const c = await upProject(t, served(port));
    await waitForState(c, 'sock/web:0', 'running');
    assert.equal((await c.corral(['stop', 'web'])).code, 0);
    await waitForState(c, 'sock/web:0', 'stopped');
    await killDaemon(c);
    // no daemon, no service: only the socket keeper holds the socket, so the kernel queues this
    const pending = hit(port, 30_000);
    assert.equal((await c.corral(['daemon', 'start'])).code, 0);
    assert.equal((await c.corral(['start', 'web'])).code, 0);
    const row = await waitForState(c, 'sock/web:0', 'running');
    assert.equal(await pending, row.pid, 'the connection made with no daemon is answered by the new process');
  });

  test('an unprivileged daemon takes them back from its keeper, not from a service it may not ptrace: restarts under load refuse no connection', {
    skip: noPerl || (isRoot ? false : 'needs root, to run the daemon as nobody'),
  }, async (t) => {
    const c = homeFor(t);
    const corral = asNobody(c);
    const port = await freePort();
    c.writeConfig(served(port, '--undumpable'));
    const up = await corral(['up', '--wait']);
    assert.equal(up.code, 0, up.stderr);
    const first = await waitForState(c, 'sock/web:0', 'running');
    // the premise: a process of nobody may not take the service's fd (as under Yama's ptrace_scope=1)
    const reclaim = join(CLI, '..', '..', 'process', 'listen-sockets.js');
    const probe = spawnSync(
      'setpriv',
      [
        ...NOBODY,
        process.execPath,
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(reclaim)});
         try { m.reclaimListeners(${first.pid}, ['tcp://127.0.0.1:${port}']); console.log('taken'); }
         catch (e) { console.log(e.code ?? e.message); }`,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(probe.stdout.trim(), 'EPERM', probe.stderr);
    await killDaemon(c);
    const start = await corral(['daemon', 'start']);
    assert.equal(start.code, 0, start.stderr);
    assert.equal(await hit(port), first.pid, 'the adopted process serves');
    const traffic = load(port);
    let previous = first.pid;
    for (let i = 0; i < 5; i++) {
      const r = await corral(['restart', 'web']);
      assert.equal(r.code, 0, r.stderr);
      const row = await waitForRow(
        c,
        (p) => p.name === 'sock/web:0' && p.state === 'running' && p.pid !== previous,
        { what: `restart ${i + 1}` },
      );
      previous = row.pid as number;
    }
    const result = await traffic.stop();
    assert.equal(result.failed, 0, `failed requests: ${result.errors.join('; ')}`);
    assert.equal(await hit(port), previous, 'the last process serves');
    const log = readFileSync(join(c.env.CORRAL_HOME as string, 'daemon.log'), 'utf8');
    assert.doesNotMatch(log, /binding them anew|cannot take the listening sockets/);
    console.log(`# sockets after a SIGKILL, as nobody: ${result.ok} requests, 0 failed, across 5 restarts`);
  });
});
