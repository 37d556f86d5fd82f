import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupIsEmpty, KILL_WAIT_MS, killGroup, stopGroup } from '../../../src/process/kill.js';
import { groupMembers, readProcStat } from '../../../src/process/procfs.js';
import { tempHome } from '../../helpers/home.js';
import { startFixture } from './support.js';

function alive(pid: number): boolean {
  const stat = readProcStat(pid);
  return stat !== null && stat.state !== 'Z';
}

test('a process that obeys SIGTERM is stopped without SIGKILL, at once', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const p = startFixture(home, 'forever.mjs');
  await p.line('ready');
  const started = performance.now();
  const result = await stopGroup(p.pid, { signal: 'SIGTERM', timeoutMs: 5_000, exited: p.exited });
  const elapsed = performance.now() - started;
  assert.deepEqual(result, { killed: false });
  assert.ok(elapsed < 1_000, `took ${elapsed} ms`);
  assert.deepEqual(await p.exited, { code: 0, signal: null });
  assert.deepEqual(groupMembers(p.pid), []);
});

test('a process that ignores SIGTERM is killed once the timeout passes', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const p = startFixture(home, 'ignore-sigterm.mjs');
  await p.line('ready');
  const timeoutMs = 1_000;
  const started = performance.now();
  const result = await stopGroup(p.pid, { signal: 'SIGTERM', timeoutMs, exited: p.exited });
  const elapsed = performance.now() - started;
  assert.deepEqual(result, { killed: true });
  assert.ok(elapsed >= timeoutMs - 5, `took ${elapsed} ms`);
  assert.ok(elapsed < timeoutMs + 1_500, `took ${elapsed} ms`);
  assert.deepEqual(await p.exited, { code: null, signal: 'SIGKILL' });
  assert.ok(groupIsEmpty(p.pid));
});

test('the whole group goes: a child of the leader too', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const p = startFixture(home, 'forker.mjs');
  const { parent, child } = JSON.parse(await p.line('"child"')) as { parent: number; child: number };
  assert.equal(parent, p.pid);
  assert.deepEqual(
    groupMembers(p.pid).sort((a, b) => a - b),
    [parent, child].sort((a, b) => a - b),
  );
  const result = await stopGroup(p.pid, { signal: 'SIGTERM', timeoutMs: 5_000, exited: p.exited });
  assert.deepEqual(result, { killed: false });
  assert.deepEqual(groupMembers(p.pid), []);
  assert.ok(!alive(child));
});

test('a leader that exits while its child ignores SIGTERM is not "stopped": the child is killed', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const p = startFixture(home, 'forker.mjs', ['--child-ignores-sigterm']);
  const { child } = JSON.parse(await p.line('"child"')) as { child: number };
  const timeoutMs = 500;
  const started = performance.now();
  const result = await stopGroup(p.pid, { signal: 'SIGTERM', timeoutMs, exited: p.exited });
  const elapsed = performance.now() - started;
  assert.deepEqual(await p.exited, { code: 0, signal: null }, 'the leader obeyed SIGTERM');
  assert.deepEqual(result, { killed: true });
  assert.ok(elapsed >= timeoutMs - 5 && elapsed < timeoutMs + 1_500, `took ${elapsed} ms`);
  assert.deepEqual(groupMembers(p.pid), []);
  assert.ok(!alive(child));
});

test('a group whose leader already exited is still stopped', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const p = startFixture(home, 'double-fork.mjs');
  const { child } = JSON.parse(await p.line('"child"')) as { child: number };
  assert.deepEqual(await p.exited, { code: 0, signal: null });
  assert.deepEqual(groupMembers(p.pid), [child], 'the group outlived its leader');
  const result = await stopGroup(p.pid, { signal: 'SIGTERM', timeoutMs: 5_000, exited: p.exited });
  assert.deepEqual(result, { killed: false });
  assert.deepEqual(groupMembers(p.pid), []);
});

test('an orphan that ignores SIGTERM is killed after the timeout', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const p = startFixture(home, 'double-fork.mjs', ['--child-ignores-sigterm']);
  const { child } = JSON.parse(await p.line('"child"')) as { child: number };
  await p.exited;
  const result = await stopGroup(p.pid, { signal: 'SIGTERM', timeoutMs: 300, exited: p.exited });
  assert.deepEqual(result, { killed: true });
  assert.ok(!alive(child));
  assert.deepEqual(groupMembers(p.pid), []);
});

test('stopping a group that is already gone is quick and not an error', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const p = startFixture(home, 'exit-with.mjs', ['0']);
  assert.deepEqual(await p.exited, { code: 0, signal: null });
  const started = performance.now();
  assert.deepEqual(await stopGroup(p.pid, { signal: 'SIGTERM', timeoutMs: 5_000, exited: p.exited }), {
    killed: false,
  });
  assert.ok(performance.now() - started < 500);
  assert.equal(killGroup(p.pid, 'SIGTERM'), false, 'ESRCH is reported as false');
  assert.ok(groupIsEmpty(p.pid));
});

test('if the leader’s exit is never seen, SIGKILL comes after the timeout and the wait is bounded', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const p = startFixture(home, 'forever.mjs');
  await p.line('ready');
  const never = new Promise<never>(() => {});
  const started = performance.now();
  const result = await stopGroup(p.pid, { signal: 'SIGSTOP', timeoutMs: 200, exited: never });
  const elapsed = performance.now() - started;
  assert.deepEqual(result, { killed: true });
  assert.ok(elapsed < 200 + KILL_WAIT_MS + 500, `took ${elapsed} ms`);
  assert.deepEqual(await p.exited, { code: null, signal: 'SIGKILL' });
});

test('killGroup refuses ids that would signal more than one group', () => {
  for (const bad of [0, 1, -1, -42, 1.5, Number.NaN]) {
    assert.throws(() => killGroup(bad, 0), RangeError, String(bad));
  }
});
