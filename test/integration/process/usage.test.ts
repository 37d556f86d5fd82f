// CPU and memory of process trees as the sampler reports them, checked against the kernel's own
// counters read around each sample; the sampler's clock is the test's where a window matters.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { clockTicks, pageSize, readProcStat } from '../../../src/process/procfs.js';
import { spawnService } from '../../../src/process/spawn.js';
import { MIN_WINDOW_MS, UsageSampler } from '../../../src/process/usage.js';
import { fixture, type TempHome, tempHome } from '../../helpers/home.js';
import { waitFor } from '../../helpers/wait.js';
import { capture, type Started, startFixture, testEnv } from './support.js';

/** User + system time of `pid` and of the children it waited for, in clock ticks (what the sampler sums). */
function cpuTicksOf(pid: number): number {
  const s = readProcStat(pid)!;
  return s.utimeTicks + s.stimeTicks + s.childUtimeTicks + s.childStimeTicks;
}

/** A process that spins on one core from the moment it says "ready". */
function startBusy(home: TempHome): Started {
  const r = spawnService({
    argv: [process.execPath, '-e', 'console.log("ready"); for (;;) {}'],
    cwd: home.dir,
    env: testEnv(home),
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  assert.ok(!('error' in r));
  home.track(r.pid);
  return capture(r.child, r.pid, r.startTime);
}

function vmRssBytes(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))![1];
  return Number(kb) * 1024;
}

test('RSS of a single process is what the kernel reports', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const p = startFixture(home, 'forever.mjs');
  await p.line('ready');
  const usage = new UsageSampler().sample([p.pid]).get(p.pid)!;
  const kernel = vmRssBytes(p.pid);
  assert.ok(usage.rssBytes > 10 * 1024 * 1024 && usage.rssBytes < 1024 ** 3, `rss ${usage.rssBytes}`);
  assert.ok(Math.abs(usage.rssBytes - kernel) < kernel * 0.2, `sampled ${usage.rssBytes}, VmRSS ${kernel}`);
});

test('RSS covers the process tree: the leader’s children count', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const forker = startFixture(home, 'forker.mjs');
  const { child } = JSON.parse(await forker.line('"child"')) as { child: number };
  const leaderOnly = readProcStat(forker.pid)!.rssPages * pageSize;
  const childOnly = readProcStat(child)!.rssPages * pageSize;
  const tree = new UsageSampler().sample([forker.pid]).get(forker.pid)!;
  assert.ok(
    tree.rssBytes > (leaderOnly + childOnly) * 0.8,
    `tree ${tree.rssBytes}, ${leaderOnly} + ${childOnly}`,
  );
});

test('RSS covers orphans: a process whose parent exited is still the service’s', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  // the leader runs double-fork.mjs, whose child outlives it and is re-parented away from the
  // leader, then becomes `sleep`: the orphan is no descendant of the leader, but in its session
  const script = `"${process.execPath}" "${fixture('double-fork.mjs')}"; exec sleep 1000`;
  const r = spawnService({
    argv: ['/bin/sh', '-c', script],
    cwd: home.dir,
    env: testEnv(home),
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  assert.ok(!('error' in r));
  home.track(r.pid);
  const leader = capture(r.child, r.pid, r.startTime);
  const { child } = JSON.parse(await leader.line('"child"')) as { child: number };
  await waitFor(() => readProcStat(r.pid)?.comm === 'sleep', { what: 'the leader to exec sleep' });
  const orphan = readProcStat(child)!;
  assert.notEqual(orphan.ppid, r.pid);
  assert.equal(orphan.session, r.pid);
  const leaderOnly = readProcStat(r.pid)!.rssPages * pageSize;
  const tree = new UsageSampler().sample([r.pid]).get(r.pid)!;
  assert.ok(tree.rssBytes - leaderOnly > orphan.rssPages * pageSize * 0.8, `tree ${tree.rssBytes}`);
});

test('CPU: a busy and an idle process each show the CPU time they used over the window', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const busy = startBusy(home);
  const idle = startFixture(home, 'forever.mjs');
  await Promise.all([busy.line('ready'), idle.line('ready')]);
  // the sampler's clock is the test's: the window is exactly 1 s whatever the machine's load,
  // and the kernel's counters read around each sample bound what the sampler can have seen
  let now = 0;
  const sampler = new UsageSampler(() => now);
  const pids = [busy.pid, idle.pid];
  const a = pids.map(cpuTicksOf);
  sampler.sample(pids);
  const b = pids.map(cpuTicksOf);
  await waitFor(() => cpuTicksOf(busy.pid) >= b[0] + 20, { what: 'the busy process to use 200 ms of CPU' });
  now += 1000;
  const c = pids.map(cpuTicksOf);
  const usage = sampler.sample(pids);
  const d = pids.map(cpuTicksOf);
  const percentOf = (ticks: number): number => (ticks / clockTicks) * 100; // over 1 s
  for (const [i, pid] of pids.entries()) {
    const value = usage.get(pid)!.cpuPercent;
    const low = percentOf(c[i] - b[i]) - 0.1;
    const high = percentOf(d[i] - a[i]) + 0.1;
    assert.ok(value >= low && value <= high, `pid ${pid}: ${value}%, the kernel says ${low}..${high}%`);
  }
  assert.ok(usage.get(busy.pid)!.cpuPercent >= 20, 'the busy one shows its 200 ms');
  assert.ok(usage.get(idle.pid)!.cpuPercent < usage.get(busy.pid)!.cpuPercent / 4, 'the idle one far less');
});

test('the first sample of a process is its average since it started', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const p = startFixture(home, 'forever.mjs');
  await p.line('ready');
  // starting node costs CPU: the average since start is above zero, and far below 100 x cores
  const first = await waitFor(() => new UsageSampler().sample([p.pid]).get(p.pid)!.cpuPercent || null, {
    what: 'a start-up CPU average',
  });
  assert.ok(first > 0 && first < 400, `${first}%`);
});

test('samples closer together than MIN_WINDOW_MS repeat the last CPU value', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const busy = startBusy(home);
  await busy.line('ready');
  let now = 1_000;
  const sampler = new UsageSampler(() => now);
  const a = cpuTicksOf(busy.pid);
  const first = sampler.sample([busy.pid]).get(busy.pid)!.cpuPercent;
  const b = cpuTicksOf(busy.pid);
  // CPU time goes on in the background (10 ticks more), but within the window the value stays put
  await waitFor(() => cpuTicksOf(busy.pid) >= b + 10, { what: 'the busy process to use 100 ms of CPU' });
  now += MIN_WINDOW_MS - 1;
  assert.equal(sampler.sample([busy.pid]).get(busy.pid)!.cpuPercent, first);
  // past the window, a new value: the CPU time since the first sample over the whole (fake)
  // window, whatever real time passed meanwhile
  now += 1;
  const c = cpuTicksOf(busy.pid);
  const later = sampler.sample([busy.pid]).get(busy.pid)!.cpuPercent;
  const d = cpuTicksOf(busy.pid);
  const percentOf = (ticks: number): number => (ticks / clockTicks / (MIN_WINDOW_MS / 1000)) * 100;
  const low = percentOf(c - b) - 0.1;
  const high = percentOf(d - a) + 0.1;
  assert.ok(later >= low && later <= high, `${later}%, the kernel says ${low}..${high}%`);
});

test('another look in between does not shrink the window: CPU% is over the recent window, not since the last look', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const busy = startBusy(home);
  await busy.line('ready');
  let now = 0;
  const sampler = new UsageSampler(() => now, 5_000);
  const a = cpuTicksOf(busy.pid);
  sampler.sample([busy.pid]); // one reader's look
  const b = cpuTicksOf(busy.pid);
  await waitFor(() => cpuTicksOf(busy.pid) >= b + 40, { what: 'the busy process to use 400 ms of CPU' });
  now = 1_000;
  sampler.sample([busy.pid]); // another reader's look
  now = 1_600; // the first reader again, 600 ms of (fake) time later, with next to no CPU time since
  const c = cpuTicksOf(busy.pid);
  const value = sampler.sample([busy.pid]).get(busy.pid)!.cpuPercent;
  const d = cpuTicksOf(busy.pid);
  // the window starts at the first look, 1.6 s ago: the CPU time since then over 1.6 s
  const percentOf = (ticks: number): number => (ticks / clockTicks / 1.6) * 100;
  const low = percentOf(c - b) - 0.1;
  const high = percentOf(d - a) + 0.1;
  assert.ok(value >= low && value <= high, `${value}%, the kernel says ${low}..${high}% over the window`);
  // past the window, the look before it counts: the average since then, however long ago
  now = 60_000;
  const e = cpuTicksOf(busy.pid);
  const late = sampler.sample([busy.pid]).get(busy.pid)!.cpuPercent;
  const f = cpuTicksOf(busy.pid);
  const since = (ticks: number): number => (ticks / clockTicks / 58.4) * 100;
  assert.ok(late >= since(e - d) - 0.1 && late <= since(f - c) + 0.1, `${late}% since the last look`);
});

test('pids that are gone are left out; an empty list costs nothing', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const p = startFixture(home, 'exit-with.mjs', ['0']);
  await p.exited;
  const sampler = new UsageSampler();
  assert.equal(sampler.sample([p.pid]).size, 0);
  assert.equal(sampler.sample([]).size, 0);
});

test('a sample at most maxAgeMs old answers again without reading /proc; a new pid is read', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const busy = startBusy(home);
  const idle = startFixture(home, 'forever.mjs');
  await Promise.all([busy.line('ready'), idle.line('ready')]);
  let now = 0;
  const sampler = new UsageSampler(() => now);
  const first = sampler.sample([busy.pid]).get(busy.pid)!;
  const b = cpuTicksOf(busy.pid);
  await waitFor(() => cpuTicksOf(busy.pid) >= b + 10, { what: 'the busy process to use 100 ms of CPU' });
  now += 1_000;
  assert.deepEqual(sampler.sample([busy.pid], 1_000).get(busy.pid), first, 'the kept figures, as they were');
  assert.equal(sampler.scans, 1);
  // a pid not sampled yet makes a new scan, for every pid asked
  const both = sampler.sample([busy.pid, idle.pid], 1_000);
  assert.equal(sampler.scans, 2);
  assert.ok(both.get(idle.pid)!.rssBytes > 0);
  assert.ok(both.get(busy.pid)!.cpuSeconds > first.cpuSeconds, 'read again: its CPU time went on');
  now += 1_001;
  sampler.sample([busy.pid, idle.pid], 1_000);
  assert.equal(sampler.scans, 3, 'older than maxAgeMs: read again');
});

test('cpuSeconds is the tree’s CPU time since it started, and only grows', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const busy = startBusy(home);
  await busy.line('ready');
  let now = 0;
  const sampler = new UsageSampler(() => now);
  const a = cpuTicksOf(busy.pid);
  const first = sampler.sample([busy.pid]).get(busy.pid)!.cpuSeconds;
  const b = cpuTicksOf(busy.pid);
  assert.ok(
    first >= a / clockTicks && first <= b / clockTicks,
    `${first} s, the kernel says ${a}..${b} ticks`,
  );
  await waitFor(() => cpuTicksOf(busy.pid) >= b + 20, { what: 'the busy process to use 200 ms of CPU' });
  now += 100; // within MIN_WINDOW_MS: CPU% repeats, the counter does not
  const later = sampler.sample([busy.pid]).get(busy.pid)!.cpuSeconds;
  // counted in clock ticks: 0.04 + 0.2 is not 0.24 in floating point
  assert.ok(Math.round((later - first) * clockTicks) >= 20, `${first} s, then ${later} s`);
});
