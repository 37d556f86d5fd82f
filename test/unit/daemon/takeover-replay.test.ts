// state.json lags the journal by a few ms: what the journal recorded after it is replayed onto
// the records before they are restored, so that nothing is found dead twice or missed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CorralEvent } from '../../../src/api/schemas.js';
import { replay } from '../../../src/daemon/takeover.js';
import type { ProcessRecord } from '../../../src/engine/record.js';

function record(over: Partial<ProcessRecord> = {}): ProcessRecord {
  return {
    name: 'p/web:0',
    project: 'p',
    service: 'web',
    instance: 0,
    state: 'running',
    pid: 100,
    start_time: 5000,
    boot_id: 'b',
    started_at: 1,
    restarts: 2,
    streak: 1,
    next_start_at: null,
    last_exit: null,
    waiting: false,
    message: null,
    ...over,
  };
}

function event(type: string, over: Partial<CorralEvent> = {}): CorralEvent {
  return {
    time: '2026-11-30T03:00:00.000Z',
    type,
    project: 'p',
    service: 'web',
    instance: 0,
    pid: null,
    code: null,
    signal: null,
    reason: null,
    delay_ms: null,
    message: null,
    ...over,
  };
}

const at = Date.parse('2026-11-30T03:00:00.000Z');

test('an exit recorded after the snapshot is not found dead again: the record is in backoff', () => {
  const rec = record();
  replay(
    [rec],
    [
      event('exited', { pid: 100, code: 3, reason: 'crashed' }),
      event('restart-scheduled', { reason: 'crashed', delay_ms: 250 }),
    ],
    new Map(),
    'b',
  );
  assert.equal(rec.pid, null);
  assert.equal(rec.state, 'backoff');
  assert.equal(rec.next_start_at, at + 250);
  assert.deepEqual(rec.last_exit, { code: 3, signal: null, reason: 'crashed', at });
  assert.equal(rec.restarts, 3);
  assert.equal(rec.streak, 2);
});

test('a process spawned after the snapshot becomes the record’s, with the start time its keeper knows', () => {
  const rec = record({ state: 'backoff', pid: null, start_time: null, boot_id: null, next_start_at: at });
  replay(
    [rec],
    [event('spawned', { pid: 200 }), event('ready', { pid: 200 })],
    new Map([[200, 7777]]),
    'boot-2',
  );
  assert.equal(rec.pid, 200);
  assert.equal(rec.start_time, 7777);
  assert.equal(rec.boot_id, 'boot-2');
  assert.equal(rec.state, 'running');
  assert.equal(rec.next_start_at, null);
});

test('one no keeper held has no start time: found by proof of ownership if it lives, else its end is unknown', () => {
  const rec = record({ state: 'backoff', pid: null });
  replay([rec], [event('spawned', { pid: 300 })], new Map(), 'b');
  assert.equal(rec.pid, 300);
  assert.equal(rec.start_time, null);
  assert.equal(rec.boot_id, null);
  assert.equal(rec.state, 'starting');
});

test('the exit of another pid, or another instance’s events, change nothing', () => {
  const rec = record();
  const before = { ...rec };
  replay([rec], [event('exited', { pid: 999, code: 1 }), event('stopped', { instance: 1 })], new Map(), 'b');
  assert.deepEqual(rec, before);
});
