import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULTS } from '../../../src/defaults.js';
import { registerChild } from '../../../src/process/children.js';
import { groupIsEmpty, killGroup, type StopGroupResult, stopGroup } from '../../../src/process/kill.js';
import { groupMembers, readProcStat } from '../../../src/process/procfs.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { REPO_ROOT, tempHome } from '../../helpers/home.js';
import { waitFor } from '../../helpers/wait.js';
import { startFixture } from './support.js';

const KILL_WAIT_MS = DEFAULTS.internal.killWaitMs;

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
  assert.deepEqual(result, { killed: false, gone: true, failure: null });
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
  assert.deepEqual(result, { killed: true, gone: true, failure: null });
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
  assert.deepEqual(result, { killed: false, gone: true, failure: null });
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
  assert.deepEqual(result, { killed: true, gone: true, failure: null });
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
  assert.deepEqual(result, { killed: false, gone: true, failure: null });
  assert.deepEqual(groupMembers(p.pid), []);
});

test('an orphan that ignores SIGTERM is killed after the timeout', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const p = startFixture(home, 'double-fork.mjs', ['--child-ignores-sigterm']);
  const { child } = JSON.parse(await p.line('"child"')) as { child: number };
  await p.exited;
  const result = await stopGroup(p.pid, { signal: 'SIGTERM', timeoutMs: 300, exited: p.exited });
  assert.deepEqual(result, { killed: true, gone: true, failure: null });
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
    gone: true,
    failure: null,
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
  assert.deepEqual(
    result,
    { killed: true, gone: false, failure: null },
    'gone: false, the exit was never seen',
  );
  assert.ok(elapsed < 200 + KILL_WAIT_MS + 500, `took ${elapsed} ms`);
  assert.deepEqual(await p.exited, { code: null, signal: 'SIGKILL' });
});

test('killGroup refuses ids that would signal more than one group', () => {
  for (const bad of [0, 1, -1, -42, 1.5, Number.NaN]) {
    assert.throws(() => killGroup(bad, 0), RangeError, String(bad));
  }
});

test('the grace period runs on the given clock: SIGKILL comes when it says the timeout passed', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const p = startFixture(home, 'ignore-sigterm.mjs');
  await p.line('ready');
  const clock = new FakeClock(0);
  let result: StopGroupResult | null = null;
  void stopGroup(p.pid, { signal: 'SIGTERM', timeoutMs: 60_000, exited: p.exited, clock }).then((r) => {
    result = r;
  });
  await waitFor(() => clock.armed > 0, { what: 'the grace period to start' });
  clock.advance(59_999);
  assert.equal(result, null, 'no SIGKILL before the clock says 60 s');
  assert.ok(alive(p.pid));
  clock.advance(1);
  assert.deepEqual(await p.exited, { code: null, signal: 'SIGKILL' });
  const done = await waitFor(
    () => {
      clock.advance(50); // the checks of the emptying group wait on the clock too
      return result;
    },
    { what: 'stopGroup to end' },
  );
  assert.deepEqual(done, { killed: true, gone: true, failure: null });
});

test('a group it may not signal (EPERM) is reported in the result, and the stop still ends', async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('needs root: the stop runs as nobody against a group of root');
    return;
  }
  const home = tempHome();
  t.after(() => home.cleanup());
  const target = startFixture(home, 'forever.mjs');
  await target.line('ready');
  const kill = join(REPO_ROOT, 'dist', 'src', 'process', 'kill.js');
  const script = `
    import { stopGroup } from ${JSON.stringify(kill)};
    const never = new Promise(() => {});
    console.log(JSON.stringify(await stopGroup(${target.pid}, { signal: 'SIGTERM', timeoutMs: 100, exited: never })));
  `;
  const out = await new Promise<string>((resolve, reject) => {
    registerChild(
      execFile(
        process.execPath,
        ['--input-type=module', '-e', script],
        { uid: 65534, gid: 65534, cwd: '/', timeout: 20_000 },
        (e, stdout, stderr) => (e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(stdout)),
      ),
    );
  });
  assert.deepEqual(JSON.parse(out), {
    killed: false,
    gone: false,
    failure: {
      signal: 'SIGTERM',
      code: 'EPERM',
      message: `cannot send SIGTERM to process group ${target.pid}: EPERM`,
    },
  });
  assert.ok(alive(target.pid), 'the group it could not signal still runs');
});
