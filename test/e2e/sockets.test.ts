// sockets: bound once by the daemon and passed to every start as fd 3: restarts under load
// refuse no connection, and a daemon restart keeps them.
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { describe, test } from 'node:test';
import { psJson, upProject, waitForState } from '../helpers/cli.js';
import { waitForRow } from '../helpers/daemon-api.js';
import { fixture } from '../helpers/home.js';
import { freePort } from '../helpers/port.js';

function hit(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 5000 }, (res) => {
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
const served = (port: number): string => `
name: sock
services:
  web:
    command: [${process.execPath}, ${fixture('listen-http.mjs')}]
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
