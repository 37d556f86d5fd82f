import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { pageSize, readProcStat } from '../../../src/process/procfs.js';
import { spawnService } from '../../../src/process/spawn.js';
import { MIN_WINDOW_MS, UsageSampler } from '../../../src/process/usage.js';
import { fixture, tempHome } from '../../helpers/home.js';
import { waitFor } from '../../helpers/wait.js';
import { capture, startFixture, testEnv } from './support.js';

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
  assert.ok(usage.cpuPercent >= 0);
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

test('CPU: a busy process shows near one core, an idle one near nothing', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const r = spawnService({
    argv: [process.execPath, '-e', 'console.log("ready"); for (;;) {}'],
    cwd: home.dir,
    env: testEnv(home),
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  assert.ok(!('error' in r));
  home.track(r.pid);
  const busy = capture(r.child, r.pid, r.startTime);
  const idle = startFixture(home, 'forever.mjs');
  await Promise.all([busy.line('ready'), idle.line('ready')]);
  const sampler = new UsageSampler();
  sampler.sample([busy.pid, idle.pid]);
  // a delta over a quarter of a second or more: CPU time has a resolution of 10 ms
  const seen = await waitFor(
    () => {
      const usage = sampler.sample([busy.pid, idle.pid]);
      const b = usage.get(busy.pid)!.cpuPercent;
      const i = usage.get(idle.pid)!.cpuPercent;
      return b > 50 && i < 20 ? { b, i } : null;
    },
    { interval: 300, what: 'the busy process to show its CPU' },
  );
  assert.ok(seen.b <= 200, `busy ${seen.b}%`);
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
  const r = spawnService({
    argv: [process.execPath, '-e', 'console.log("ready"); for (;;) {}'],
    cwd: home.dir,
    env: testEnv(home),
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  assert.ok(!('error' in r));
  home.track(r.pid);
  await capture(r.child, r.pid, r.startTime).line('ready');
  let now = 1_000;
  const sampler = new UsageSampler(() => now);
  const first = sampler.sample([r.pid]).get(r.pid)!.cpuPercent;
  // CPU time goes on in the background, but within the window the value stays put
  await waitFor(() => (readProcStat(r.pid)!.utimeTicks > 0 ? true : null));
  now += MIN_WINDOW_MS - 1;
  assert.equal(sampler.sample([r.pid]).get(r.pid)!.cpuPercent, first);
  // past the window, a new value over the whole (fake) window
  now += 1;
  const later = sampler.sample([r.pid]).get(r.pid)!.cpuPercent;
  assert.equal(typeof later, 'number');
  assert.ok(later >= 0);
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
