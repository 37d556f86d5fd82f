// The HTTP API in process (inject: node:http over an in-memory stream pair) over the daemon's
// real controller, a real supervisor and the real log router, plus one request on a real unix socket.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildApi } from '../../src/api/server.js';
import { systemClock } from '../../src/clock.js';
import { Controller } from '../../src/daemon/controller.js';
import { homePaths, prepareHome } from '../../src/daemon/home.js';
import { DEFAULTS } from '../../src/defaults.js';
import { Supervisor } from '../../src/engine/supervisor.js';
import { silentLogger } from '../../src/log.js';
import { LogHub } from '../../src/logs/index.js';
import { FifoKeeper } from '../../src/logs/keeper.js';
import { DaemonOutput } from '../../src/logs/router.js';
import { runCheck } from '../../src/probes/check.js';
import { systemBackend } from '../../src/process/backend.js';
import { EventJournal } from '../../src/state/journal.js';
import { fixture, type TempHome, tempHome } from '../helpers/home.js';
import { recordingSink } from '../helpers/log-sink.js';
import { waitFor } from '../helpers/wait.js';

const logger = silentLogger();
const node = process.execPath;

describe('the API', () => {
  let home: TempHome;
  let supervisor: Supervisor;
  let journal: EventJournal;
  let hub: LogHub;
  let keeper: FifoKeeper;
  let controller: Controller;
  let app: ReturnType<typeof buildApi>;
  let saved = 0;

  before(async () => {
    home = tempHome();
    const paths = homePaths(home.dir);
    prepareHome(paths);
    const env = { PATH: process.env.PATH ?? '', CORRAL_TEST_HOME: home.dir };
    journal = new EventJournal(paths.eventsFile);
    hub = new LogHub({ logger });
    keeper = new FifoKeeper(home.dir, env, logger);
    const output = new DaemonOutput(hub, paths.logsDir, paths.runDir, keeper);
    supervisor = new Supervisor({
      clock: systemClock,
      process: systemBackend,
      check: runCheck,
      output,
      baseEnv: env,
      emit: (e) => journal.record(e),
    });
    controller = new Controller({
      supervisor,
      journal,
      logs: output,
      clock: systemClock,
      boot: { home: home.dir, startedAt: Date.now(), adopted: [], foundDead: [], recovery: null },
      projectsChanged: () => {
        saved += 1;
      },
      stopServices: async () => ({ stillAlive: [] }),
      finish: () => {},
    });
    app = buildApi(controller, logger);
    await app.ready();
  });

  after(async () => {
    await supervisor.stopAll();
    await app.close();
    await hub.closeAll();
    keeper.stop();
    journal.close();
    home.cleanup();
  });

  /** Applies a config posted inline, from `home.dir`. */
  const apply = (config: string, extra: Record<string, unknown> = {}) =>
    app.inject({ method: 'POST', url: '/v1/projects', payload: { config, dir: home.dir, ...extra } });

  test('every response carries X-Request-Id, echoed when the client sent one', async () => {
    const mine = await app.inject({
      method: 'GET',
      url: '/v1/health',
      headers: { 'x-request-id': 'abc-123' },
    });
    assert.equal(mine.statusCode, 200);
    assert.equal(mine.headers['x-request-id'], 'abc-123');
    assert.equal(mine.json().home, home.dir);
    const fresh = await app.inject({ method: 'GET', url: '/v1/services' });
    assert.match(String(fresh.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });

  test('a handler that throws answers 500 with the error shape, and the next request works', async () => {
    const broken = Object.create(controller) as Controller;
    let calls = 0;
    broken.health = () => {
      calls += 1;
      if (calls === 1) throw new Error('a bug in a handler');
      return controller.health();
    };
    const flaky = buildApi(broken, logger);
    try {
      const first = await flaky.inject({ method: 'GET', url: '/v1/health' });
      assert.equal(first.statusCode, 500);
      assert.equal(first.json().error.code, 'INTERNAL');
      const next = await flaky.inject({ method: 'GET', url: '/v1/health' });
      assert.equal(next.statusCode, 200);
    } finally {
      await flaky.close();
    }
  });

  test('a malformed body is a 400 that names the field', async () => {
    const wrongType = await app.inject({
      method: 'POST',
      url: '/v1/services/x/signal',
      payload: { signal: { name: 'TERM' } },
    });
    assert.equal(wrongType.statusCode, 400);
    assert.equal(wrongType.json().error.code, 'BAD_REQUEST');
    assert.match(wrongType.json().error.message, /body\.signal/);
    const extra = await app.inject({ method: 'POST', url: '/v1/daemon/shutdown', payload: { keep: true } });
    assert.equal(extra.statusCode, 400);
    assert.match(extra.json().error.message, /unknown field "keep"/);
    const neither = await app.inject({ method: 'POST', url: '/v1/projects', payload: {} });
    assert.equal(neither.statusCode, 400);
    assert.match(neither.json().error.message, /"path" or "config"/);
    const notJson = await app.inject({
      method: 'POST',
      url: '/v1/projects',
      headers: { 'content-type': 'application/json' },
      payload: '{"config": ',
    });
    assert.equal(notJson.statusCode, 400);
    assert.equal(notJson.json().error.code, 'BAD_REQUEST');
  });

  test('wrong JSON types are refused, never coerced', async () => {
    const nullBody = await app.inject({
      method: 'POST',
      url: '/v1/daemon/shutdown',
      headers: { 'content-type': 'application/json' },
      payload: 'null',
    });
    assert.equal(nullBody.statusCode, 400);
    assert.equal(nullBody.json().error.message, 'body: must be object');
    const nullKeep = await app.inject({
      method: 'POST',
      url: '/v1/daemon/shutdown',
      payload: { keep_services: null },
    });
    assert.equal(nullKeep.statusCode, 400);
    assert.match(nullKeep.json().error.message, /^body\.keep_services: must be boolean$/);
    const stringKeep = await app.inject({
      method: 'POST',
      url: '/v1/daemon/shutdown',
      payload: { keep_services: 'true' },
    });
    assert.equal(stringKeep.statusCode, 400);
    assert.match(stringKeep.json().error.message, /body\.keep_services/);
    const tail = await app.inject({ method: 'GET', url: '/v1/services/x/logs?tail=abc' });
    assert.equal(tail.statusCode, 400);
    assert.equal(tail.json().error.message, 'querystring.tail: expected a whole number');
    const services = await apply('name: typed\nservices:\n  a:\n    command: "true"\n', {
      services: 'a',
    });
    assert.equal(services.statusCode, 400);
    assert.match(services.json().error.message, /body\.services: must be array/);
    assert.equal(supervisor.projects.has('typed'), false);
  });

  test('start, stop and restart refuse unknown fields; the signal body too', async () => {
    for (const action of ['start', 'stop', 'restart']) {
      const r = await app.inject({
        method: 'POST',
        url: `/v1/services/x/${action}`,
        payload: { force: true },
      });
      assert.equal(r.statusCode, 400, action);
      assert.equal(r.json().error.message, 'body: unknown field "force"');
    }
    const batch = await app.inject({
      method: 'POST',
      url: '/v1/actions/stop',
      payload: { names: ['x'], all: true },
    });
    assert.equal(batch.statusCode, 400);
    assert.equal(batch.json().error.message, 'body: unknown field "all"');
    const signal = await app.inject({
      method: 'POST',
      url: '/v1/services/x/signal',
      payload: { signal: 'HUP', to: 'all' },
    });
    assert.equal(signal.statusCode, 400);
    assert.match(signal.json().error.message, /unknown field "to"/);
  });

  test('POST /v1/projects: relative paths and config without dir are 400s naming the field', async () => {
    const config = 'name: paths\nservices:\n  a:\n    command: "true"\n';
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ path: 'corral.yaml' }, 'body.path: expected an absolute path, got "corral.yaml"'],
      [{ config, dir: 'here' }, 'body.dir: expected an absolute path, got "here"'],
      [{ config }, 'body.dir: required with "config": the directory relative paths resolve against'],
      [
        { config, dir: home.dir, file: 'corral.yaml' },
        'body.file: expected an absolute path, got "corral.yaml"',
      ],
      [{ path: join(home.dir, 'corral.yaml'), dir: home.dir }, 'body.dir: only allowed with "config"'],
    ];
    for (const [payload, message] of cases) {
      const r = await app.inject({ method: 'POST', url: '/v1/projects', payload });
      assert.equal(r.statusCode, 400, JSON.stringify(payload));
      assert.equal(r.json().error.code, 'BAD_REQUEST');
      assert.equal(r.json().error.message, message);
    }
    assert.equal(supervisor.projects.has('paths'), false);
  });

  test('an invalid config is a 400 CONFIG_INVALID listing every problem, and changes nothing', async () => {
    const r = await apply(
      'name: x\nservices:\n  a:\n    command: run-me\n    restart: maybe\n    instances: 0\n',
      {
        file: '/srv/x/corral.yaml',
      },
    );
    assert.equal(r.statusCode, 400);
    const error = r.json().error;
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.equal(error.details.length, 2);
    assert.deepEqual(
      error.details.map((d: { file: string; path: string; line: number }) => [d.file, d.path, d.line]),
      [
        ['/srv/x/corral.yaml', 'services.a.restart', 5],
        ['/srv/x/corral.yaml', 'services.a.instances', 6],
      ],
    );
    assert.equal(supervisor.projects.has('x'), false);
  });

  test('the same project name from another file is refused, naming both files; nothing changes', async () => {
    const first = '/srv/one/corral.yaml';
    const second = '/srv/two/corral.yaml';
    const config = (cmd: string) =>
      `name: twin\nservices:\n  a:\n    command: "${cmd}"\n    autostart: false\n`;
    const ok = await apply(config('true'), { file: first });
    assert.equal(ok.statusCode, 200, ok.body);
    const savedBefore = saved;
    const clash = await apply(config('false'), { file: second });
    assert.equal(clash.statusCode, 400);
    assert.equal(clash.json().error.code, 'CONFIG_INVALID');
    assert.equal(
      clash.json().error.message,
      `Project "twin" is already loaded from ${first}; ${second} names the same project. Give one of them another name (name: in the file), or run "corral down twin" first.`,
    );
    const listed = (await app.inject({ method: 'GET', url: '/v1/projects' })).json();
    const twin = listed.find((p: { name: string }) => p.name === 'twin');
    assert.equal(twin.file, first);
    assert.deepEqual(twin.services[0].command, ['/bin/sh', '-c', 'true']);
    assert.equal(saved, savedBefore, 'nothing saved');
    const again = await apply(config('true'), { file: first });
    assert.equal(again.statusCode, 200, 'the same file applies again');
    assert.equal((await app.inject({ method: 'DELETE', url: '/v1/projects/twin' })).statusCode, 200);
  });

  test('GET /v1/services/:name/logs answers with what the process wrote', async () => {
    const config = `name: talk\nservices:\n  say:\n    command: [${node}, ${fixture('print-lines.mjs')}, "30"]\n    restart: never\n`;
    assert.equal((await apply(config)).statusCode, 200);
    await waitFor(() => supervisor.resolve('talk/say')[0].state === 'exited', { what: 'say exited' });
    const r = await app.inject({ method: 'GET', url: '/v1/services/talk%2Fsay/logs?tail=3' });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json().entries, [
      { name: 'talk/say:0', line: '28' },
      { name: 'talk/say:0', line: '29' },
      { name: 'talk/say:0', line: '30' },
    ]);
    const all = await app.inject({ method: 'GET', url: '/v1/services/say/logs' });
    assert.equal(all.json().entries.length, 30);
    const missing = await app.inject({ method: 'GET', url: '/v1/services/nope/logs' });
    assert.equal(missing.statusCode, 404);
    assert.equal((await app.inject({ method: 'DELETE', url: '/v1/projects/talk' })).statusCode, 200);
  });

  test('following logs gives the tail, then every line after it: none missed, none twice', async () => {
    // a writer as fast as the shell goes: lines arrive while the tail is being read
    const config = `name: flood\nservices:\n  count:\n    command: ["/bin/sh", "-c", "i=0; while :; do i=$((i+1)); echo $i; done"]\n`;
    assert.equal((await apply(config)).statusCode, 200);
    await waitFor(() => supervisor.resolve('flood/count')[0].state === 'running', { what: 'count running' });
    for (let round = 0; round < 5; round++) {
      const followed = recordingSink();
      const stop = await controller.followLogs('flood/count', { lines: 5, sinceMs: null }, followed.sink);
      await waitFor(() => followed.text.split('\n').length > 2000, { what: 'two thousand followed lines' });
      stop();
      const { lines, text } = followed;
      // the tail's last line may have been partial (the chunks then carry the rest of it)
      const gaps = [`${lines.join('\n')}\n${text}`, `${lines.join('\n')}${text}`].map((all) => {
        const numbers = all.split('\n').slice(0, -1).map(Number);
        const at = numbers.findIndex((n, i) => i > 0 && n !== numbers[i - 1] + 1);
        return at < 0 ? null : `${numbers[at - 1]} then ${numbers[at]}`;
      });
      if (gaps.every((g) => g !== null)) assert.fail(`round ${round}: ${gaps[0]}`);
    }
    assert.equal((await app.inject({ method: 'DELETE', url: '/v1/projects/flood' })).statusCode, 200);
  });

  test('batch actions resolve every name first: an unknown one is a 404 and nothing is done', async () => {
    const forever = `[${node}, ${fixture('forever.mjs')}]`;
    const config = `name: batch\nservices:\n  a:\n    command: ${forever}\n  b:\n    command: ${forever}\n`;
    assert.equal((await apply(config)).statusCode, 200);
    await waitFor(
      () =>
        supervisor.resolve('batch/b')[0].state === 'running' &&
        supervisor.resolve('batch/a')[0].state === 'running',
      {
        what: 'a and b running',
      },
    );
    const bad = await app.inject({
      method: 'POST',
      url: '/v1/actions/stop',
      payload: { names: ['batch/a', 'nope'] },
    });
    assert.equal(bad.statusCode, 404);
    assert.equal(bad.json().error.code, 'SERVICE_NOT_FOUND');
    assert.match(bad.json().error.message, /"nope"/);
    assert.equal(supervisor.resolve('batch/a')[0].state, 'running', 'a was not stopped');
    const stopped = await app.inject({
      method: 'POST',
      url: '/v1/actions/stop',
      payload: { names: ['batch/a', 'batch/b', 'a'] },
    });
    assert.equal(stopped.statusCode, 200, stopped.body);
    assert.deepEqual(
      stopped.json().map((s: { name: string; state: string }) => [s.name, s.state]),
      [
        ['batch/a:0', 'stopped'],
        ['batch/b:0', 'stopped'],
      ],
    );
    const started = await app.inject({
      method: 'POST',
      url: '/v1/actions/start',
      payload: { names: ['a', 'b'] },
    });
    assert.equal(started.statusCode, 200);
    await waitFor(
      () =>
        supervisor
          .list()
          .filter((i) => i.project === 'batch')
          .every((i) => i.state === 'running'),
      {
        what: 'both running again',
      },
    );
    const unknownAction = await app.inject({
      method: 'POST',
      url: '/v1/actions/kill',
      payload: { names: ['a'] },
    });
    assert.equal(unknownAction.statusCode, 400);
    assert.match(unknownAction.json().error.message, /^params\.action/);
    assert.equal((await app.inject({ method: 'DELETE', url: '/v1/projects/batch' })).statusCode, 200);
  });

  test('apply, start, signal, stop and remove a project', async () => {
    const config = `name: api\nservices:\n  web:\n    command: [${node}, ${fixture('forever.mjs')}]\n`;
    const applied = await apply(config);
    assert.equal(applied.statusCode, 200, applied.body);
    assert.deepEqual(applied.json().created, ['web']);
    await waitFor(() => supervisor.resolve('web')[0].state === 'running', { what: 'web running' });
    const one = await app.inject({ method: 'GET', url: `/v1/services/${encodeURIComponent('api/web:0')}` });
    assert.equal(one.json()[0].state, 'running');
    assert.equal(one.json()[0].outdated, false);
    assert.equal(typeof one.json()[0].pid, 'number');
    const missing = await app.inject({ method: 'GET', url: '/v1/services/nope' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'SERVICE_NOT_FOUND');
    const badSignal = await app.inject({
      method: 'POST',
      url: '/v1/services/web/signal',
      payload: { signal: 'SIGNOPE' },
    });
    assert.equal(badSignal.statusCode, 400);
    assert.equal(badSignal.json().error.code, 'BAD_SIGNAL');
    const stopped = await app.inject({ method: 'POST', url: '/v1/services/web/stop' });
    assert.equal(stopped.statusCode, 200, 'no body is an empty body');
    assert.equal(stopped.json()[0].state, 'stopped');
    const notRunning = await app.inject({
      method: 'POST',
      url: '/v1/services/web/signal',
      payload: { signal: 'HUP' },
    });
    assert.equal(notRunning.statusCode, 409);
    const removed = await app.inject({ method: 'DELETE', url: '/v1/projects/api' });
    assert.equal(removed.statusCode, 200);
    const gone = await app.inject({ method: 'DELETE', url: '/v1/projects/api' });
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.json().error.code, 'PROJECT_NOT_FOUND');
  });

  test('the OpenAPI document lists the routes', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
    assert.equal(doc.openapi, '3.1.0');
    for (const path of [
      '/v1/health',
      '/v1/services/{name}/signal',
      '/v1/projects/{project}',
      '/v1/events',
      '/v1/actions/{action}',
    ]) {
      assert.ok(path in doc.paths, `${path} is documented`);
    }
    assert.ok(doc.paths['/v1/services/{name}/signal'].post.requestBody);
  });

  test('a body over the limit is a 413, one of another media type a 415; nothing is applied', async () => {
    const big = `name: big\nservices:\n  a:\n    command: "true"\n# ${'x'.repeat(DEFAULTS.internal.apiBodyLimitBytes)}\n`;
    const tooLarge = await apply(big);
    assert.equal(tooLarge.statusCode, 413);
    assert.equal(tooLarge.json().error.code, 'BAD_REQUEST');
    assert.match(tooLarge.json().error.message, /too large/);
    const chunked = await app.inject({
      method: 'POST',
      url: '/v1/projects',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      payload: JSON.stringify({ config: big, dir: home.dir }),
    });
    assert.equal(chunked.statusCode, 413, 'a body of no declared length is cut at the limit too');
    const text = await app.inject({
      method: 'POST',
      url: '/v1/projects',
      headers: { 'content-type': 'text/plain' },
      payload: 'name: big',
    });
    assert.equal(text.statusCode, 415);
    assert.equal(text.json().error.code, 'BAD_REQUEST');
    assert.equal(supervisor.projects.has('big'), false);
    const next = await app.inject({
      method: 'GET',
      url: '/v1/health',
      headers: { 'x-request-id': 'after-413' },
    });
    assert.equal(next.statusCode, 200);
    assert.equal(next.headers['x-request-id'], 'after-413');
  });

  test('an unknown route is a 404 in the error shape', async () => {
    const r = await app.inject({ method: 'GET', url: '/v2/nothing' });
    assert.equal(r.statusCode, 404);
    assert.equal(r.json().error.code, 'NOT_FOUND');
  });

  test('the same app answers on a real unix socket', async () => {
    const socket = join(home.dir, 'api.sock');
    const server = buildApi(controller, logger);
    await server.listen({ path: socket });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const req = request({ socketPath: socket, path: '/v1/health' }, (res) => {
          let text = '';
          res.on('data', (d) => {
            text += d;
          });
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(JSON.parse(body).home, home.dir);
    } finally {
      await server.close();
    }
  });
});
