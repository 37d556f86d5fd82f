// The idle timer on a fake clock: it never fires while a service runs or a client is
// connected, and fires `ms` after the last of them ends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IdleTimer } from '../../../src/daemon/idle.js';
import { FakeClock } from '../../helpers/fake-clock.js';

function setup(ms = 1000): { clock: FakeClock; timer: IdleTimer; fired: number[]; busy: { value: boolean } } {
  const clock = new FakeClock();
  const busy = { value: false };
  const fired: number[] = [];
  const timer = new IdleTimer({ clock, ms, busy: () => busy.value, onIdle: () => fired.push(clock.now()) });
  return { clock, timer, fired, busy };
}

test('with nothing running and no client, it fires once, ms after it was armed', () => {
  const { clock, timer, fired } = setup(1000);
  const start = clock.now();
  timer.check();
  clock.advance(999);
  assert.deepEqual(fired, []);
  clock.advance(1);
  assert.deepEqual(fired, [start + 1000]);
  timer.check();
  clock.advance(5000);
  assert.equal(fired.length, 1, 'once only');
});

test('a running service holds it off however long it runs; it fires ms after the service ends', () => {
  const { clock, timer, fired, busy } = setup(1000);
  timer.check();
  clock.advance(500);
  busy.value = true;
  timer.check();
  clock.advance(60_000);
  assert.deepEqual(fired, [], 'not while a service runs');
  busy.value = false;
  const ended = clock.now();
  timer.check();
  clock.advance(999);
  assert.deepEqual(fired, []);
  clock.advance(1);
  assert.deepEqual(fired, [ended + 1000]);
});

test('a connected client holds it off; it fires ms after the last client leaves', () => {
  const { clock, timer, fired } = setup(1000);
  timer.clientConnected();
  timer.clientConnected();
  clock.advance(10_000);
  timer.clientGone();
  clock.advance(10_000);
  assert.deepEqual(fired, [], 'one client is still connected');
  timer.clientGone();
  const left = clock.now();
  clock.advance(1000);
  assert.deepEqual(fired, [left + 1000]);
});

test('a service that starts and ends again restarts the wait from its end', () => {
  const { clock, timer, fired, busy } = setup(1000);
  timer.check();
  clock.advance(900);
  busy.value = true;
  timer.check();
  clock.advance(50);
  busy.value = false;
  timer.check();
  const ended = clock.now();
  clock.advance(999);
  assert.deepEqual(fired, [], 'the first wait was cancelled, the new one is not due');
  clock.advance(1);
  assert.deepEqual(fired, [ended + 1000]);
});

test('0 means never, and cancel() disarms it for good', () => {
  const never = setup(0);
  never.timer.check();
  never.clock.advance(1e9);
  assert.deepEqual(never.fired, []);
  assert.equal(never.clock.armed, 0);
  const cancelled = setup(1000);
  cancelled.timer.check();
  cancelled.timer.cancel();
  cancelled.timer.check();
  cancelled.clock.advance(10_000);
  assert.deepEqual(cancelled.fired, []);
});
