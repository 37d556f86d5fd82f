// The one sampler's readers on a fake clock: no timer while nobody follows the usage stream, one
// while someone does, and every reader (ps, /metrics, the stream) gets the same sample. The
// sampler is real (it reads /proc for this test's own process); its clock is the fake one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UsageReport } from '../../../src/api/schemas.js';
import { UsageFeed } from '../../../src/metrics/usage-feed.js';
import { UsageSampler } from '../../../src/process/usage.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const INTERVAL = 2_000;
const REUSE = 500;

function setup(): { clock: FakeClock; sampler: UsageSampler; feed: UsageFeed } {
  const clock = new FakeClock();
  const sampler = new UsageSampler(() => clock.now());
  const feed = new UsageFeed({
    sampler,
    running: () => [{ name: 'shop/api:0', pid: process.pid }],
    clock,
    intervalMs: INTERVAL,
    reuseMs: REUSE,
  });
  return { clock, sampler, feed };
}

test('nobody following: no timer at all; a request samples once and is reused for reuseMs', () => {
  const { clock, sampler, feed } = setup();
  assert.equal(clock.armed, 0);
  const first = feed.report();
  assert.equal(sampler.scans, 1);
  assert.deepEqual(
    first.processes.map((p) => [p.name, p.pid]),
    [['shop/api:0', process.pid]],
  );
  assert.ok(first.processes[0].memory > 1024 * 1024, 'memory is the RSS in bytes');
  clock.advance(REUSE);
  assert.deepEqual(feed.figures([process.pid]).get(process.pid)!.rssBytes, first.processes[0].memory);
  assert.equal(sampler.scans, 1, 'a request within reuseMs reads no /proc');
  clock.advance(1);
  feed.figures([process.pid]);
  assert.equal(sampler.scans, 2, 'an older sample is taken again');
  clock.advance(60_000);
  assert.equal(clock.armed, 0, 'still no timer');
  assert.equal(sampler.scans, 2, 'and no sample nobody asked for');
});

test('a follower gets a report at once and every interval; the last one gone, the timer stops', () => {
  const { clock, sampler, feed } = setup();
  const got: UsageReport[] = [];
  const off = feed.follow((r) => got.push(r));
  assert.equal(got.length, 1, 'one report at once');
  assert.equal(clock.armed, 1);
  clock.advance(INTERVAL - 1);
  assert.equal(got.length, 1);
  clock.advance(1);
  assert.equal(got.length, 2);
  assert.equal(got[1].time, new Date(clock.now()).toISOString());
  const second: UsageReport[] = [];
  const off2 = feed.follow((r) => second.push(r));
  assert.equal(second.length, 1, 'a second follower gets the latest figures at once');
  assert.deepEqual(second[0].processes, got[1].processes, 'the same figures, not a new sample');
  assert.equal(clock.armed, 1, 'still one timer for both');
  const scans = sampler.scans;
  clock.advance(INTERVAL);
  assert.equal(sampler.scans, scans + 1, 'one sample per tick, whatever the number of followers');
  assert.deepEqual(second[1], got[2], 'both get the same report');
  off();
  assert.equal(clock.armed, 1, 'one follower left');
  off2();
  assert.equal(clock.armed, 0, 'nobody follows: the timer is cancelled at once');
  clock.advance(INTERVAL);
  assert.equal(got.length, 3);
  assert.equal(sampler.scans, scans + 1, 'and no sample');
});

test('while someone follows, ps and /metrics get the figures the stream sent last', () => {
  const { clock, sampler, feed } = setup();
  const got: UsageReport[] = [];
  const off = feed.follow((r) => got.push(r));
  clock.advance(INTERVAL);
  const scans = sampler.scans;
  clock.advance(INTERVAL - 1);
  const u = feed.figures([process.pid]).get(process.pid)!;
  assert.equal(sampler.scans, scans, 'no new sample');
  const last = got[got.length - 1].processes[0];
  assert.deepEqual([u.cpuPercent, u.rssBytes], [last.cpu, last.memory]);
  off();
});
