// Listening sockets bound by corral and handed to a service as fd 3 (`sockets:`), against the real
// kernel and a real HTTP server fixture.
import assert from 'node:assert/strict';
import { closeSync, lstatSync, openSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ServiceSpec } from '../../../src/config/types.js';
import { SocketRegistry } from '../../../src/daemon/sockets.js';
import { isCorralError } from '../../../src/errors.js';
import { parseListenSpec } from '../../../src/listen-spec.js';
import {
  bindListeners,
  closeListeners,
  type ListenSocket,
  listenEnv,
  listenFds,
  reclaimListeners,
} from '../../../src/process/listen-sockets.js';
import { getsockoptInt, SO_ACCEPTCONN, SOL_SOCKET } from '../../../src/process/native/socket.js';
import { spawnService } from '../../../src/process/spawn.js';
import { wrapArgv } from '../../../src/process/wrapper.js';
import { fixture, type TempHome, tempHome } from '../../helpers/home.js';
import { waitFor } from '../../helpers/wait.js';
import { capture, isCloseOnExec, type Started, startFixture, testEnv } from './support.js';

function portOf(s: ListenSocket): number {
  assert.notEqual(s.address.family, 'unix');
  return (s.address as { port: number }).port;
}

// Starts the HTTP fixture the way the daemon starts a service that has `sockets:`.
function startServer(home: TempHome, sockets: ListenSocket[]): Started {
  const result = spawnService({
    argv: wrapArgv([process.execPath, fixture('listen-http.mjs')], { listenPid: true }),
    cwd: home.dir,
    env: { ...testEnv(home), ...listenEnv(sockets) },
    stdio: ['ignore', 'pipe', 'pipe', ...listenFds(sockets)],
  });
  if ('error' in result) throw new Error(result.error);
  home.track(result.pid);
  return capture(result.child, result.pid, result.startTime);
}

async function ready(p: Started): Promise<{ ready: number; names: string }> {
  const line = await Promise.race([
    p.line('"ready"'),
    p.exited.then(({ code }) => {
      throw new Error(`the server exited ${code} before it was ready: ${p.errors()}`);
    }),
  ]);
  return JSON.parse(line);
}

interface Outcome {
  ok: boolean;
  pid?: number;
  error?: string;
  ms: number;
}

// One request on a fresh connection (no keep-alive), as the load generator sends them.
function get(target: { port: number } | { socketPath: string }): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request({ ...target, host: '127.0.0.1', path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => {
        body += d;
      });
      res.on('end', () =>
        resolve({ ok: res.statusCode === 200, pid: Number(body.trim()), ms: performance.now() - started }),
      );
      res.on('error', (e) => resolve({ ok: false, error: e.message, ms: performance.now() - started }));
    });
    req.on('error', (e: NodeJS.ErrnoException) =>
      resolve({ ok: false, error: e.code ?? e.message, ms: performance.now() - started }),
    );
    req.end();
  });
}

test('sockets: specs are parsed, bad ones are config errors that say why', () => {
  assert.deepEqual(parseListenSpec('tcp://0.0.0.0:8080'), {
    kind: 'tcp',
    host: '0.0.0.0',
    port: 8080,
    family: 4,
    name: null,
  });
  assert.deepEqual(parseListenSpec('tcp://[::]:80?name=http'), {
    kind: 'tcp',
    host: '::',
    port: 80,
    family: 6,
    name: 'http',
  });
  assert.equal((parseListenSpec('tcp://localhost:80') as { host: string }).host, '127.0.0.1');
  assert.deepEqual(parseListenSpec('unix:///run/app.sock?mode=0660'), {
    kind: 'unix',
    path: '/run/app.sock',
    mode: 0o660,
    name: null,
  });
  const bad: Array<[string, RegExp]> = [
    ['tcp://example.com:80', /not an IP address/],
    ['tcp://127.0.0.1', /port is missing/],
    ['tcp://127.0.0.1:80/x', /no path/],
    ['unix://run/app.sock', /three slashes/],
    ['unix:///a.sock?mode=999', /octal/],
    ['unix:///a.sock?owner=me', /unknown option "owner"/],
    ['tcp://1.2.3.4:80?name=a:b', /without ":"/],
    ['udp://1.2.3.4:53', /got "udp:\/\/1.2.3.4:53"/],
    [`unix:///${'x'.repeat(120)}`, /107 bytes/],
  ];
  for (const [spec, why] of bad) {
    assert.throws(
      () => parseListenSpec(spec),
      (e: unknown) => isCorralError(e) && e.code === 'CONFIG_INVALID' && why.test(e.message),
      spec,
    );
  }
});

test('tcp (IPv4, IPv6) and unix sockets are bound, listening and close-on-exec in the daemon', (t) => {
  const home = tempHome();
  const path = join(home.dir, 'app.sock');
  const sockets = bindListeners(
    ['tcp://127.0.0.1:0', 'tcp://[::1]:0', `unix://${path}?mode=0660&name=admin`],
    {
      name: 'web',
    },
  );
  t.after(() => {
    closeListeners(sockets);
    home.cleanup();
  });
  for (const s of sockets) {
    assert.equal(getsockoptInt(s.fd, SOL_SOCKET, SO_ACCEPTCONN), 1, `${s.spec} listens`);
    assert.equal(isCloseOnExec(s.fd), true, `${s.spec} is close-on-exec`);
  }
  assert.equal(sockets[0].address.family, 'IPv4');
  assert.ok(portOf(sockets[0]) > 0);
  assert.deepEqual({ ...sockets[1].address, port: 0 }, { family: 'IPv6', address: '::1', port: 0 });
  assert.deepEqual(sockets[2].address, { family: 'unix', path });
  assert.equal(lstatSync(path).mode & 0o777, 0o660);
  assert.deepEqual(listenEnv(sockets), { LISTEN_FDS: '3', LISTEN_FDNAMES: 'web:web:admin' });
  closeListeners(sockets);
  assert.throws(() => lstatSync(path), /ENOENT/, 'closing removes the socket file');
});

test('unix: a stale socket file is replaced, a live one or a plain file is refused', async (t) => {
  const home = tempHome();
  const live = createServer();
  t.after(() => {
    live.close();
    home.cleanup();
  });
  const stale = join(home.dir, 'stale.sock');
  // a socket file nobody listens on any more, as a killed process leaves it
  const first = bindListeners([`unix://${stale}`]);
  closeSync(first[0].fd);
  assert.ok(lstatSync(stale).isSocket());
  const again = bindListeners([`unix://${stale}`]);
  assert.equal(getsockoptInt(again[0].fd, SOL_SOCKET, SO_ACCEPTCONN), 1);
  closeListeners(again);

  const livePath = join(home.dir, 'live.sock');
  await new Promise<void>((resolve) => live.listen(livePath, resolve));
  assert.throws(() => bindListeners([`unix://${livePath}`]), /another process is listening on/);
  assert.ok(lstatSync(livePath).isSocket(), 'the live socket is left alone');

  const plain = join(home.dir, 'plain');
  writeFileSync(plain, 'keep me');
  assert.throws(() => bindListeners([`unix://${plain}`]), /exists and is not a socket/);
});

test('a failing spec closes the ones bound before it and names itself', async (t) => {
  const home = tempHome();
  const taken = createServer();
  t.after(() => {
    taken.close();
    home.cleanup();
  });
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  const path = join(home.dir, 'first.sock');
  const before = openSync('/dev/null', 'r');
  closeSync(before); // the lowest free fd: a socket leaked by bindListeners would take it
  assert.throws(
    () => bindListeners([`unix://${path}`, `tcp://127.0.0.1:${port}`]),
    (e: unknown) =>
      isCorralError(e) &&
      e.message ===
        `could not listen on tcp://127.0.0.1:${port}: EADDRINUSE: something else listens there already`,
  );
  assert.throws(() => lstatSync(path), /ENOENT/, 'the first socket was closed and its file removed');
  const probe = openSync('/dev/null', 'r');
  closeSync(probe);
  assert.equal(probe, before, 'no fd was left open');
});

test('the service gets the socket as fd 3 with LISTEN_PID (its own pid), LISTEN_FDS and LISTEN_FDNAMES', async (t) => {
  const home = tempHome();
  const path = join(home.dir, 'http.sock');
  const tcp = bindListeners(['tcp://127.0.0.1:0?name=http']);
  const unix = bindListeners([`unix://${path}`], { name: 'api' });
  t.after(() => {
    closeListeners([...tcp, ...unix]);
    home.cleanup();
  });
  const a = startServer(home, tcp);
  const b = startServer(home, unix);
  assert.deepEqual(await ready(a), { ready: a.pid, names: 'http' });
  assert.deepEqual(await ready(b), { ready: b.pid, names: 'api' });
  const viaTcp = await get({ port: portOf(tcp[0]) });
  const viaUnix = await get({ socketPath: path });
  assert.deepEqual([viaTcp.ok, viaTcp.pid], [true, a.pid]);
  assert.deepEqual([viaUnix.ok, viaUnix.pid], [true, b.pid]);
  // a program started without the wrapper would see the spawning shell's pid: the fixture refuses
  const wrong = spawnService({
    argv: ['/bin/sh', '-c', `LISTEN_PID=1 exec "${process.execPath}" "${fixture('listen-http.mjs')}"`],
    cwd: home.dir,
    env: { ...testEnv(home), ...listenEnv(tcp) },
    stdio: ['ignore', 'pipe', 'pipe', ...listenFds(tcp)],
  });
  if ('error' in wrong) throw new Error(wrong.error);
  home.track(wrong.pid);
  assert.equal((await capture(wrong.child, wrong.pid, wrong.startTime).exited).code, 3);
});

test('10 restarts under load: no request fails, every one is answered by a service, none by the daemon', async (t) => {
  const home = tempHome();
  const sockets = bindListeners(['tcp://127.0.0.1:0']);
  const port = portOf(sockets[0]);
  let current: Started | null = null;
  let stop = false;
  const loops: Promise<void>[] = [];
  t.after(async () => {
    stop = true;
    await Promise.all(loops);
    current?.child.kill('SIGKILL');
    closeListeners(sockets);
    home.cleanup();
  });

  const RESTARTS = 10;
  const CONCURRENCY = 8;
  const outcomes: Outcome[] = [];
  const servedBy = new Map<number, number>();
  const servers: number[] = [];

  current = startServer(home, sockets);
  servers.push((await ready(current)).ready);
  // the load generator: CONCURRENCY loops of requests on fresh connections
  for (let i = 0; i < CONCURRENCY; i++) {
    loops.push(
      (async () => {
        while (!stop) {
          const o = await get({ port });
          outcomes.push(o);
          if (o.pid) servedBy.set(o.pid, (servedBy.get(o.pid) ?? 0) + 1);
        }
      })(),
    );
  }
  const started = performance.now();
  for (let i = 0; i < RESTARTS; i++) {
    const serving: Started = current;
    // let each process serve under load before it is replaced
    await waitFor(() => (servedBy.get(serving.pid) ?? 0) >= 200, {
      what: `requests served by ${serving.pid}`,
    });
    serving.child.kill('SIGTERM'); // stop, then start: the gap is covered by the kernel's backlog
    const { code } = await serving.exited;
    assert.equal(code, 0, `server ${serving.pid} stopped cleanly`);
    current = startServer(home, sockets);
    servers.push((await ready(current)).ready);
  }
  const last: Started = current;
  await waitFor(() => (servedBy.get(last.pid) ?? 0) >= 200, { what: 'requests served by the last server' });
  stop = true;
  await Promise.all(loops);
  const seconds = (performance.now() - started) / 1000;

  const failed = outcomes.filter((o) => !o.ok);
  const latencies = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  const figures = {
    restarts: RESTARTS,
    requests: outcomes.length,
    failed: failed.length,
    seconds: Number(seconds.toFixed(2)),
    p50Ms: Number(latencies[Math.floor(latencies.length / 2)].toFixed(2)),
    maxMs: Number(latencies[latencies.length - 1].toFixed(2)),
    servers: servers.length,
  };
  t.diagnostic(JSON.stringify(figures));
  assert.deepEqual(
    failed.slice(0, 5).map((o) => o.error),
    [],
    `${failed.length} of ${outcomes.length} requests failed`,
  );
  assert.equal(failed.length, 0);
  // every answer came from one of the service's processes: the daemon never accepted a connection
  assert.deepEqual(
    [...servedBy.keys()].filter((pid) => !servers.includes(pid)),
    [],
  );
  assert.equal(servedBy.size, RESTARTS + 1);
});

test('a restarted daemon takes the sockets back from the service that kept them (pidfd_getfd)', async (t) => {
  const home = tempHome();
  const sockets = bindListeners(['tcp://127.0.0.1:0?name=http']);
  const port = portOf(sockets[0]);
  let taken: ListenSocket[] = [];
  t.after(() => {
    closeListeners([...sockets, ...taken]);
    home.cleanup();
  });
  const server = startServer(home, sockets);
  await ready(server);
  // the daemon dies: its copies are gone, only the service holds the socket now
  for (const s of sockets) closeSync(s.fd);
  sockets.length = 0;
  taken = reclaimListeners(server.pid, [`tcp://127.0.0.1:${port}?name=http`], { isSameProcess: () => true });
  assert.equal(taken.length, 1);
  assert.equal(portOf(taken[0]), port);
  assert.equal(taken[0].name, 'http');
  assert.equal(isCloseOnExec(taken[0].fd), true);
  // the service stops; the next one is started on the reclaimed socket and is reachable
  server.child.kill('SIGTERM');
  await server.exited;
  const next = startServer(home, taken);
  await ready(next);
  const o = await get({ port });
  assert.deepEqual([o.ok, o.pid], [true, next.pid]);
  // a process that holds no such socket is refused, naming the fd
  assert.throws(
    () => reclaimListeners(next.pid, ['tcp://127.0.0.1:1', 'tcp://127.0.0.1:2']),
    /fd 3 of process \d+ is not a socket listening on tcp:\/\/127.0.0.1:1/,
  );
});

test("the daemon's socket registry reports a reclaim that fails, then binds anew", async (t) => {
  const home = tempHome();
  const problems: string[] = [];
  const registry = new SocketRegistry((message) => problems.push(message));
  t.after(() => {
    registry.closeAll();
    home.cleanup();
  });
  // a live process that holds no listening socket at fd 3
  const holder = startFixture(home, 'forever.mjs');
  await holder.line('ready');
  const spec = { project: 'shop', name: 'web', sockets: ['tcp://127.0.0.1:0'] } as unknown as ServiceSpec;
  const sockets = registry.get(spec, { pid: holder.pid, isSameProcess: () => true });
  assert.equal(sockets.length, 1, 'bound anew');
  assert.equal(problems.length, 1);
  assert.match(
    problems[0],
    new RegExp(
      `^shop/web: cannot take back the listening sockets of process ${holder.pid} \\(.+\\); binding them anew$`,
    ),
  );
});
