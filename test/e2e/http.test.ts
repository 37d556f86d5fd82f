// The API on TCP, against a real daemon over real sockets: the token (none, wrong, right,
// rotated), the Host and Origin checks, the browser's one-time login and its cookie, the refusal
// of a bind outside loopback, and a `daemon restart` that keeps the listener.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { type CliEnv, homeFor, upProject, waitForState } from '../helpers/cli.js';
import { clientOf } from '../helpers/daemon-api.js';
import { CLI, fixture } from '../helpers/home.js';
import { httpRequest } from '../helpers/http.js';
import { freePort } from '../helpers/port.js';
import { waitFor } from '../helpers/wait.js';

/** One request to `url` (http://HOST:PORT/path) with exactly these headers; Host as given, else the URL's. */
const call = (url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
  httpRequest(url, opts);

/** The token `corral daemon token` prints. */
async function tokenOf(c: CliEnv): Promise<string> {
  const r = await c.corral(['daemon', 'token']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

/** Starts the daemon of `c` with `--http 127.0.0.1:PORT` and returns the listener's URL. */
async function startWithHttp(c: CliEnv): Promise<{ url: string; port: number }> {
  const port = await freePort();
  const r = await c.corral(['daemon', 'start', '--http', `127.0.0.1:${port}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`served on TCP at http://127\\.0\\.0\\.1:${port}`));
  return { url: `http://127.0.0.1:${port}`, port };
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

test('no token or a wrong one is a bare 401; the token in HOME/token (0600) is let in', async (t) => {
  const c = homeFor(t);
  const { url } = await startWithHttp(c);
  const file = join(c.env.CORRAL_HOME as string, 'token');
  assert.equal(statSync(file).mode & 0o777, 0o600, 'made by the first listener, 0600');
  const token = await tokenOf(c);
  assert.match(token, /^[0-9a-f]{64}$/, '32 random bytes, hex');
  assert.equal(readFileSync(file, 'utf8').trim(), token);

  for (const headers of [
    {},
    bearer('0'.repeat(64)),
    bearer(`${token}x`),
    { authorization: `Basic ${token}` },
  ]) {
    const r = await call(`${url}/v1/services`, { headers });
    assert.equal(r.status, 401, JSON.stringify(headers));
    assert.equal(r.headers['www-authenticate'], 'Bearer');
    assert.equal(r.body, '', 'nothing else said');
  }
  const ok = await call(`${url}/v1/health`, { headers: bearer(token) });
  assert.equal(ok.status, 200, ok.body);
  assert.equal(JSON.parse(ok.body).home, c.env.CORRAL_HOME);
  const metrics = await call(`${url}/v1/openapi.json`, { headers: bearer(token) });
  assert.equal(metrics.status, 200, 'every route of the socket is served');
});

test('daemon token --rotate: the old token and the sessions made under it are refused at once', async (t) => {
  const c = homeFor(t);
  const { url } = await startWithHttp(c);
  const old = await tokenOf(c);
  const login = await c.corral(['dashboard', '--no-open']);
  assert.equal(login.code, 0, login.stderr);
  const cookie = String((await call(login.stdout.trim())).headers['set-cookie']).split(';')[0];
  assert.equal((await call(`${url}/v1/services`, { headers: { cookie } })).status, 200);

  const rotated = await c.corral(['daemon', 'token', '--rotate']);
  assert.equal(rotated.code, 0, rotated.stderr);
  const token = rotated.stdout.trim();
  assert.match(token, /^[0-9a-f]{64}$/);
  assert.notEqual(token, old);
  assert.equal(await tokenOf(c), token, 'daemon token prints the new one');
  assert.equal((await call(`${url}/v1/services`, { headers: bearer(old) })).status, 401, 'old token');
  assert.equal((await call(`${url}/v1/services`, { headers: { cookie } })).status, 401, 'old session');
  assert.equal((await call(`${url}/v1/services`, { headers: bearer(token) })).status, 200, 'new token');
});

test('a Host that is not the listener (DNS rebinding) is a 403, even with the token', async (t) => {
  const c = homeFor(t);
  const { url, port } = await startWithHttp(c);
  const token = await tokenOf(c);
  for (const host of [`evil.example:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1', `10.0.0.1:${port}`]) {
    const r = await call(`${url}/v1/services`, { headers: { ...bearer(token), host } });
    assert.equal(r.status, 403, host);
    assert.match(r.body, /not this listener's address/);
  }
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
    const r = await call(`${url}/v1/services`, { headers: { ...bearer(token), host } });
    assert.equal(r.status, 200, host);
  }
});

test("an Origin that is not the listener's own (cross-site) is a 403; a browser's POST must carry it", async (t) => {
  const c = await upProject(
    t,
    `
name: shop
services:
  api:
    command: ["${process.execPath}", "${fixture('forever.mjs')}"]
`,
  );
  const r0 = await c.corral(['daemon', 'start', '--http', '127.0.0.1:0']);
  assert.equal(r0.code, 0, r0.stderr);
  const url = /served on TCP at (\S+) /.exec(r0.stderr)?.[1] as string;
  const token = await tokenOf(c);
  const before = await waitForState(c, 'shop/api:0', 'running');
  const restart = `${url}/v1/services/shop%2Fapi/restart`;
  for (const origin of [
    'http://evil.example',
    'null',
    `${url}.evil.example`,
    url.replace('127.0.0.1', 'localhost'),
  ]) {
    const r = await call(restart, { method: 'POST', headers: { ...bearer(token), origin }, body: '{}' });
    assert.equal(r.status, 403, origin);
    assert.match(r.body, /cross-site/);
  }
  assert.equal((await clientOf(c).service('shop/api'))[0].pid, before.pid, 'nothing was restarted');

  const login = await c.corral(['dashboard', '--no-open']);
  const cookie = String((await call(login.stdout.trim())).headers['set-cookie']).split(';')[0];
  const headers = { cookie, 'content-type': 'application/json' };
  const bare = await call(restart, { method: 'POST', headers, body: '{}' });
  assert.equal(bare.status, 403, 'a cookie without an Origin');
  assert.equal((await clientOf(c).service('shop/api'))[0].pid, before.pid, 'still nothing restarted');
  const own = await call(restart, { method: 'POST', headers: { ...headers, origin: url }, body: '{}' });
  assert.equal(own.status, 200, own.body);
  assert.notEqual(JSON.parse(own.body)[0].pid, before.pid, 'restarted from the own origin');
});

test('the login URL works once: cookie (HttpOnly, SameSite=Strict) and 303 to /; used again, a 401', async (t) => {
  const c = homeFor(t);
  const out = await c.corral(['dashboard', '--no-open']);
  assert.equal(out.code, 0, out.stderr);
  const lines = out.stdout.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, 'one line on stdout');
  const link = lines[0];
  assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/login\?token=[\w-]{20,}$/);
  const url = new URL(link).origin;

  const page = await call(`${url}/`);
  assert.equal(page.status, 401, 'not logged in yet');
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.match(page.body, /corral dashboard/);

  const preview = await call(link, { method: 'HEAD' });
  assert.notEqual(preview.status, 303, 'a HEAD (a link preview) does not log in');
  const first = await call(link);
  assert.equal(first.status, 303, 'nor does it use the link up');
  assert.equal(first.headers.location, '/');
  const setCookie = String(first.headers['set-cookie']);
  assert.match(setCookie, /^corral_session=[^;]+; HttpOnly; SameSite=Strict; Path=\//);
  const cookie = setCookie.split(';')[0];
  const services = await call(`${url}/v1/services`, { headers: { cookie } });
  assert.equal(services.status, 200, 'the cookie lets the browser in');
  // the same cookie with one bit of its MAC flipped (a change of its last base64 characters could
  // land in the bits base64 leaves unused, and decode to the same MAC)
  const [name, value] = cookie.split('=');
  const parts = value.split('.');
  const mac = Buffer.from(parts[2], 'base64url');
  mac[0] ^= 1;
  const forgedCookie = `${name}=${[parts[0], parts[1], mac.toString('base64url')].join('.')}`;
  const forged = await call(`${url}/v1/services`, { headers: { cookie: forgedCookie } });
  assert.equal(forged.status, 401, 'a cookie not signed with the token');

  const again = await call(link);
  assert.equal(again.status, 401, 'replayed');
  assert.equal(again.headers['set-cookie'], undefined);
  assert.match(
    again.body,
    /this login link was used or has expired: run <code>corral dashboard<\/code> again/i,
  );
  const guessed = await call(`${url}/login?token=${'A'.repeat(43)}`);
  assert.equal(guessed.status, 401);

  const second = await c.corral(['dashboard', '--no-open']);
  assert.equal(new URL(second.stdout.trim()).origin, url, 'the running listener is kept');
  assert.equal((await call(second.stdout.trim())).status, 303, 'a new link works');
});

test('a bind outside loopback is refused without --http-public; with it, served and warned about', async (t) => {
  const c = homeFor(t);
  const port = await freePort();
  const refused = await c.corral(['daemon', 'start', '--http', `0.0.0.0:${port}`]);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /0\.0\.0\.0:\d+ is not a loopback address.*--http-public/);
  assert.equal((await c.corral(['daemon', 'status'])).code, 3, 'no daemon was started');

  const up = await c.corral(['daemon', 'start']);
  assert.equal(up.code, 0, up.stderr);
  await assert.rejects(
    clientOf(c).request('POST', '/v1/daemon/http', { address: `0.0.0.0:${port}` }),
    /not a loopback address/,
    'the same at run time',
  );
  const info = (await clientOf(c).request('GET', '/v1/daemon/http')) as { url: string | null };
  assert.equal(info.url, null, 'still off');

  const pub = await c.corral(['daemon', 'start', '--http', `0.0.0.0:${port}`, '--http-public']);
  assert.equal(pub.code, 0, pub.stderr);
  assert.match(pub.stderr, /Warning: the API listens on 0\.0\.0\.0:\d+, outside loopback/);
  const log = readFileSync(join(c.env.CORRAL_HOME as string, 'daemon.log'), 'utf8');
  assert.match(log, /"level":40.*outside loopback/, 'logged as a warning');
  const token = await tokenOf(c);
  const r = await call(`http://127.0.0.1:${port}/v1/health`, { headers: bearer(token) });
  assert.equal(r.status, 200, r.body);
});

test('daemon restart keeps the listener on the same address, and the browser logged in', async (t) => {
  const c = await upProject(
    t,
    `
name: shop
services:
  api:
    command: ["${process.execPath}", "${fixture('forever.mjs')}"]
`,
  );
  const { url, port } = await startWithHttp(c);
  const token = await tokenOf(c);
  const login = await c.corral(['dashboard', '--no-open']);
  assert.equal(new URL(login.stdout.trim()).port, String(port), 'the listener that runs');
  const cookie = String((await call(login.stdout.trim())).headers['set-cookie']).split(';')[0];
  const before = await waitForState(c, 'shop/api:0', 'running');

  const r = await c.corral(['daemon', 'restart']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /replaced by \d+/);
  assert.match(r.stderr, new RegExp(`served on TCP at http://127\\.0\\.0\\.1:${port}`));
  const health = await call(`${url}/v1/health`, { headers: bearer(token) });
  assert.equal(health.status, 200, health.body);
  assert.notEqual(JSON.parse(health.body).pid, before.pid);
  const rows = await call(`${url}/v1/services`, { headers: { cookie } });
  assert.equal(rows.status, 200, 'the session outlives the daemon');
  assert.equal(JSON.parse(rows.body)[0].pid, before.pid, 'the service was adopted, not restarted');
});

test('dashboard opens the URL with xdg-open on a desktop, not with --no-open; a missing opener is no error', async (t) => {
  const c = homeFor(t);
  const bin = join(c.home.dir, 'bin');
  const opened = join(c.home.dir, 'opened');
  mkdirSync(bin);
  writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\necho "$1" >> '${opened}'\n`);
  chmodSync(join(bin, 'xdg-open'), 0o755);
  const desktop = { DISPLAY: ':99', PATH: `${bin}:${process.env.PATH}` };

  const quiet = await c.corral(['dashboard', '--no-open'], { env: desktop });
  assert.equal(quiet.code, 0, quiet.stderr);
  const shown = await c.corral(['dashboard'], { env: desktop });
  assert.equal(shown.code, 0, shown.stderr);
  const url = shown.stdout.trim();
  await waitFor(() => existsSync(opened), { what: 'xdg-open to be run' });
  assert.deepEqual(
    readFileSync(opened, 'utf8').split('\n').filter(Boolean),
    [url],
    'only the second was opened',
  );

  const none = await c.corral(['dashboard'], { env: { DISPLAY: ':99', PATH: join(c.home.dir, 'nothing') } });
  assert.equal(none.code, 0, none.stderr);
  assert.match(none.stdout, /^http:\/\/127\.0\.0\.1:\d+\/login\?token=\S+\n$/);
  assert.match(none.stderr, /Could not open a browser \(xdg-open: .*ENOENT.*\); open the link above in one/);
});

test('--idle-timeout: a client on TCP keeps the daemon, as one on the socket does', async (t) => {
  const c = homeFor(t);
  const port = await freePort();
  const idleMs = 600;
  const args = [
    'daemon',
    'start',
    '--foreground',
    '--idle-timeout',
    `${idleMs}ms`,
    '--http',
    `127.0.0.1:${port}`,
  ];
  const daemon = spawn(process.execPath, [CLI, ...args], { env: c.env, stdio: 'ignore' });
  c.home.track(daemon.pid as number);
  let exitedAt = 0;
  daemon.once('exit', () => {
    exitedAt = Date.now();
  });
  const token = await waitFor(() => readFileSync(join(c.env.CORRAL_HOME as string, 'token'), 'utf8').trim(), {
    what: 'the token',
  });
  await waitFor(
    async () => (await call(`http://127.0.0.1:${port}/v1/health`, { headers: bearer(token) })).status === 200,
    {
      what: 'the listener',
    },
  );
  // a follower on TCP, held open for three idle timeouts
  const abort = new AbortController();
  const ended = new Promise<void>((resolve) => {
    const req = request(
      `http://127.0.0.1:${port}/v1/events?follow=1`,
      { headers: bearer(token), signal: abort.signal, agent: false },
      (res) => {
        res.resume();
        res.once('close', () => resolve());
      },
    );
    req.on('error', () => resolve());
    req.end();
  });
  const heldFrom = Date.now();
  await waitFor(() => exitedAt !== 0 || Date.now() - heldFrom > 3 * idleMs, {
    timeout: 10 * idleMs,
    what: 'three idle timeouts with a client',
  });
  assert.equal(exitedAt, 0, 'the daemon left while a client on TCP followed it');
  const closedAt = Date.now();
  abort.abort();
  await ended;
  await waitFor(() => exitedAt !== 0, { what: 'the idle daemon to exit once the client is gone' });
  assert.ok(exitedAt - closedAt >= idleMs - 50, 'it waited its idle timeout from the client leaving');
});

test('an address in use: the daemon does not start, and says why', async (t) => {
  const c = homeFor(t);
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => taken.close());
  const { port } = taken.address() as { port: number };
  const r = await c.corral(['daemon', 'start', '--http', `127.0.0.1:${port}`]);
  assert.notEqual(r.code, 0);
  assert.match(
    r.stderr,
    new RegExp(`Cannot serve the API on 127\\.0\\.0\\.1:${port}: the address is in use \\(EADDRINUSE\\)`),
  );
  assert.equal((await c.corral(['daemon', 'status'])).code, 3, 'no daemon stayed');
  const fg = await c.corral(['daemon', 'start', '--foreground', '--http', `127.0.0.1:${port}`]);
  assert.equal(fg.code, 2, fg.stderr);
  assert.match(fg.stderr, /the address is in use/);
});
