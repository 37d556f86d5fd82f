// Each probe kind against real servers and programs, including the ways they fail.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { probeExec } from '../../src/probes/exec.js';
import { probeHttp } from '../../src/probes/http.js';
import { probeTcp } from '../../src/probes/tcp.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { fixture } from '../helpers/home.js';
import { freePort } from '../helpers/port.js';
import { waitFor } from '../helpers/wait.js';

describe('probes', () => {
  let http: ChildProcess;
  let httpPort: number;
  let silent: Server;
  let silentPort: number;

  before(async () => {
    httpPort = await freePort();
    http = spawn(process.execPath, [fixture('http-server.mjs'), String(httpPort)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise((resolve) => http.stdout!.once('data', resolve));
    // accepts connections and never answers
    silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
  });

  after(() => {
    http.kill('SIGKILL');
    silent.close();
  });

  test('http: 2xx and 3xx pass; another status, a refused port and a hanging server fail', async () => {
    assert.equal(await probeHttp(`http://127.0.0.1:${httpPort}/healthz`, 1000), null);
    assert.equal(await probeHttp(`http://127.0.0.1:${httpPort}/status/302`, 1000), null);
    assert.match(String(await probeHttp(`http://127.0.0.1:${httpPort}/status/503`, 1000)), /answered 503/);
    assert.equal(
      await probeHttp(`http://127.0.0.1:${httpPort}/status/418`, 1000, 418),
      null,
      'a configured status',
    );
    assert.match(
      String(await probeHttp(`http://127.0.0.1:${httpPort}/status/200`, 1000, 204)),
      /answered 200/,
    );
    const refused = await freePort();
    assert.match(String(await probeHttp(`http://127.0.0.1:${refused}/`, 1000)), /ECONNREFUSED/);
    const started = Date.now();
    assert.match(
      String(await probeHttp(`http://127.0.0.1:${httpPort}/hang`, 300)),
      /no answer within 300 ms/,
    );
    assert.ok(Date.now() - started < 2000, 'a hanging server is cut at the timeout');
    // https goes through TLS (loaded for the first https probe): a plain HTTP port fails the handshake
    const tls = String(await probeHttp(`https://127.0.0.1:${httpPort}/healthz`, 1000));
    assert.match(tls, new RegExp(`^https://127\\.0\\.0\\.1:${httpPort}/healthz: .+`));
    assert.doesNotMatch(tls, /answered/);
  });

  test('tcp: an accepting port passes; a refused one fails', async () => {
    assert.equal(await probeTcp('127.0.0.1', silentPort, 1000), null);
    const refused = await freePort();
    assert.match(String(await probeTcp('127.0.0.1', refused, 1000)), /ECONNREFUSED/);
  });

  test('exec: exit 0 passes; another code, a missing command and a hang fail', async () => {
    const opts = { cwd: '/', env: { PATH: process.env.PATH ?? '' }, timeoutMs: 2000 };
    assert.equal(await probeExec(['true'], opts), null);
    assert.match(String(await probeExec(['sh', '-c', 'exit 3'], opts)), /exited with 3/);
    assert.match(String(await probeExec(['no-such-probe-command'], opts)), /ENOENT/);
    const started = Date.now();
    assert.match(
      String(await probeExec(['sleep', '30'], { ...opts, timeoutMs: 300 })),
      /no answer within 300 ms/,
    );
    assert.ok(Date.now() - started < 2000);
  });

  test('http: a server that trickles its headers is cut at the timeout all the same', async (t) => {
    // sends a status line, then one byte of a header every 50 ms, forever
    const trickle = createServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nX-Slow: ');
      const timer = setInterval(() => socket.write('a'), 50);
      socket.on('close', () => clearInterval(timer));
      socket.on('error', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => trickle.listen(0, '127.0.0.1', resolve));
    t.after(() => {
      trickle.close();
    });
    const port = (trickle.address() as { port: number }).port;
    const started = Date.now();
    let limit: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      probeHttp(`http://127.0.0.1:${port}/`, 300),
      new Promise<string>((resolve) => {
        limit = setTimeout(resolve, 3_000, 'still waiting after 3 s');
      }),
    ]).finally(() => clearTimeout(limit));
    assert.match(String(outcome), /no answer within 300 ms/);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  });

  test('the cut-off of every probe runs on the given clock', async () => {
    const clock = new FakeClock(0);
    const opts = { cwd: '/', env: { PATH: process.env.PATH ?? '' }, timeoutMs: 60_000, clock };
    const results: (string | null)[] = [];
    void probeExec(['sleep', '30'], opts).then((r) => results.push(r));
    void probeHttp(`http://127.0.0.1:${httpPort}/hang`, 60_000, undefined, clock).then((r) =>
      results.push(r),
    );
    await waitFor(() => clock.armed === 2, { what: 'both probes to start' });
    clock.advance(59_999);
    assert.deepEqual(results, [], 'nothing is cut before the clock says 60 s');
    clock.advance(1);
    await waitFor(() => results.length === 2, { what: 'both probes cut off' });
    assert.deepEqual(results.map(String).sort(), [
      'http://127.0.0.1:' + httpPort + '/hang: no answer within 60000 ms',
      'sleep 30: no answer within 60000 ms',
    ]);
  });
});
