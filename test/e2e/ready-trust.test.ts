// A ready check answered by another process: with something already listening where the check
// looks, the service is not reported ready (and `up --wait` does not succeed) while it could not
// even bind its port.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { cliEnv } from '../helpers/cli.js';
import { fixture } from '../helpers/home.js';
import { freePort } from '../helpers/port.js';
import { waitFor } from '../helpers/wait.js';

test('a ready target that already answers fails the start, and up --wait exits 1 saying why', async (t) => {
  const c = cliEnv();
  const port = await freePort();
  // the other process: the same kind of server, already on the port
  const squatter = spawn(process.execPath, [fixture('http-server.mjs'), String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(async () => {
    squatter.kill('SIGKILL');
    await c.cleanup();
  });
  let said = '';
  squatter.stdout.on('data', (d) => {
    said += d;
  });
  await waitFor(() => said.includes('listening'), { what: 'the other server to listen' });
  c.writeConfig(`
name: trust
services:
  web:
    command: [${process.execPath}, ${fixture('http-server.mjs')}, "${port}"]
    ready: { http: "http://127.0.0.1:${port}/healthz", interval: 50ms, timeout: 5s }
`);
  const r = await c.corral(['up', '--wait']);
  assert.equal(r.code, 1, `up --wait must not succeed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /trust\/web:0/);
  assert.match(
    r.stderr,
    new RegExp(`127\\.0\\.0\\.1:${port}/healthz already answers before trust/web:0 started`),
  );
  const ps = JSON.parse((await c.corral(['ps', '--json'])).stdout) as Array<{
    state: string;
    pid: number | null;
  }>;
  assert.equal(ps[0].state, 'failed');
  assert.equal(ps[0].pid, null);
  const events = JSON.parse((await c.corral(['events', '--json'])).stdout) as Array<{ type: string }>;
  assert.equal(
    events.filter((e) => e.type === 'spawned').length,
    0,
    'never started next to the other server',
  );
});
