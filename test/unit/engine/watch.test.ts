// Restart on change in the engine, with the fake clock and a fake file watch: a burst of changes
// is one restart, a burst that goes on restarts once its maximum wait is over, every instance
// restarts through a stop and a start, a stopped one stays stopped, and the event names the file.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DEFAULTS } from '../../../src/defaults.js';
import { Supervisor } from '../../../src/engine/supervisor.js';
import { ChangeBurst } from '../../../src/engine/watch.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { FakeWorld, project } from './fake-host.js';

const { watchQuietMs: QUIET, watchMaxWaitMs: MAX_WAIT } = DEFAULTS.internal;

describe('a burst of changes', () => {
  test('20 changes 40 ms apart are one burst, fired once the changes have been quiet', () => {
    const clock = new FakeClock();
    const fired: Array<[string, number]> = [];
    const burst = new ChangeBurst(clock, (first, count) => fired.push([first, count]));
    for (let i = 0; i < 20; i++) {
      burst.add(`/p/f${i}.js`);
      clock.advance(40);
    }
    assert.deepEqual(fired, []);
    clock.advance(QUIET);
    assert.deepEqual(fired, [['/p/f0.js', 20]]);
    clock.advance(10 * MAX_WAIT);
    assert.equal(fired.length, 1, 'nothing more without a change');
  });

  test('a burst that goes on fires at its maximum wait, and the rest is the next burst', () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    const burst = new ChangeBurst(clock, () => fired.push(clock.now()));
    const start = clock.now();
    const step = Math.floor(QUIET / 2);
    for (let t = 0; t < MAX_WAIT * 1.5; t += step) {
      burst.add('/p/out.js');
      clock.advance(step);
    }
    assert.deepEqual(
      fired.map((at) => at - start),
      [MAX_WAIT],
    );
    clock.advance(QUIET);
    assert.equal(fired.length, 2);
  });
});

describe('restart on change', () => {
  function watched(instances = 2) {
    const w = new FakeWorld();
    const host = w.host();
    let change: ((path: string) => void) | null = null;
    let closed = 0;
    host.watchFiles = (patterns, onChange) => {
      assert.deepEqual(patterns, [join(tmpdir(), '**/*.js')]);
      change = onChange;
      return () => {
        closed++;
        change = null;
      };
    };
    const sup = new Supervisor(host);
    const spec = project(
      `name: p\nservices:\n  api:\n    command: [api]\n    instances: ${instances}\n    watch: ["**/*.js"]\n    backoff: { free: 0, initial: 10s }\n  db:\n    command: [db]\n`,
    );
    sup.apply(spec);
    return {
      w,
      sup,
      save: (file: string) => change?.(join(tmpdir(), file)),
      closed: () => closed,
      watching: () => change !== null,
    };
  }

  test('every instance is stopped and started again, once per burst; the event names the file', async () => {
    const { w, save } = watched();
    await w.clock.settle(0);
    const first = w.backend.spawnsOf('api').map((p) => p.pid);
    assert.equal(first.length, 2);
    for (let i = 0; i < 20; i++) {
      save(i === 0 ? 'src/server.js' : `src/f${i}.js`);
      await w.clock.settle(40);
    }
    await w.clock.settle(QUIET);
    const scheduled = w.eventsOf('restart-scheduled', 'api');
    assert.equal(scheduled.length, 2, 'one per instance');
    for (const e of scheduled) {
      assert.equal(e.reason, 'file-changed');
      assert.equal(e.message, 'src/server.js changed (and 19 more changes)');
    }
    await w.clock.settle(100);
    const spawned = w.backend.spawnsOf('api');
    assert.equal(spawned.length, 4, 'each instance once more');
    assert.ok(
      first.every((pid) => !spawned.find((p) => p.pid === pid)?.alive),
      'the old processes were stopped',
    );
    assert.deepEqual(w.trace(['stopping', 'stopped']).filter((x) => x.includes('api')).length, 4);
    assert.equal(w.backend.spawnsOf('db').length, 1, 'a service without watch is not touched');
  });

  test('a stopped instance stays stopped; one that ended is started again', async () => {
    const { w, sup, save } = watched(2);
    await w.clock.settle(0);
    const [a0, a1] = sup.resolve('api');
    await sup.stop([a0]);
    w.backend.spawnsOf('api')[1].exit({ code: 1, signal: null });
    await w.clock.settle(0);
    assert.equal(a1.state, 'backoff');
    save('x.js');
    await w.clock.settle(QUIET + 10);
    assert.equal(a0.state, 'stopped');
    assert.equal(a1.state, 'running');
    assert.equal(w.eventsOf('restart-scheduled', 'api').filter((e) => e.reason === 'file-changed').length, 1);
  });

  test('the watch ends with the service, and a new list is watched without a restart', async () => {
    const { w, sup, closed, watching } = watched(1);
    await w.clock.settle(0);
    const without = project(
      'name: p\nservices:\n  api:\n    command: [api]\n    backoff: { free: 0, initial: 10s }\n  db:\n    command: [db]\n',
    );
    const result = sup.apply(without);
    assert.deepEqual(result.unchanged.sort(), ['api', 'db'], 'dropping watch: restarts nothing');
    assert.equal(closed(), 1);
    assert.equal(watching(), false);
    sup.close();
  });
});
