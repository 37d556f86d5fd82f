// POST /v1/daemon/profile over the daemon's real controller: answered on a real unix socket,
// refused (403, nothing taken) on a real TCP connection handed to the same API server, as the
// TCP listener hands its requests over.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildApi } from '../../src/api/server.js';
import { systemClock } from '../../src/clock.js';
import { Controller } from '../../src/daemon/controller.js';
import { homePaths, prepareHome } from '../../src/daemon/home.js';
import { Supervisor } from '../../src/engine/supervisor.js';
import { silentLogger } from '../../src/log.js';
import { LogHub } from '../../src/logs/index.js';
import { FifoKeeper } from '../../src/logs/keeper.js';
import { DaemonOutput } from '../../src/logs/router.js';
import { runCheck } from '../../src/probes/check.js';
import { systemBackend } from '../../src/process/backend.js';
import { EventJournal } from '../../src/state/journal.js';
import { type TempHome, tempHome } from '../helpers/home.js';

const logger = silentLogger();

/** One POST with a JSON body, over a unix socket (`socketPath`) or TCP (`port`). */
function post(
  to: { socketPath: string } | { port: number },
  path: string,
  body: unknown,
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        ...('port' in to ? { host: '127.0.0.1', port: to.port } : to),
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('POST /v1/daemon/profile', () => {
  let home: TempHome;
  let journal: EventJournal;
  let hub: LogHub;
  let keeper: FifoKeeper;
  let app: ReturnType<typeof buildApi>;
  let tcp: Server;
  let socketPath: string;
  let port: number;

  before(async () => {
    home = tempHome();
    const paths = homePaths(home.dir);
    prepareHome(paths);
    socketPath = paths.socket;
    const env = { PATH: process.env.PATH ?? '', CORRAL_TEST_HOME: home.dir };
    journal = new EventJournal(paths.eventsFile);
    hub = new LogHub({ logger });
    keeper = new FifoKeeper(home.dir, env, logger);
    const output = new DaemonOutput(hub, paths.logsDir, paths.runDir, keeper);
    const supervisor = new Supervisor({
      clock: systemClock,
      process: systemBackend,
      check: runCheck,
      output,
      baseEnv: env,
      emit: (e) => journal.record(e),
    });
    const controller = new Controller({
      supervisor,
      journal,
      logs: output,
      clock: systemClock,
      boot: { home: home.dir, startedAt: Date.now(), adopted: [], foundDead: [], recovery: null },
      projectsChanged: () => {},
      stopServices: async () => ({ stillAlive: [] }),
      finish: () => {},
    });
    app = buildApi(controller, logger);
    await app.listen({ path: socketPath });
    // a TCP listener that hands each connection to the same API server
    tcp = createServer((socket) => app.server.emit('connection', socket));
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    port = (tcp.address() as AddressInfo).port;
  });

  after(async () => {
    await new Promise((resolve) => tcp.close(resolve));
    await app.close();
    await hub.closeAll();
    keeper.stop();
    journal.close();
    home.cleanup();
  });

  const leftovers = (): string[] =>
    readdirSync(join(home.dir, 'run')).filter((f) => f.startsWith('profile-'));

  test('on TCP it is refused with 403 FORBIDDEN, and nothing is taken', async () => {
    for (const body of [{ kind: 'heap' }, { kind: 'cpu', duration_ms: 100 }]) {
      const r = await post({ port }, '/v1/daemon/profile', body);
      assert.equal(r.status, 403, r.text);
      const { error } = JSON.parse(r.text) as { error: { code: string; message: string } };
      assert.equal(error.code, 'FORBIDDEN');
      assert.match(error.message, /unix socket only, not on TCP/);
    }
    assert.deepEqual(leftovers(), []);
    // the same TCP connection path serves other routes: it is the profile that is refused
    const health = await new Promise<number>((resolve, reject) =>
      request({ host: '127.0.0.1', port, path: '/v1/health' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end(),
    );
    assert.equal(health, 200);
  });

  test('on the unix socket a CPU profile is answered as JSON with nodes, then removed from the run dir', async () => {
    const r = await post({ socketPath }, '/v1/daemon/profile', { kind: 'cpu', duration_ms: 100 });
    assert.equal(r.status, 200, r.text);
    assert.match(
      String(r.headers['content-disposition']),
      /filename="corral-daemon-\d+-\d{8}T\d{6}Z\.cpuprofile"/,
    );
    const profile = JSON.parse(r.text) as { nodes: unknown[] };
    assert.ok(profile.nodes.length > 0);
    assert.deepEqual(leftovers(), []);
  });

  test('bad bodies are refused with 400 naming the field', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ kind: 'cpu' }, /duration_ms/],
      [{ kind: 'cpu', duration_ms: 300_001 }, /at most 300000/],
      [{ kind: 'heap', duration_ms: 10 }, /no `duration_ms` for a heap snapshot/],
      [{ kind: 'disk' }, /kind/],
    ];
    for (const [body, message] of cases) {
      const r = await post({ socketPath }, '/v1/daemon/profile', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      assert.match(r.text, message);
    }
  });
});
