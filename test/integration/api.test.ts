// The HTTP API in process (fastify inject) over a real supervisor, plus one request on a real unix socket.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import type { ProcessStatus } from '../../src/api/schemas.js';
import { buildApi } from '../../src/api/server.js';
import { systemClock } from '../../src/clock.js';
import { loadProjectFromText } from '../../src/config/index.js';
import type { OutputRouter } from '../../src/engine/output.js';
import { Supervisor } from '../../src/engine/supervisor.js';
import { runCheck } from '../../src/probes/check.js';
import { systemBackend } from '../../src/process/backend.js';
import { EventJournal } from '../../src/state/journal.js';
import { fixture, type TempHome, tempHome } from '../helpers/home.js';
import { waitFor } from '../helpers/wait.js';

const quiet: OutputRouter = {
  prepare: () => ({ stdout: 'pipe', stderr: 'pipe', release: () => {} }),
  attach: (_key, child) => {
    child.stdout?.resume();
    child.stderr?.resume();
  },
  reattach: () => {},
  flush: () => {},
  subscribe: () => () => {},
  dispose: () => {},
};

describe('the API', () => {
  let home: TempHome;
  let supervisor: Supervisor;
  let journal: EventJournal;
  let app: ReturnType<typeof buildApi>;
  let healthCalls = 0;

  before(async () => {
    home = tempHome();
    journal = new EventJournal(join(home.dir, 'events.jsonl'));
    supervisor = new Supervisor({
      clock: systemClock,
      process: systemBackend,
      check: runCheck,
      output: quiet,
      baseEnv: { PATH: process.env.PATH ?? '', CORRAL_TEST_HOME: home.dir },
      emit: (e) => journal.record(e),
    });
    const statuses = (): ProcessStatus[] =>
      supervisor.list().map((i) => ({
        project: i.project,
        service: i.service,
        instance: i.index,
        name: i.name,
        state: i.state,
        pid: i.pid,
        restarts: i.restarts,
        started_at: null,
        health: i.health,
        last_exit: i.lastExit,
        backoff_ms: null,
        message: i.message,
        outdated: supervisor.isOutdated(i),
        status_text: i.statusText,
        cpu: null,
        memory: null,
      }));
    app = buildApi({
      supervisor,
      journal,
      logger: pino({ level: 'silent' }),
      health: () => {
        healthCalls += 1;
        if (healthCalls === 2) throw new Error('a bug in a handler');
        return {
          version: 'test',
          pid: process.pid,
          uptime_ms: 1,
          home: home.dir,
          started_at: '',
          services: 0,
          adopted: [],
          found_dead: [],
          recovery: null,
        };
      },
      statuses,
      apply: async (body) => {
        const spec = loadProjectFromText(body.config!, {
          file: '<inline>',
          dir: home.dir,
          format: body.format,
        });
        return supervisor.apply(spec, body.services);
      },
      removeProject: (name) => supervisor.removeProject(name),
      stopServices: async () => true,
      finish: () => {},
      tailLogs: async () => [],
      followLogs: () => () => {},
    });
    await app.ready();
  });

  after(async () => {
    await supervisor.stopAll();
    await app.close();
    journal.close();
    home.cleanup();
  });

  test('every response carries X-Request-Id, echoed when the client sent one', async () => {
    const mine = await app.inject({
      method: 'GET',
      url: '/v1/health',
      headers: { 'x-request-id': 'abc-123' },
    });
    assert.equal(mine.statusCode, 200);
    assert.equal(mine.headers['x-request-id'], 'abc-123');
    const fresh = await app.inject({ method: 'GET', url: '/v1/services' });
    assert.match(String(fresh.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });

  test('a handler that throws answers 500 with the error shape, and the next request works', async () => {
    const broken = await app.inject({ method: 'GET', url: '/v1/health' });
    assert.equal(broken.statusCode, 500);
    assert.equal(broken.json().error.code, 'INTERNAL');
    const next = await app.inject({ method: 'GET', url: '/v1/health' });
    assert.equal(next.statusCode, 200);
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

  test('an invalid config is a 400 CONFIG_INVALID listing every problem, and changes nothing', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/v1/projects',
      payload: {
        config: 'name: x\nservices:\n  a:\n    command: run-me\n    restart: maybe\n    instances: 0\n',
      },
    });
    assert.equal(r.statusCode, 400);
    const error = r.json().error;
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.equal(error.details.length, 2);
    assert.deepEqual(
      error.details.map((d: { path: string; line: number }) => [d.path, d.line]),
      [
        ['services.a.restart', 5],
        ['services.a.instances', 6],
      ],
    );
    assert.equal(supervisor.projects.size, 0);
  });

  test('apply, start, signal, stop and remove a project', async () => {
    const config = `name: api\nservices:\n  web:\n    command: [${process.execPath}, ${fixture('forever.mjs')}]\n`;
    const applied = await app.inject({ method: 'POST', url: '/v1/projects', payload: { config } });
    assert.equal(applied.statusCode, 200, applied.body);
    assert.deepEqual(applied.json().created, ['web']);
    await waitFor(() => supervisor.resolve('web')[0].state === 'running', { what: 'web running' });
    const one = await app.inject({ method: 'GET', url: `/v1/services/${encodeURIComponent('api/web:0')}` });
    assert.equal(one.json()[0].state, 'running');
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
    const stopped = await app.inject({ method: 'POST', url: '/v1/services/web/stop', payload: {} });
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
    for (const path of ['/v1/health', '/v1/services/{name}/signal', '/v1/projects/{project}', '/v1/events']) {
      assert.ok(path in doc.paths, `${path} is documented`);
    }
    assert.ok(doc.paths['/v1/services/{name}/signal'].post.requestBody);
  });

  test('an unknown route is a 404 in the error shape', async () => {
    const r = await app.inject({ method: 'GET', url: '/v2/nothing' });
    assert.equal(r.statusCode, 404);
    assert.equal(r.json().error.code, 'NOT_FOUND');
  });

  test('the same app answers on a real unix socket', async () => {
    const socket = join(home.dir, 'api.sock');
    const server = buildApi({
      supervisor,
      journal,
      logger: pino({ level: 'silent' }),
      health: () => ({
        version: 'sock',
        pid: process.pid,
        uptime_ms: 1,
        home: home.dir,
        started_at: '',
        services: 0,
        adopted: [],
        found_dead: [],
        recovery: null,
      }),
      statuses: () => [],
      apply: async () => {
        throw new Error('unused');
      },
      removeProject: async () => {},
      stopServices: async () => true,
      finish: () => {},
      tailLogs: async () => [],
      followLogs: () => () => {},
    });
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
      assert.equal(JSON.parse(body).version, 'sock');
    } finally {
      await server.close();
    }
  });
});
