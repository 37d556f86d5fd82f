// The engine against a fake process backend and a fake clock: restarts, timeouts, stops and
// adoption, each in milliseconds and with no real process. The OS edge has its own tests.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Supervisor } from '../../../src/engine/supervisor.js';
import { FakeWorld, project, type Temper } from './fake-host.js';

function world(): { w: FakeWorld; sup: Supervisor } {
  const w = new FakeWorld();
  return { w, sup: new Supervisor(w.host()) };
}

/** A world with one service `name` (command [name]) started; `extra` is more YAML of the service. */
async function oneService(name: string, extra = '', temper?: Temper) {
  const { w, sup } = world();
  if (temper) w.backend.tempers.set(name, temper);
  sup.apply(project(`name: p\nservices:\n  ${name}:\n    command: [${name}]\n${extra}`));
  await w.clock.settle(0);
  return { w, sup, inst: only(sup, name) };
}

function only(sup: Supervisor, name: string) {
  const [inst] = sup.resolve(name);
  assert.ok(inst, `no instance ${name}`);
  return inst;
}

describe('restart policy in time', () => {
  test('a crash loop follows the backoff schedule, then gives up after max_restarts', async () => {
    const { w, sup } = world();
    sup.apply(
      project(`
name: p
services:
  crash:
    command: [crash]
    backoff: { free: 1, initial: 1s, factor: 2, max: 3s, reset_after: 10s }
    max_restarts: 4
`),
    );
    await w.clock.settle(0);
    const spawnedAt: number[] = [];
    const start = w.clock.now();
    // every process crashes the moment it starts; time moves in 100 ms steps
    for (let t = 0; t <= 20_000; t += 100) {
      const latest = w.backend.spawnsOf('crash').at(-1);
      if (latest?.alive) {
        spawnedAt.push(w.clock.now() - start);
        latest.exit({ code: 1, signal: null });
      }
      await w.clock.settle(100);
    }
    const delays = w.eventsOf('restart-scheduled').map((e) => e.delay_ms);
    assert.deepEqual(delays, [0, 1_000, 2_000, 3_000]);
    // each start came exactly when its delay ran out (a start with no delay is seen on the next 100 ms step)
    const gaps = spawnedAt.slice(1).map((t, i) => t - spawnedAt[i]);
    assert.deepEqual(
      gaps,
      delays.map((d) => Math.max(d ?? 0, 100)),
    );
    const crash = only(sup, 'crash');
    assert.equal(crash.state, 'failed');
    assert.equal(crash.restarts, 4);
    assert.match(crash.message ?? '', /gave up|giving up|max_restarts/);
    assert.equal(w.eventsOf('failed').length, 1);
    assert.equal(w.backend.spawnsOf('crash').length, 5);
  });

  test('a run longer than reset_after starts the count again', async () => {
    const { w, sup } = world();
    sup.apply(
      project(`
name: p
services:
  flaky:
    command: [flaky]
    backoff: { free: 0, initial: 1s, factor: 2, max: 8s, reset_after: 5s }
`),
    );
    await w.clock.settle(0);
    w.backend.latest('flaky').exit({ code: 1, signal: null });
    await w.clock.settle(1_000);
    w.backend.latest('flaky').exit({ code: 1, signal: null });
    await w.clock.settle(2_000);
    await w.clock.settle(6_000); // a long, healthy run
    w.backend.latest('flaky').exit({ code: 1, signal: null });
    await w.clock.settle(0);
    assert.deepEqual(
      w.eventsOf('restart-scheduled').map((e) => e.delay_ms),
      [1_000, 2_000, 1_000],
    );
  });

  test('a backoff is cancelled by a stop, and nothing starts when it would have run out', async () => {
    const { w, sup } = await oneService('s', '    backoff: { free: 0, initial: 5s }\n');
    w.backend.latest('s').exit({ code: 2, signal: null });
    await w.clock.settle(0);
    assert.equal(only(sup, 's').state, 'backoff');
    await sup.stop([only(sup, 's')]);
    await w.clock.settle(60_000);
    assert.equal(w.backend.spawnsOf('s').length, 1);
    assert.equal(only(sup, 's').state, 'stopped');
    assert.deepEqual(w.trace(['stopped']), ['stopped:s:0']);
  });
});

describe('ready and health', () => {
  test('a process not ready within ready.timeout is killed with reason ready-timeout and restarted', async () => {
    const { w, sup } = world();
    sup.apply(
      project(`
name: p
services:
  api:
    command: [api]
    ready: { tcp: 127.0.0.1:7001, timeout: 3s, interval: 200ms }
    stop: { timeout: 1s }
`),
    );
    await w.clock.settle(0);
    const first = w.backend.latest('api');
    assert.equal(only(sup, 'api').state, 'starting');
    await w.clock.settle(2_900);
    assert.deepEqual(first.signals, [], 'nothing is signalled before the timeout');
    await w.clock.settle(200);
    assert.deepEqual(first.signals, ['SIGTERM']);
    const exited = w.eventsOf('exited', 'api');
    assert.equal(exited.length, 1);
    assert.equal(exited[0].reason, 'ready-timeout');
    assert.equal(w.backend.spawnsOf('api').length, 2, 'restarted');
    // the checks ran every interval in between (the preflight check came first)
    assert.ok(w.checks.asked.length >= 14, `only ${w.checks.asked.length} checks`);
  });

  test('a process becomes running when its check passes, not before', async () => {
    const { w, sup } = world();
    sup.apply(
      project(
        'name: p\nservices:\n  api:\n    command: [api]\n    ready: { http: http://127.0.0.1:7002/ }\n',
      ),
    );
    await w.clock.settle(1_000);
    assert.equal(only(sup, 'api').state, 'starting');
    w.checks.answers.set('http://127.0.0.1:7002/', null);
    await w.clock.settle(200);
    assert.equal(only(sup, 'api').state, 'running');
    assert.deepEqual(w.trace(['spawned', 'ready']), ['spawned:api:0', 'ready:api:0']);
  });

  test('consecutive failed health checks kill the process with reason health-failed', async () => {
    const { w, sup } = world();
    sup.apply(
      project(`
name: p
services:
  web:
    command: [web]
    health: { tcp: 127.0.0.1:7003, interval: 1s, failures: 3 }
`),
    );
    w.checks.answers.set('127.0.0.1:7003', null);
    await w.clock.settle(5_000);
    assert.equal(only(sup, 'web').health, 'healthy');
    w.checks.answers.set('127.0.0.1:7003', 'answered 500');
    await w.clock.settle(2_000);
    assert.equal(only(sup, 'web').health, 'unhealthy');
    assert.deepEqual(w.backend.latest('web').signals, [], 'two failures are not enough');
    await w.clock.settle(1_000);
    assert.equal(w.eventsOf('health-failed').length, 3);
    assert.equal(w.eventsOf('exited')[0]?.reason, 'health-failed');
    assert.equal(w.backend.spawnsOf('web').length, 2);
    assert.match(w.eventsOf('health-failed')[2].message ?? '', /check 3\/3 failed: answered 500/);
  });

  test('a ready target that answers before a first start fails the start and says why', async () => {
    const { w, sup } = world();
    w.checks.answers.set('127.0.0.1:7004', null); // something else already listens there
    sup.apply(
      project('name: p\nservices:\n  api:\n    command: [api]\n    ready: { tcp: 127.0.0.1:7004 }\n'),
    );
    await w.clock.settle(0);
    const api = only(sup, 'api');
    assert.equal(w.backend.spawnsOf('api').length, 0, 'not started');
    assert.equal(api.state, 'failed');
    assert.match(api.message ?? '', /127\.0\.0\.1:7004 already answers before p\/api:0 started/);
    assert.equal(w.eventsOf('failed')[0]?.reason, 'spawn-failed');
  });

  test('while the ready target is checked the process is starting with no pid, and started-dependents wait', async () => {
    const { w, sup } = world();
    sup.apply(
      project(`
name: p
services:
  api:
    command: [api]
    ready: { tcp: 127.0.0.1:7009 }
  sidecar:
    command: [sidecar]
    depends_on: { api: started }
`),
    );
    const api = only(sup, 'api');
    assert.equal(api.state, 'starting');
    assert.equal(api.pid, null);
    assert.equal(api.message, 'checking that nothing else answers on 127.0.0.1:7009');
    assert.equal(only(sup, 'sidecar').message, 'waiting for api to start');
    await w.clock.settle(0);
    assert.equal(w.backend.spawnsOf('api').length, 1);
    assert.equal(w.backend.spawnsOf('sidecar').length, 1, 'started once api has a process');
  });

  test('a process that dies right after its ready check passed is said to be suspect', async () => {
    const { w, sup } = world();
    sup.apply(
      project('name: p\nservices:\n  api:\n    command: [api]\n    ready: { tcp: 127.0.0.1:7005 }\n'),
    );
    await w.clock.settle(0);
    w.checks.answers.set('127.0.0.1:7005', null);
    await w.clock.settle(200);
    assert.equal(only(sup, 'api').state, 'running');
    await w.clock.settle(40);
    w.backend.latest('api').exit({ code: 1, signal: null });
    await w.clock.settle(0);
    assert.match(w.eventsOf('exited')[0].message ?? '', /exited 40 ms after its ready check passed/);
  });
});

describe('stopping', () => {
  test('a stop while starting ends the start: stopped, by the user, never ready', async () => {
    const { w, sup } = world();
    sup.apply(
      project('name: p\nservices:\n  api:\n    command: [api]\n    ready: { tcp: 127.0.0.1:7006 }\n'),
    );
    await w.clock.settle(0);
    const api = only(sup, 'api');
    assert.equal(api.state, 'starting');
    await sup.stop([api]);
    w.checks.answers.set('127.0.0.1:7006', null);
    await w.clock.settle(5_000);
    assert.equal(api.state, 'stopped');
    assert.deepEqual(w.trace(['spawned', 'ready', 'stopping', 'exited', 'stopped']), [
      'spawned:api:0',
      'stopping:api:0',
      'exited:api:0',
      'stopped:api:0',
    ]);
    assert.equal(w.eventsOf('exited')[0].reason, 'stopped-by-user');
  });

  test('a start while stopping is carried out once the stop ends', async () => {
    const { w, sup, inst: slow } = await oneService('slow', '    stop: { timeout: 2s }\n', 'ignores-term');
    const stopped = sup.stop([slow]);
    await w.clock.settle(0);
    assert.equal(slow.state, 'stopping');
    sup.start([slow]);
    await w.clock.settle(0);
    assert.equal(slow.state, 'stopping', 'the stop goes on');
    assert.match(slow.message ?? '', /starts again once stopped/);
    await w.clock.settle(2_000);
    await stopped;
    await w.clock.settle(0);
    assert.equal(w.backend.spawnsOf('slow').length, 2, 'started again');
    assert.equal(slow.state, 'running');
    assert.deepEqual(w.trace(['stopping', 'exited', 'stopped', 'spawned']), [
      'spawned:slow:0',
      'stopping:slow:0',
      'exited:slow:0',
      'stopped:slow:0',
      'spawned:slow:0',
    ]);
    assert.equal(w.eventsOf('stopped')[0].reason, 'killed-after-timeout');
    assert.equal(w.eventsOf('exited')[0].reason, 'killed-after-timeout');
  });

  test('a stop that never sees the exit gives up after its bound and says so', async () => {
    const { w, sup, inst: stuck } = await oneService('stuck', '    stop: { timeout: 1s }\n', 'unkillable');
    let done = false;
    void sup.stop([stuck]).then(() => {
      done = true;
    });
    await w.clock.settle(30_000);
    assert.ok(done, 'the stop resolved');
    assert.equal(stuck.state, 'failed');
    assert.match(stuck.message ?? '', /could not stop pid \d+: still alive \d+ ms after SIGKILL/);
    assert.deepEqual(w.backend.latest('stuck').signals, ['SIGTERM', 'SIGKILL']);
    assert.equal(w.eventsOf('failed').length, 1);
    // when the exit comes after all, it stays stopped and is not restarted
    w.backend.latest('stuck').exit({ code: null, signal: 'SIGKILL' });
    await w.clock.settle(10_000);
    assert.equal(stuck.state, 'stopped');
    assert.equal(w.backend.spawnsOf('stuck').length, 1);
  });

  test('a start asked for during a stop that gives up is not carried out: the old process may still be there', async () => {
    const { w, sup, inst: stuck } = await oneService('stuck', '    stop: { timeout: 1s }\n', 'unkillable');
    void sup.stop([stuck]);
    await w.clock.settle(0);
    sup.start([stuck]);
    await w.clock.settle(30_000);
    assert.equal(stuck.state, 'failed');
    assert.match(stuck.message ?? '', /could not stop pid/);
    assert.equal(w.backend.spawnsOf('stuck').length, 1, 'no second process next to the first');
  });

  test('after a stop that gave up, restart and apply start no second process; a later stop tries again', async () => {
    const { w, sup, inst: stuck } = await oneService('stuck', '    stop: { timeout: 1s }\n', 'unkillable');
    const restarting = sup.restart([stuck]);
    await w.clock.settle(30_000);
    await restarting;
    assert.equal(stuck.state, 'failed');
    sup.apply(project('name: p\nservices:\n  stuck:\n    command: [stuck]\n    stop: { timeout: 1s }\n'));
    sup.start([stuck]);
    await w.clock.settle(30_000);
    assert.equal(w.backend.spawnsOf('stuck').length, 1, 'never two at once');
    assert.match(stuck.message ?? '', /could not be stopped and may still run; not started again/);
    assert.equal(stuck.record().pid, w.backend.latest('stuck').pid, 'the next daemon still knows the pid');
    // it can be killed now: a stop tries again, and then it may start
    w.backend.latest('stuck').temper = 'obeys';
    await sup.stop([stuck]);
    await w.clock.settle(0);
    assert.equal(stuck.state, 'stopped');
    sup.start([stuck]);
    await w.clock.settle(0);
    assert.equal(w.backend.spawnsOf('stuck').length, 2);
  });

  test("corral's own kill that never sees the exit is reported, not stuck", async () => {
    const {
      w,
      sup,
      inst: api,
    } = await oneService(
      'api',
      '    ready: { tcp: 127.0.0.1:7010, timeout: 1s }\n    stop: { timeout: 1s }\n',
      'unkillable',
    );
    await w.clock.settle(30_000);
    assert.equal(api.state, 'failed');
    assert.match(api.message ?? '', /could not stop pid \d+/);
    assert.equal(w.eventsOf('failed')[0].reason, 'ready-timeout');
    assert.equal(w.backend.spawnsOf('api').length, 1);
    void sup;
  });

  test('stopping an exited process says so in an event', async () => {
    const { w, sup } = await oneService('job', '    restart: never\n');
    w.backend.latest('job').exit({ code: 0, signal: null });
    await w.clock.settle(0);
    assert.equal(only(sup, 'job').state, 'exited');
    await sup.stop([only(sup, 'job')]);
    assert.equal(only(sup, 'job').state, 'stopped');
    const stopped = w.eventsOf('stopped');
    assert.equal(stopped.length, 1);
    assert.equal(stopped[0].reason, 'stopped-by-user');
  });

  test('a project stops in reverse dependency order', async () => {
    const { w, sup } = world();
    sup.apply(
      project(`
name: p
services:
  db: { command: [db] }
  api: { command: [api], depends_on: { db: started } }
  web: { command: [web], depends_on: { api: started } }
`),
    );
    await w.clock.settle(0);
    await sup.removeProject('p');
    assert.deepEqual(w.trace(['stopped']), ['stopped:web:0', 'stopped:api:0', 'stopped:db:0']);
  });

  test('a stop of some services keeps an order that runs through services not named', async () => {
    const { w, sup } = world();
    w.backend.tempers.set('api', 'ignores-term');
    sup.apply(
      project(`
name: p
services:
  db: { command: [db] }
  cache: { command: [cache], depends_on: { db: started } }
  api: { command: [api], depends_on: { cache: started }, stop: { timeout: 2s } }
`),
    );
    await w.clock.settle(0);
    const stopping = sup.stop([...sup.resolve('api'), ...sup.resolve('db')]);
    await w.clock.settle(1_000);
    assert.deepEqual(w.trace(['stopped']), [], 'db waits for api, through cache');
    await w.clock.settle(1_000);
    await stopping;
    assert.deepEqual(w.trace(['stopped']), ['stopped:api:0', 'stopped:db:0']);
    assert.equal(only(sup, 'cache').state, 'running');
  });

  test('stopping some services of a project stops dependents first, all at once otherwise', async () => {
    const { w, sup } = world();
    w.backend.tempers.set('api', 'ignores-term');
    sup.apply(
      project(`
name: p
services:
  db: { command: [db] }
  api: { command: [api], depends_on: { db: started }, stop: { timeout: 2s } }
  cache: { command: [cache] }
`),
    );
    await w.clock.settle(0);
    const stopping = sup.stop([...sup.resolve('db'), ...sup.resolve('api'), ...sup.resolve('cache')]);
    await w.clock.settle(0);
    assert.deepEqual(w.trace(['stopped']), ['stopped:cache:0'], 'db waits for api, which holds out');
    await w.clock.settle(2_000);
    await stopping;
    assert.deepEqual(w.trace(['stopped']), ['stopped:cache:0', 'stopped:api:0', 'stopped:db:0']);
  });
});

describe('dependencies', () => {
  test('a service waits for its dependency to be ready, and says what it waits for', async () => {
    const { w, sup } = world();
    sup.apply(
      project(`
name: p
services:
  db:
    command: [db]
    ready: { tcp: 127.0.0.1:7007 }
  api:
    command: [api]
    depends_on: { db: ready }
`),
    );
    await w.clock.settle(1_000);
    assert.equal(w.backend.spawnsOf('api').length, 0);
    assert.equal(only(sup, 'api').state, 'waiting');
    assert.equal(only(sup, 'api').message, 'waiting for db to be ready');
    w.checks.answers.set('127.0.0.1:7007', null);
    await w.clock.settle(200);
    assert.equal(w.backend.spawnsOf('api').length, 1);
    assert.deepEqual(w.trace(['ready', 'spawned']), [
      'spawned:db:0',
      'ready:db:0',
      'spawned:api:0',
      'ready:api:0',
    ]);
  });

  test('succeeded waits for a clean exit, and a failed one blocks for good with the reason', async () => {
    const yaml = (code: number) => `
name: p${code}
services:
  migrate: { command: [migrate], restart: never }
  api: { command: [api], depends_on: { migrate: succeeded } }
`;
    const { w, sup } = world();
    sup.apply(project(yaml(0)));
    sup.apply(project(yaml(1)));
    await w.clock.settle(0);
    const [ok, bad] = w.backend.spawnsOf('migrate');
    ok.exit({ code: 0, signal: null });
    bad.exit({ code: 1, signal: null });
    await w.clock.settle(0);
    assert.equal(w.backend.spawnsOf('api').length, 1, 'only the project whose migrate succeeded');
    assert.equal(only(sup, 'p0/api').state, 'running');
    assert.equal(only(sup, 'p1/api').message, 'waiting for migrate (succeeded), but migrate is exited');
  });
});

describe('waiting', () => {
  const yaml = (autostart: boolean) => `
name: p
services:
  db: { command: [db], ready: { tcp: 127.0.0.1:7008 } }
  api: { command: [api], depends_on: { db: ready }, autostart: ${autostart} }
`;

  test('a start blocked by a dependency is waiting, then starting once it holds', async () => {
    const { w, sup } = world();
    sup.apply(project(yaml(true)));
    await w.clock.settle(0);
    const api = only(sup, 'api');
    assert.equal(api.state, 'waiting');
    assert.equal(api.record().state, 'waiting');
    w.checks.answers.set('127.0.0.1:7008', null);
    await w.clock.settle(200);
    assert.equal(api.state, 'running');
    assert.equal(api.message, null);
  });

  test('a stop of a waiting process makes it stopped, with an event, and it does not start later', async () => {
    const { w, sup } = world();
    sup.apply(project(yaml(true)));
    await w.clock.settle(0);
    await sup.stop(sup.resolve('api'));
    const api = only(sup, 'api');
    assert.equal(api.state, 'stopped');
    assert.equal(api.message, null);
    assert.deepEqual(w.trace(['stopped']), ['stopped:api:0']);
    w.checks.answers.set('127.0.0.1:7008', null);
    await w.clock.settle(200);
    assert.equal(w.backend.spawnsOf('api').length, 0);
  });

  test('a new definition that no longer starts it takes a waiting process back to stopped', async () => {
    const { w, sup } = world();
    sup.apply(project(yaml(true)));
    await w.clock.settle(0);
    assert.equal(only(sup, 'api').state, 'waiting');
    sup.apply(project(yaml(false)));
    await w.clock.settle(0);
    assert.equal(only(sup, 'api').state, 'stopped');
  });

  test('a dependent of a dependency that is itself waiting waits too (started)', async () => {
    const { w, sup } = world();
    sup.apply(
      project(`
name: p
services:
  db: { command: [db], ready: { tcp: 127.0.0.1:7010 } }
  api: { command: [api], depends_on: { db: ready } }
  web: { command: [web], depends_on: { api: started } }
`),
    );
    await w.clock.settle(0);
    assert.equal(only(sup, 'api').state, 'waiting');
    assert.equal(only(sup, 'web').state, 'waiting');
    assert.equal(only(sup, 'web').message, 'waiting for api to start');
    assert.equal(w.backend.spawnsOf('web').length, 0);
  });
});

describe('exit 127 and 126 of a shell command', () => {
  test('127 says a program was not found and points at the logs; 126 that it could not be executed', async () => {
    const { w, sup } = world();
    sup.apply(
      project(`
name: p
services:
  missing: { command: nosuchprogram --flag, restart: never }
  noexec: { command: ./data.txt, restart: never }
  listed: { command: [listed], restart: never }
`),
    );
    await w.clock.settle(0);
    w.backend.latest('/bin/sh -c nosuchprogram --flag').exit({ code: 127, signal: null });
    w.backend.latest('/bin/sh -c ./data.txt').exit({ code: 126, signal: null });
    w.backend.latest('listed').exit({ code: 127, signal: null });
    await w.clock.settle(0);
    assert.match(
      only(sup, 'missing').message ?? '',
      /^a program of the command was not found \(the shell's exit 127; see corral logs p\/missing\); /,
    );
    assert.match(
      only(sup, 'noexec').message ?? '',
      /could not be executed \(the shell's exit 126; see corral logs p\/noexec\)/,
    );
    const exited = w.eventsOf('exited', 'missing')[0];
    assert.match(exited?.message ?? '', /not found/);
    // a program of its own that exits 127 is not a shell's "not found"
    assert.doesNotMatch(only(sup, 'listed').message ?? '', /not found/);
  });
});

describe('rolling restart', () => {
  test('a changed service restarts one instance at a time, each ready before the next', async () => {
    const yaml = (version: string) => `
name: p
services:
  web:
    command: [web, "${version}"]
    instances: 3
    ready: { http: http://127.0.0.1:7008/ }
`;
    const { w, sup } = world();
    w.checks.answers.set('http://127.0.0.1:7008/', null);
    sup.apply(project(yaml('v1')));
    await w.clock.settle(1_000);
    w.events.length = 0;
    w.checks.answers.delete('http://127.0.0.1:7008/');
    const result = sup.apply(project(yaml('v2')));
    assert.deepEqual(result.changed, ['web']);
    await w.clock.settle(0);
    const outdated = () => sup.resolve('web').filter((i) => sup.isOutdated(i)).length;
    assert.equal(outdated(), 2, 'the others wait for their turn');
    assert.equal(w.backend.spawnsOf('web v2').length, 1);
    w.checks.answers.set('http://127.0.0.1:7008/', null);
    await w.clock.settle(1_000);
    assert.deepEqual(w.trace(['stopping', 'ready']), [
      'stopping:web:0',
      'ready:web:0',
      'stopping:web:1',
      'ready:web:1',
      'stopping:web:2',
      'ready:web:2',
    ]);
    assert.equal(outdated(), 0);
    assert.equal(w.backend.spawnsOf('web v2').length, 3);
  });
});

describe('MAINPID', () => {
  const yaml =
    'name: p\nservices:\n  svc:\n    command: [launcher]\n    ready: { notify: true }\n    restart: on-failure\n';

  test("a main process named with MAINPID= is followed: the launcher's exit is not the end, the main's is", async () => {
    const { w, sup } = world();
    sup.apply(project(yaml));
    await w.clock.settle(0);
    const launcher = w.backend.latest('launcher');
    const server = w.backend.fork(launcher);
    w.notifySockets.get('p/svc:0')?.({
      pid: launcher.pid,
      uid: 0,
      gid: 0,
      fields: { READY: '1', MAINPID: String(server.pid) },
    });
    await w.clock.settle(0);
    const svc = only(sup, 'svc');
    assert.equal(svc.state, 'running');
    launcher.exit({ code: 0, signal: null }); // the launcher is done: the server goes on
    await w.clock.settle(0);
    assert.equal(svc.state, 'running');
    assert.equal(svc.pid, server.pid, 'ps shows the main process');
    assert.equal(w.eventsOf('exited').length, 0);
    server.exit({ code: 3, signal: null }); // now the service has ended, with the main's status
    await w.clock.settle(0);
    const exited = w.eventsOf('exited');
    assert.equal(exited.length, 1);
    assert.deepEqual([exited[0].pid, exited[0].code, exited[0].reason], [server.pid, 3, 'crashed']);
    assert.equal(w.backend.spawnsOf('launcher').length, 2, 'on-failure restarts it');
  });

  test('a stop of a service with a followed main process reaches it through the group and waits for it', async () => {
    const { w, sup } = world();
    sup.apply(project(yaml));
    await w.clock.settle(0);
    const launcher = w.backend.latest('launcher');
    const server = w.backend.fork(launcher);
    w.notifySockets.get('p/svc:0')?.({
      pid: launcher.pid,
      uid: 0,
      gid: 0,
      fields: { READY: '1', MAINPID: String(server.pid) },
    });
    launcher.exit({ code: 0, signal: null });
    await w.clock.settle(0);
    const stopping = sup.stop([only(sup, 'svc')]);
    await w.clock.settle(0);
    await stopping;
    assert.equal(server.alive, false);
    assert.deepEqual(server.signals, ['SIGTERM']);
    assert.equal(only(sup, 'svc').state, 'stopped');
    assert.deepEqual(w.trace(['stopping', 'exited', 'stopped']), [
      'stopping:svc:0',
      'exited:svc:0',
      'stopped:svc:0',
    ]);
    assert.equal(w.backend.spawnsOf('launcher').length, 1);
  });

  test("a MAINPID outside the service's group is recorded, not followed, and says so", async () => {
    const { w, sup } = world();
    sup.apply(project(yaml));
    await w.clock.settle(0);
    const launcher = w.backend.latest('launcher');
    const stranger = w.backend.fork(launcher);
    stranger.group = stranger.pid; // it left the group (setsid)
    w.notifySockets.get('p/svc:0')?.({
      pid: launcher.pid,
      uid: 0,
      gid: 0,
      fields: { MAINPID: String(stranger.pid) },
    });
    await w.clock.settle(0);
    assert.match(
      only(sup, 'svc').message ?? '',
      /is not in the service's process group .*recorded, not followed/,
    );
    assert.equal(only(sup, 'svc').mainPid, stranger.pid);
  });
});

describe('rolling restart that fails', () => {
  test('an instance that does not come up on the new definition stops the rollout; the rest keep the old one', async () => {
    const yaml = (version: string, port: number) => `
name: p
services:
  web:
    command: [web, "${version}"]
    instances: 3
    ready: { http: "http://127.0.0.1:${port}/", timeout: 1s }
    backoff: { free: 0, initial: 10s }
`;
    const { w, sup } = world();
    w.checks.answers.set('http://127.0.0.1:7012/', null);
    sup.apply(project(yaml('v1', 7012)));
    await w.clock.settle(1_000);
    sup.apply(project(yaml('v2', 7013))); // v2 never answers its ready check
    await w.clock.settle(5_000);
    const [first, ...rest] = sup.resolve('web');
    assert.equal(first.spec.command[1], 'v2');
    assert.notEqual(first.state, 'running');
    for (const r of rest) {
      assert.equal(r.state, 'running');
      assert.equal(r.spec.command[1], 'v1', 'still on the previous definition');
      assert.match(
        r.message ?? '',
        /^rolling restart stopped: p\/web:0 did not become ready on the new definition/,
      );
    }
    assert.equal(w.backend.spawnsOf('web v2').length, 1, 'only the first instance tried the new definition');
    assert.match(
      w.eventsOf('failed').at(-1)?.message ?? '',
      /2 of 3 instances left on the previous definition/,
    );
  });
});

describe('adoption', () => {
  const spec = project('name: p\nservices:\n  api: { command: [api] }\n');
  const record = (state: 'running' | 'stopping' = 'running') => ({
    name: 'p/api:0',
    project: 'p',
    service: 'api',
    instance: 0,
    state,
    pid: 4242,
    start_time: 1,
    boot_id: 'fake-boot',
    started_at: 0,
    restarts: 2,
    streak: 1,
    next_start_at: null,
    last_exit: null,
    waiting: false,
    message: null,
  });

  test('a live process is adopted, not restarted, and its later exit goes to the policy', async () => {
    const { w, sup } = world();
    const adopted = sup.restore(spec, [record()], () => ({ pid: 4242, startTime: 1 }));
    assert.deepEqual(adopted, ['p/api:0']);
    const api = only(sup, 'api');
    assert.equal(api.state, 'running');
    assert.equal(api.pid, 4242);
    assert.equal(api.restarts, 2);
    assert.equal(w.backend.processes.length, 0, 'nothing spawned');
    w.watched.get(4242)?.(null);
    await w.clock.settle(0);
    assert.equal(w.eventsOf('exited')[0].reason, 'unknown');
    assert.equal(w.backend.processes.length, 1, 'restarted by the policy');
    assert.equal(api.restarts, 3);
  });

  test('an adopted process that exits is handled with its real status when the host knows it', async () => {
    const { w, sup } = world();
    const onFailure = project('name: p\nservices:\n  api: { command: [api], restart: on-failure }\n');
    sup.restore(onFailure, [record()], () => ({ pid: 4242, startTime: 1 }));
    w.watched.get(4242)?.({ code: 0, signal: null });
    await w.clock.settle(0);
    const api = only(sup, 'api');
    assert.deepEqual(
      { code: api.lastExit?.code, reason: api.lastExit?.reason, state: api.state },
      { code: 0, reason: 'exited', state: 'exited' },
      'a clean exit is not restarted by on-failure',
    );
    assert.equal(w.backend.processes.length, 0);
  });

  test('processes that ended while no daemon ran are handled with their real statuses', async () => {
    const { w, sup } = world();
    const two = project(`
name: p
services:
  a: { command: [a], restart: on-failure }
  b: { command: [b], restart: on-failure }
  c: { command: [c], restart: on-failure }
`);
    const rec = (name: string, pid: number) => ({ ...record(), name: `p/${name}:0`, service: name, pid });
    w.deadStatuses.set(1, { code: 42, signal: null });
    w.deadStatuses.set(2, { code: null, signal: 'SIGSEGV' });
    w.deadStatuses.set(3, { code: 0, signal: null });
    sup.restore(two, [rec('a', 1), rec('b', 2), rec('c', 3)], () => null);
    await w.clock.settle(0);
    const exits = w.eventsOf('exited').map((e) => [e.service, e.code, e.signal, e.reason]);
    assert.deepEqual(exits, [
      ['a', 42, null, 'crashed'],
      ['b', 139, 'SIGSEGV', 'crashed'],
      ['c', 0, null, 'exited'],
    ]);
    assert.deepEqual(
      w.backend.processes.map((p) => p.request.argv[0]),
      ['a', 'b'],
      'on-failure restarts the two that failed, not the clean one',
    );
  });

  test('an adopted process whose exit cannot be watched is kept, not killed, and the reason is said', async () => {
    const { w, sup } = world();
    w.unwatchable.set(4242, 'pidfd_open: EMFILE: too many open files');
    sup.restore(spec, [record()], () => ({ pid: 4242, startTime: 1 }));
    await w.clock.settle(1_000);
    const api = only(sup, 'api');
    assert.equal(api.state, 'running');
    assert.equal(api.pid, 4242);
    assert.match(api.message ?? '', /its exit cannot be watched \(pidfd_open: EMFILE/);
    assert.match(w.eventsOf('adopted')[0].message ?? '', /EMFILE/);
    assert.equal(w.eventsOf('exited').length, 0);
    assert.equal(w.backend.processes.length, 0);
  });

  test('a stop of an adopted process whose exit cannot be watched ends stopped once it is gone', async () => {
    const { w, sup } = world();
    w.unwatchable.set(4242, 'pidfd_open: EMFILE: too many open files');
    sup.restore(spec, [record()], () => ({ pid: 4242, startTime: 1 }));
    await w.clock.settle(0);
    const api = only(sup, 'api');
    let done = false;
    void sup.stop([api]).then(() => {
      done = true;
    });
    await w.clock.settle(30_000);
    assert.ok(done);
    assert.equal(api.state, 'stopped', String(api.message));
    assert.equal(api.lastExit?.code, null, 'its status is lost');
    assert.deepEqual(w.trace(['stopping', 'exited', 'stopped']), [
      'stopping:api:0',
      'exited:api:0',
      'stopped:api:0',
    ]);
  });

  test('while an unwatched adopted process is still alive, its stop says it could not stop it', async () => {
    const { w, sup } = world();
    w.unwatchable.set(4242, 'pidfd_open: EMFILE: too many open files');
    w.backend.adoptedAlive.add(4242);
    sup.restore(spec, [record()], () => ({ pid: 4242, startTime: 1 }));
    await w.clock.settle(0);
    void sup.stop([only(sup, 'api')]);
    await w.clock.settle(30_000);
    assert.equal(only(sup, 'api').state, 'failed');
    assert.match(only(sup, 'api').message ?? '', /could not stop pid 4242/);
  });

  test('a process that died while no daemon ran is handled once, without signalling its old group', async () => {
    const { w, sup } = world();
    sup.restore(spec, [record()], () => null);
    await w.clock.settle(0);
    assert.equal(w.eventsOf('exited').length, 1);
    assert.equal(w.eventsOf('exited')[0].reason, 'unknown');
    assert.equal(w.backend.processes.length, 1, 'one new start');
    assert.deepEqual(
      w.backend.processes[0].signals,
      [],
      'the old pid may be someone else by now: no signal to its group',
    );
  });

  test('a stop that had given up is tried again by the next daemon, and a dead one is not restarted', async () => {
    const { w, sup } = world();
    const failedRec = { ...record(), state: 'failed' as const, message: 'could not stop pid 4242: …' };
    sup.restore(spec, [failedRec], () => ({ pid: 4242, startTime: 1 }));
    await w.clock.settle(0);
    assert.deepEqual(w.trace(['adopted', 'stopping']), ['adopted:api:0', 'stopping:api:0']);
    const w2 = new FakeWorld();
    const sup2 = new Supervisor(w2.host());
    sup2.restore(spec, [failedRec], () => null);
    await w2.clock.settle(0);
    assert.equal(only(sup2, 'api').state, 'stopped');
    assert.equal(w2.backend.processes.length, 0, 'not restarted');
    void w;
  });

  test('an adopted notify service that was starting listens on its notify socket again, and READY=1 counts', async () => {
    const { w, sup } = world();
    const notifySpec = project(
      'name: p\nservices:\n  api:\n    command: [api]\n    ready: { notify: true }\n',
    );
    sup.restore(notifySpec, [{ ...record(), state: 'starting' }], () => ({ pid: 4242, startTime: 1 }));
    await w.clock.settle(0);
    const listen = w.notifySockets.get('p/api:0');
    assert.ok(listen, 'the notify socket is open again');
    listen({ pid: 4242, uid: 0, gid: 0, fields: { READY: '1', STATUS: 'serving' } });
    await w.clock.settle(0);
    assert.equal(only(sup, 'api').state, 'running');
    assert.equal(only(sup, 'api').statusText, 'serving');
  });

  test('a process checking its ready target when the daemon died is started by the next one', async () => {
    const { w, sup } = world();
    const spec2 = project(
      'name: p\nservices:\n  api:\n    command: [api]\n    ready: { tcp: 127.0.0.1:7011 }\n',
    );
    sup.restore(spec2, [{ ...record(), state: 'starting', pid: null }], () => null);
    await w.clock.settle(0);
    assert.equal(w.backend.spawnsOf('api').length, 1);
  });

  test('a process that was being stopped and died meanwhile ends stopped', async () => {
    const { w, sup } = world();
    sup.restore(spec, [record('stopping')], () => null);
    await w.clock.settle(0);
    assert.equal(only(sup, 'api').state, 'stopped');
    assert.equal(w.backend.processes.length, 0);
  });
});
