// Reaping orphans as a child subreaper without taking the exits of the children corral spawned
// (registered in process/children.ts).
// This file makes its test process a subreaper (node --test runs each file in a process of its own).
import assert from 'node:assert/strict';
import { type ChildProcess, execFile } from 'node:child_process';
import { closeSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isRegisteredChild, registerChild, spawnChild } from '../../../src/process/children.js';
import { PIPE_CLOEXEC, pipe } from '../../../src/process/native/fd.js';
import {
  becomeSubreaper,
  childrenOf,
  type ReapedProcess,
  startReaping,
} from '../../../src/process/reaper.js';
import { fixture, type TempHome, tempHome } from '../../helpers/home.js';
import { waitFor } from '../../helpers/wait.js';
import { testEnv } from './support.js';

/** pids of zombies whose parent is this process: what a reaper must leave none of. */
function ourZombies(): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'latin1');
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' && Number(fields[1]) === process.pid) out.push(Number(name));
  }
  return out;
}

function ppidOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

// The exit code of a child as Node reports it ('exit' fired), with a deadline: a reaper that took
// the exit would leave it waiting forever.
function exitOf(child: ChildProcess): Promise<[number | null]> {
  return waitFor(() => (child.exitCode !== null || child.signalCode !== null ? [child.exitCode] : null), {
    what: `Node to report the exit of ${child.pid}`,
  }) as Promise<[number | null]>;
}

// Runs the orphans fixture with the read end of a pipe as stdin; resolves with the orphans' pids
// once the fixture itself has exited (so they have been reparented), and the write end: closing
// it ends the orphans. (Not the ChildProcess's own stdin: Node closes that when the fixture exits.)
async function makeOrphans(
  home: TempHome,
  count: number,
  extra: string[] = [],
): Promise<{ orphans: number[]; release: () => void }> {
  const [readEnd, writeEnd] = pipe(PIPE_CLOEXEC); // blocking: the orphans' `read` waits on it
  const child = spawnChild(process.execPath, [fixture('orphans.mjs'), String(count), ...extra], {
    env: testEnv(home),
    stdio: [readEnd, 'pipe', 'inherit'],
  });
  closeSync(readEnd);
  home.track(child.pid!);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const [code] = await exitOf(child);
  assert.equal(code, 0, 'the fixture exited 0 (and Node saw it: the reaper did not take its exit)');
  await waitFor(() => out.endsWith('\n'), { what: 'the orphans list' });
  const { orphans } = JSON.parse(out) as { orphans: number[] };
  for (const pid of orphans) home.track(pid);
  let open = true;
  const release = (): void => {
    if (open) closeSync(writeEnd);
    open = false;
  };
  return { orphans, release };
}

const subreaper = becomeSubreaper();
const reaped = new Map<number, ReapedProcess>();
const stopReaping = startReaping((r) => reaped.set(r.pid, r));
test.after(() => stopReaping());

test('becomeSubreaper makes orphaned grandchildren our children', async (t) => {
  assert.deepEqual(subreaper, { ok: true });
  const home = tempHome();
  t.after(() => home.cleanup());
  const { orphans, release } = await makeOrphans(home, 1, ['--sleepers']);
  release();
  assert.equal(ppidOf(orphans[0]), process.pid);
  assert.ok(childrenOf().includes(orphans[0]));
  assert.equal(isRegisteredChild(orphans[0]), false);
  process.kill(orphans[0], 'SIGTERM');
  const r = await waitFor(() => reaped.get(orphans[0]), { what: 'the orphan to be reaped' });
  assert.deepEqual(r, { pid: orphans[0], status: 15, code: null, signal: 'SIGTERM' });
});

test('50 Node children and 50 orphans end together: Node sees every exit, the reaper every orphan', async (t) => {
  const home = tempHome();
  const children: ChildProcess[] = [];
  t.after(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    home.cleanup();
  });
  const exits = new Map<number, { code: number | null; signal: NodeJS.Signals | null }>();
  // 40 orphans that exit 7 when their stdin closes, 10 that only end when signalled
  const { orphans: readers, release } = await makeOrphans(home, 40);
  t.after(release);
  const sleeping = await makeOrphans(home, 10, ['--sleepers']);
  sleeping.release();
  const sleepers = sleeping.orphans;
  const orphans = [...readers, ...sleepers];
  for (const pid of orphans) assert.equal(ppidOf(pid), process.pid, `orphan ${pid} reparented to us`);
  // 50 children of Node's own, each ending (exit 3) when its stdin closes
  for (let i = 0; i < 50; i++) {
    const child = spawnChild('/bin/sh', ['-c', 'read line; exit 3'], {
      env: testEnv(home),
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    home.track(child.pid!);
    assert.equal(isRegisteredChild(child.pid!), true);
    child.on('exit', (code, signal) => exits.set(child.pid!, { code, signal }));
    children.push(child);
  }
  // an exec'd helper (what a probe does) in the middle of it all must get its result too
  const helper = new Promise<string>((resolve, reject) =>
    registerChild(execFile('/bin/sh', ['-c', 'echo helper'], (e, out) => (e ? reject(e) : resolve(out)))),
  );
  // now everything ends at once
  release();
  for (const c of children) c.stdin!.end();
  for (const pid of sleepers) process.kill(pid, 'SIGKILL');

  assert.equal(await helper, 'helper\n');
  await waitFor(() => exits.size === 50, { what: 'the exit of every Node child', timeout: 20_000 });
  await waitFor(() => orphans.every((pid) => reaped.has(pid)), {
    what: 'every orphan reaped',
    timeout: 20_000,
  });
  assert.deepEqual(
    [...exits.values()].filter((e) => e.code !== 3),
    [],
    'every Node child exited 3, as Node reported it',
  );
  assert.deepEqual(
    readers.map((pid) => reaped.get(pid)?.code),
    readers.map(() => 7),
  );
  assert.deepEqual(
    sleepers.map((pid) => reaped.get(pid)?.signal),
    sleepers.map(() => 'SIGKILL'),
  );
  for (const c of children) {
    assert.equal(reaped.has(c.pid!), false, `Node child ${c.pid} was not taken`);
    assert.equal(isRegisteredChild(c.pid!), false, `child ${c.pid} left the registry with its exit`);
  }
  await waitFor(() => ourZombies().length === 0, { what: 'no zombie left', timeout: 5_000 }).catch(() => {
    assert.deepEqual(ourZombies(), [], 'zombies whose parent is this process');
  });
});

test('a service that double-forks: the grandchild is reaped when it dies, no zombie is left', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  // double-fork.mjs starts a child, prints its pid and exits: the child is orphaned
  const service = spawnChild(process.execPath, [fixture('double-fork.mjs')], {
    env: testEnv(home),
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  home.track(service.pid!);
  let out = '';
  service.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const [exit] = await exitOf(service);
  assert.equal(exit, 0);
  await waitFor(() => out.endsWith('\n'), { what: "the grandchild's pid" });
  const { child: grandchild } = JSON.parse(out) as { child: number };
  home.track(grandchild);
  assert.equal(ppidOf(grandchild), process.pid);
  process.kill(grandchild, 'SIGTERM'); // forever.mjs exits 0 on SIGTERM
  const r = await waitFor(() => reaped.get(grandchild), { what: 'the grandchild to be reaped' });
  assert.equal(r.code, 0);
  assert.deepEqual(ourZombies(), []);
});
