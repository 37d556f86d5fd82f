import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  bootId,
  clockTicks,
  pageSize,
  parseProcStat,
  processIdentity,
  readProcStat,
  sameProcess,
  scanProcesses,
} from '../../../src/process/procfs.js';
import { spawnService } from '../../../src/process/spawn.js';
import { fixture, tempHome } from '../../helpers/home.js';
import { capture, testEnv } from './support.js';

test('readProcStat of this process', () => {
  const before = process.cpuUsage();
  const stat = readProcStat(process.pid)!;
  const after = process.cpuUsage();
  assert.equal(stat.pid, process.pid);
  assert.equal(stat.ppid, process.ppid);
  assert.match(stat.state, /^[RS]$/);
  assert.ok(stat.startTimeTicks > 0);
  assert.ok(stat.rssPages > 0);
  // user + system time is the CPU time getrusage() reports, in whole clock ticks (cut down,
  // not rounded, so up to a tick and a little below it); this process has used some by now
  const cpuMs = ((stat.utimeTicks + stat.stimeTicks) * 1000) / clockTicks;
  const usedMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;
  assert.ok(cpuMs > 0, 'this process has used CPU time');
  assert.ok(
    cpuMs <= usedMs(after) && cpuMs >= usedMs(before) - 50,
    `stat says ${cpuMs} ms, getrusage ${usedMs(before)}..${usedMs(after)} ms`,
  );
});

test('readProcStat of a pid that does not exist is null', () => {
  assert.equal(readProcStat(2 ** 22 + 1), null); // above pid_max's largest value
});

test('parseProcStat counts fields after the last parenthesis', () => {
  const line =
    '4242 (a) S 1 1 1) R 7 4242 4242 0 -1 4194304 100 0 0 0 11 22 33 44 20 0 1 0 98765 1000000 321 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n';
  const stat = parseProcStat(line)!;
  assert.equal(stat.pid, 4242);
  assert.equal(stat.comm, 'a) S 1 1 1');
  assert.equal(stat.state, 'R');
  assert.equal(stat.ppid, 7);
  assert.equal(stat.pgrp, 4242);
  assert.equal(stat.session, 4242);
  assert.equal(stat.utimeTicks, 11);
  assert.equal(stat.stimeTicks, 22);
  assert.equal(stat.childUtimeTicks, 33);
  assert.equal(stat.childStimeTicks, 44);
  assert.equal(stat.startTimeTicks, 98765);
  assert.equal(stat.rssPages, 321);
  assert.equal(parseProcStat('garbage'), null);
  assert.equal(parseProcStat('1 (x) S 1'), null);
});

test('a process whose name has spaces and parentheses is read right', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  for (const name of ['a b) c', 'x) R 1 1 1', '(y) (z']) {
    const exe = join(home.dir, name);
    symlinkSync('/usr/bin/perl', exe); // not Node: from Node 24 on, its main thread is named MainThread
    const r = spawnService({
      argv: [exe, '-e', '$| = 1; print "ready\\n"; sleep 600'],
      cwd: home.dir,
      env: testEnv(home),
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    assert.ok(!('error' in r), JSON.stringify(r));
    home.track(r.pid);
    await capture(r.child, r.pid, r.startTime).line('ready');
    const stat = readProcStat(r.pid)!;
    assert.equal(stat.comm, name);
    assert.equal(stat.pid, r.pid);
    assert.equal(stat.ppid, process.pid, name);
    assert.equal(stat.pgrp, r.pid, name);
    assert.equal(stat.session, r.pid, name);
    assert.match(stat.state, /^[RS]$/, name);
    assert.ok(stat.rssPages * pageSize > 1_000_000, `${name}: rss ${stat.rssPages} pages`);
  }
});

test('identity: same pid, start time and boot; a faked start time or boot is another process', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const r = spawnService({
    argv: [process.execPath, fixture('forever.mjs')],
    cwd: home.dir,
    env: testEnv(home),
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  assert.ok(!('error' in r));
  home.track(r.pid);
  const p = capture(r.child, r.pid, r.startTime);
  await p.line('ready');
  const id = processIdentity(r.pid)!;
  assert.deepEqual(id, { pid: r.pid, startTime: r.startTime, bootId: bootId() });
  assert.equal(sameProcess(id), true);
  assert.equal(sameProcess({ ...id, startTime: id.startTime + 1 }), false);
  assert.equal(sameProcess({ ...id, startTime: id.startTime - 1 }), false);
  assert.equal(sameProcess({ ...id, bootId: '00000000-0000-0000-0000-000000000000' }), false);
  process.kill(r.pid, 'SIGKILL');
  await p.exited;
  assert.equal(sameProcess(id), false);
  assert.equal(processIdentity(r.pid), null);
});

test('boot id, clock ticks and page size are the system’s', () => {
  assert.match(bootId(), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(bootId(), bootId());
  assert.equal(clockTicks, Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })));
  assert.equal(pageSize, Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' })));
});

test('scanProcesses sees this process and its parent', () => {
  const pids = new Set(scanProcesses().map((p) => p.pid));
  assert.ok(pids.has(process.pid));
  assert.ok(pids.has(process.ppid));
});
