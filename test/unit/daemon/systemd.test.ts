// The daemon's systemd integration against a real notify socket and a fake clock: READY with
// MAINPID, STATUS coalesced to one per event-loop turn and none after STOPPING, the watchdog
// beating every half WATCHDOG_USEC.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Systemd } from '../../../src/daemon/systemd.js';
import { createNotifySocket } from '../../../src/process/notify-socket.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { tempHome } from '../../helpers/home.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('READY, coalesced STATUS, watchdog on the clock, STOPPING; the variables leave the environment', async (t) => {
  const home = tempHome();
  const socket = createNotifySocket(join(home.dir, 'notify.sock'));
  t.after(() => {
    socket.close();
    home.cleanup();
  });
  const env: NodeJS.ProcessEnv = {
    NOTIFY_SOCKET: socket.path,
    WATCHDOG_USEC: '2000000',
    WATCHDOG_PID: String(process.pid),
    KEEP: 'me',
  };
  const clock = new FakeClock();
  const systemd = Systemd.capture(clock, env);
  assert.deepEqual(env, { KEEP: 'me' }, 'no service inherits them');
  const sent = (): Array<Record<string, string>> => socket.drain().map((m) => m.fields);

  systemd.ready('0 of 1 processes running');
  assert.deepEqual(sent(), [
    { READY: '1', MAINPID: String(process.pid), STATUS: '0 of 1 processes running' },
  ]);

  let n = 0;
  for (let i = 0; i < 5; i++) systemd.statusChanged(() => `status ${++n}`);
  assert.deepEqual(sent(), [], 'not before the turn ends');
  await turn();
  assert.deepEqual(sent(), [{ STATUS: 'status 1' }], 'five changes, one STATUS');

  clock.advance(999);
  assert.deepEqual(sent(), []);
  clock.advance(1);
  assert.deepEqual(sent(), [{ WATCHDOG: '1' }], 'half of WATCHDOG_USEC');
  clock.advance(2000);
  assert.deepEqual(sent(), [{ WATCHDOG: '1' }, { WATCHDOG: '1' }]);

  systemd.statusChanged(() => 'late');
  systemd.stoppingNow('stopping services');
  await turn();
  assert.deepEqual(sent(), [{ STOPPING: '1', STATUS: 'stopping services' }], 'no STATUS after STOPPING');
  systemd.close();
  clock.advance(10_000);
  assert.deepEqual(sent(), [], 'no heartbeat after close');
});

test('without NOTIFY_SOCKET every call is a no-op', () => {
  const clock = new FakeClock();
  const systemd = Systemd.capture(clock, { WATCHDOG_USEC: '2000000' });
  assert.equal(systemd.active, false);
  systemd.ready('x');
  assert.equal(clock.armed, 0, 'no watchdog without systemd');
  systemd.statusChanged(() => 'y');
  systemd.stoppingNow('z');
  clock.advance(10_000);
  systemd.close();
});
