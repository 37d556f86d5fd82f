// Exact exit statuses across the daemon's death (SPEC §4): services that end while no daemon
// runs, and adopted ones that end later, are recorded with their real code or signal, and their
// restart policy acts on it. Real processes, a real SIGKILL of the daemon; each service ends when
// the test writes to its FIFO, never after a fixed time.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, readdirSync, readFileSync, readlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { type CliEnv, daemonPid, homeFor, killDaemon, waitForState } from '../helpers/cli.js';
import { daemonEvents, type ServiceRow } from '../helpers/daemon-api.js';
import { fixture } from '../helpers/home.js';
import { isGone, procStat } from '../helpers/proc.js';
import { waitFor } from '../helpers/wait.js';

/** Whether this kernel keeps a reaped process's status for a pidfd held since before (6.15+). */
function kernelKeepsStatus(): boolean {
  const [major, minor] = execFileSync('uname', ['-r'], { encoding: 'utf8' }).split('.').map(Number);
  return major > 6 || (major === 6 && minor >= 15);
}

/** A FIFO per service, under the test's directory. */
function fifoFor(c: CliEnv, service: string): string {
  const path = join(c.home.dir, `${service}.fifo`);
  execFileSync('mkfifo', [path]);
  return path;
}

/** Tells the service reading `fifo` how to end (a code, or a signal name), once it reads. */
async function endWith(fifo: string, how: string): Promise<void> {
  const fd = await waitFor(
    () => {
      try {
        return openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK) + 1; // +1: fd 0 is truthy too
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENXIO') return 0; // no reader yet
        throw e;
      }
    },
    { what: `a reader on ${fifo}` },
  );
  writeSync(fd - 1, `${how}\n`);
  closeSync(fd - 1);
}

/** Gone from /proc: reaped by whoever became its parent, so only a pidfd held before can tell. */
function isReaped(pid: number): boolean {
  return procStat(pid) === null;
}

/** `corral ps --json`, run by the CLI (which starts a daemon when none answers). */
async function psByCli(c: CliEnv): Promise<ServiceRow[]> {
  const r = await c.corral(['ps', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ServiceRow[];
}

/** The live FIFO keepers of the home. */
function keepersOf(c: CliEnv): number[] {
  const marks = ['CORRAL_FIFO_KEEPER=1', `CORRAL_HOME=${c.env.CORRAL_HOME}`];
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((pid) => {
      try {
        const env = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
        return marks.every((m) => env.includes(m)) && !isGone(pid);
      } catch {
        return false;
      }
    });
}

/** The pids of the processes the keeper `pid` says it holds a pidfd of. */
function keptPids(pid: number): number[] {
  const env = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
  return env
    .filter((kv) => kv.startsWith('CORRAL_KEEPER_PIDFDS_'))
    .flatMap((kv) => kv.slice(kv.indexOf('=') + 1).split(','))
    .map((entry) => Number(entry.split(':')[1]))
    .sort((a, b) => a - b);
}

/** How many pidfds process `pid` has open. */
/** The pidfds `pid` holds for services (not the one it holds for its own FIFO keeper, `sleep`). */
function pidfdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:[pidfd]') return false;
      const target = /^Pid:\s+(-?\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'latin1'))?.[1];
      return target === undefined || readFileSync(`/proc/${target}/comm`, 'latin1').trim() !== 'sleep';
    } catch {
      return false;
    }
  }).length;
}

function row(rows: ServiceRow[], name: string): ServiceRow {
  const r = rows.find((x) => x.name === name);
  assert.ok(r, `${name} is listed`);
  return r;
}

function lastExit(r: ServiceRow): { code: number | null; signal: string | null; reason: string } {
  return r.last_exit as { code: number | null; signal: string | null; reason: string };
}

describe('exit statuses across the daemon’s death', {
  skip: !kernelKeepsStatus() && 'needs Linux 6.15+',
}, () => {
  test('42 and SIGSEGV while no daemon runs, 7 after adoption: ps --json shows each, on-failure restarts exactly those', async (t) => {
    const c = homeFor(t);
    const fifos = Object.fromEntries(['a', 'b', 'c', 'd'].map((s) => [s, fifoFor(c, s)]));
    c.writeConfig(`
name: ex
services:
${Object.entries(fifos)
  .map(([s, f]) => `  ${s}: { command: [sh, ${fixture('exit-on-fifo.sh')}, ${f}], restart: on-failure }`)
  .join('\n')}
`);
    assert.equal((await c.corral(['up', '--wait'])).code, 0);
    const before = await psByCli(c);
    const pidOf = (s: string): number => row(before, `ex/${s}:0`).pid!;
    // one pidfd per live service in the daemon, and the keeper holds them all
    assert.equal(pidfdCount(daemonPid(c)), 4, 'the daemon holds one pidfd per service, no more');
    const [keeper] = await waitFor(
      () => {
        const k = keepersOf(c);
        return k.length === 1 && keptPids(k[0]).length === 4 ? k : null;
      },
      { what: 'one keeper holding the four pidfds' },
    );
    assert.deepEqual(
      keptPids(keeper),
      ['a', 'b', 'c', 'd'].map(pidOf).sort((x, y) => x - y),
    );

    await killDaemon(c);
    await endWith(fifos.a, '42');
    await endWith(fifos.b, 'SEGV');
    await endWith(fifos.d, '0');
    for (const s of ['a', 'b', 'd'])
      await waitFor(() => isReaped(pidOf(s)), { what: `${s} to end and be reaped with no daemon` });

    const after = await psByCli(c); // the next daemon
    assert.deepEqual(
      [lastExit(row(after, 'ex/a:0')).code, lastExit(row(after, 'ex/a:0')).signal],
      [42, null],
    );
    assert.deepEqual(
      [lastExit(row(after, 'ex/b:0')).code, lastExit(row(after, 'ex/b:0')).signal],
      [139, 'SIGSEGV'],
    );
    assert.deepEqual(lastExit(row(after, 'ex/d:0')), {
      ...lastExit(row(after, 'ex/d:0')),
      code: 0,
      signal: null,
    });
    assert.equal(row(after, 'ex/c:0').pid, pidOf('c'), 'c was adopted');
    for (const s of ['a', 'b']) {
      const r = await waitForState(c, `ex/${s}:0`, 'running');
      assert.notEqual(r.pid, pidOf(s), `${s} was restarted`);
      assert.equal(r.restarts, 1);
    }
    assert.equal(row(await psByCli(c), 'ex/d:0').state, 'exited', 'a clean exit 0 is not restarted');

    await endWith(fifos.c, '7');
    const c2 = await waitFor(
      async () => {
        const r = row(await psByCli(c), 'ex/c:0');
        return r.state === 'running' && r.pid !== pidOf('c') ? r : null;
      },
      { what: 'the adopted c to exit and be restarted' },
    );
    assert.deepEqual([lastExit(c2).code, lastExit(c2).signal], [7, null]);

    const events = await daemonEvents(c);
    const exited = (s: string): Array<[number | null, string | null, string | null]> =>
      events
        .filter((e) => e.type === 'exited' && e.service === s && e.pid === pidOf(s))
        .map((e) => [e.code, e.signal, e.reason]);
    assert.deepEqual(exited('a'), [[42, null, 'crashed']]);
    assert.deepEqual(exited('b'), [[139, 'SIGSEGV', 'crashed']]);
    assert.deepEqual(exited('c'), [[7, null, 'crashed']]);
    assert.deepEqual(exited('d'), [[0, null, 'exited']]);
    assert.equal(events.filter((e) => e.type === 'spawned' && e.service === 'd').length, 1, 'd started once');
    assert.ok(!events.some((e) => e.reason === 'unknown'), 'no exit is unknown');
    // the released pidfds are closed: one per live service again (a, b and c run, d does not)
    await waitFor(() => pidfdCount(daemonPid(c)) === 3, { what: 'the daemon to hold three pidfds' });
  });

  test('the keeper is replaced when services are added; the new one holds every pidfd and the statuses survive', async (t) => {
    const c = homeFor(t);
    const fa = fifoFor(c, 'a');
    const fe = fifoFor(c, 'e');
    const svc = (s: string, f: string): string =>
      `  ${s}: { command: [sh, ${fixture('exit-on-fifo.sh')}, ${f}], restart: on-failure }`;
    c.writeConfig(`name: ex\nservices:\n${svc('a', fa)}\n`);
    assert.equal((await c.corral(['up', '--wait'])).code, 0);
    const [first] = await waitFor(
      () => {
        const k = keepersOf(c);
        return k.length === 1 && keptPids(k[0]).length === 1 ? k : null;
      },
      { what: 'one keeper holding a' },
    );

    c.writeConfig(`name: ex\nservices:\n${svc('a', fa)}\n${svc('e', fe)}\n`);
    assert.equal((await c.corral(['up', '--wait'])).code, 0);
    const rows = await psByCli(c);
    const a = row(rows, 'ex/a:0').pid!;
    const e = row(rows, 'ex/e:0').pid!;
    const [second] = await waitFor(
      () => {
        const k = keepersOf(c);
        return k.length === 1 && k[0] !== first && keptPids(k[0]).length === 2 ? k : null;
      },
      { what: 'the keeper to be replaced by one holding both pidfds' },
    );
    assert.ok(isGone(first), 'the old keeper is gone');
    assert.deepEqual(
      keptPids(second),
      [a, e].sort((x, y) => x - y),
    );

    await killDaemon(c);
    await endWith(fa, '42');
    await endWith(fe, '3');
    await waitFor(() => isReaped(a) && isReaped(e), { what: 'a and e to end and be reaped with no daemon' });
    const after = await psByCli(c);
    assert.equal(lastExit(row(after, 'ex/a:0')).code, 42);
    assert.equal(lastExit(row(after, 'ex/e:0')).code, 3);
    // the next daemon's keeper replaced the one it inherited
    await waitFor(
      () => {
        const k = keepersOf(c);
        return k.length === 1 && k[0] !== second;
      },
      { what: 'the next daemon to replace the keeper' },
    );
  });
});
