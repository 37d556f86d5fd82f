// The daemon's side of sd_notify, received by a real datagram socket (corral's own receiver, the
// same kind of socket systemd listens on).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createNotifySocket } from '../../../src/process/notify-socket.js';
import { formatNotifyFields, sdNotify, watchdogIntervalMs } from '../../../src/process/sd-notify.js';
import { tempHome } from '../../helpers/home.js';

test('READY, MAINPID and STATUS reach the socket at NOTIFY_SOCKET, sent by this process', (t) => {
  const home = tempHome();
  const receiver = createNotifySocket(join(home.dir, 'systemd', 'notify'));
  t.after(() => {
    receiver.close();
    home.cleanup();
  });
  const env = { NOTIFY_SOCKET: receiver.path };
  assert.equal(
    sdNotify({ READY: '1', MAINPID: String(process.pid), STATUS: '3 services\nrunning' }, env),
    true,
  );
  assert.equal(sdNotify({ STOPPING: '1' }, env), true);
  // a datagram is queued by the time sendto returns: no wait needed
  assert.deepEqual(receiver.drain(), [
    {
      pid: process.pid,
      uid: process.getuid!(),
      gid: process.getgid!(),
      fields: { READY: '1', MAINPID: String(process.pid), STATUS: '3 services running' },
    },
    { pid: process.pid, uid: process.getuid!(), gid: process.getgid!(), fields: { STOPPING: '1' } },
  ]);
});

test('an abstract NOTIFY_SOCKET ("@name") works as systemd writes it', (t) => {
  const receiver = createNotifySocket(`@corral-test/${process.pid}/systemd`);
  t.after(() => receiver.close());
  assert.equal(sdNotify({ WATCHDOG: '1' }, { NOTIFY_SOCKET: receiver.path }), true);
  assert.deepEqual(
    receiver.drain().map((m) => m.fields),
    [{ WATCHDOG: '1' }],
  );
});

test('without a reachable NOTIFY_SOCKET nothing is sent and nothing throws', (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  assert.equal(sdNotify({ READY: '1' }, {}), false);
  assert.equal(sdNotify({ READY: '1' }, { NOTIFY_SOCKET: '' }), false);
  assert.equal(sdNotify({ READY: '1' }, { NOTIFY_SOCKET: 'vsock:2:1234' }), false);
  assert.equal(sdNotify({ READY: '1' }, { NOTIFY_SOCKET: join(home.dir, 'nobody-here') }), false);
  assert.equal(sdNotify({ READY: '1' }, { NOTIFY_SOCKET: `/${'x'.repeat(200)}` }), false);
});

test('field names are checked; a newline in a value cannot forge another field', () => {
  assert.equal(formatNotifyFields({ STATUS: 'a\nREADY=1' }), 'STATUS=a READY=1\n');
  assert.throws(() => formatNotifyFields({ 'READY=1\nX': '1' }), /Expected an sd_notify field name/);
});

test('watchdog: half of WATCHDOG_USEC, only for the process WATCHDOG_PID names', () => {
  assert.equal(watchdogIntervalMs({}, 10), null);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000' }, 10), 15_000);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '10' }, 10), 15_000);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '11' }, 10), null);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '0' }, 10), null);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: 'soon' }, 10), null);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '1000' }, 10), 1);
});
