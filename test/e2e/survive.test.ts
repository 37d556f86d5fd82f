// The daemon survives itself: killed, restarted or fed a bad state file, it takes its services up
// again by identity; nothing restarts that still runs, nothing runs twice, no line is lost.
// Each test has a home of its own. Waiting on the API never starts a daemon: where a test needs
// one back, it runs a CLI command, as a user would.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { kernelKeepsExitStatus } from '../../src/process/exit-status.js';
import {
  type CliEnv,
  daemonPid,
  homeFor,
  killDaemon,
  psJson,
  upProject,
  waitForState,
} from '../helpers/cli.js';
import {
  clientOf,
  type DaemonEvent,
  daemonEvents,
  type ServiceRow,
  waitUntil,
} from '../helpers/daemon-api.js';
import { fixture, pidsMarkedWith } from '../helpers/home.js';
import { groupOf, isGone } from '../helpers/proc.js';
import { waitFor } from '../helpers/wait.js';

const node = process.execPath;

/** The FIFO keeper is replaced by every new daemon: not a service process. */
function isKeeper(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').includes('CORRAL_FIFO_KEEPER=1\0');
  } catch {
    return false;
  }
}

/** `ps --json` run by the CLI, which starts a daemon when none answers. */
async function psByCli(c: CliEnv): Promise<ServiceRow[]> {
  const r = await c.corral(['ps', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ServiceRow[];
}

describe('no line is lost when the daemon is SIGKILLed', () => {
  test('200,000 numbered lines, daemon killed in the middle, five times: every line once, in order', async (t) => {
    const c = homeFor(t);
    const total = 200_000;
    for (let round = 1; round <= 5; round++) {
      const service = `p${round}`;
      c.writeConfig(`
name: lines
services:
  ${service}:
    command: [${node}, ${fixture('print-lines.mjs')}, "${total}", "--batch=4096", "--pause-every=1"]
    restart: never
`);
      assert.equal((await c.corral(['up', '--no-wait'])).code, 0);
      const log = join(c.env.CORRAL_HOME!, 'logs', 'lines', `${service}.log`);
      // odd rounds: killed early, the writer fills the pipe and blocks until a daemon is back;
      // even rounds: killed late, the rest fits in the pipe and the writer exits with no daemon
      const late = round % 2 === 0;
      const spawnedPid = (): number | undefined =>
        readFileSync(join(c.env.CORRAL_HOME!, 'events.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as DaemonEvent)
          .find((e) => e.type === 'spawned' && e.service === service)?.pid ?? undefined;
      const writerPid = await waitFor(spawnedPid, { what: `${service} to be spawned` });
      // the writer sleeps 1 ms every 4 KB (about 1.3 MB in all): past 500 KB it has at least
      // 200 ms of output left, a wide margin over the step from this check to the kill
      await waitFor(() => existsSync(log) && statSync(log).size > (late ? 500_000 : 50_000), {
        what: 'output under way',
      });
      await killDaemon(c);
      const midway = readFileSync(log, 'latin1').split('\n').length;
      assert.ok(midway < total, `round ${round}: the writer was still writing when the daemon died`);
      if (late) await waitFor(() => isGone(writerPid), { what: 'the writer to finish with no daemon' });
      assert.equal((await c.corral(['daemon', 'start'])).code, 0);
      await waitForState(c, `lines/${service}:0`, 'exited', 60_000);
      const lines = readFileSync(log, 'latin1').split('\n');
      assert.equal(lines.pop(), '', 'the file ends with a newline');
      assert.equal(lines.length, total, `round ${round}: ${lines.length} lines`);
      for (let i = 0; i < total; i++) {
        if (lines[i] !== String(i + 1)) assert.fail(`round ${round}: line ${i + 1} is "${lines[i]}"`);
      }
    }
  });
});

describe('adoption after kill -9 of the daemon', () => {
  test('20 services (multi-instance, in backoff, mid-stop) keep their pids and counters; nothing is duplicated', async (t) => {
    const c = homeFor(t);
    const singles = Array.from(
      { length: 16 },
      (_, i) => `  s${i}:\n    command: [${node}, ${fixture('forever.mjs')}]`,
    );
    c.writeConfig(`
name: many
services:
${singles.join('\n')}
  multi:
    command: [${node}, ${fixture('forker.mjs')}]
    instances: 3
  pair:
    command: [${node}, ${fixture('forever.mjs')}]
    instances: 2
  flaky:
    command: [${node}, ${fixture('exit-with.mjs')}, "1"]
    backoff: { free: 0, initial: 1m }
  stubborn:
    command: [${node}, ${fixture('ignore-sigterm.mjs')}]
    stop: { timeout: 3s }
`);
    assert.equal((await c.corral(['up', '--no-wait'])).code, 0);
    await waitForState(c, 'many/flaky:0', 'backoff');
    await waitUntil(
      c,
      async () => (await psJson(c)).filter((p) => p.state === 'running').length === 16 + 3 + 2 + 1,
      { what: 'every other process running' },
    );
    await waitUntil(
      c,
      async () => (await psJson(c)).every((p) => p.name !== 'many/multi:0' || groupOf(p.pid!).length === 2),
      { what: 'forkers to have their children' },
    );
    // stop `stubborn` (it ignores SIGTERM: the stop takes its 3 s timeout) and kill the daemon meanwhile
    const stopping = c.spawnCorral(['stop', 'stubborn']);
    await waitForState(c, 'many/stubborn:0', 'stopping');
    const beforeRows = await psJson(c);
    const groups = new Map(beforeRows.filter((r) => r.pid !== null).map((r) => [r.name, groupOf(r.pid!)]));
    const stubbornPid = beforeRows.find((r) => r.name === 'many/stubborn:0')!.pid!;
    const servicePids = pidsMarkedWith(c.home.dir).filter(
      (p) => p !== daemonPid(c) && p !== stopping.pid && !isKeeper(p),
    );
    const killedAt = new Date().toISOString();
    await killDaemon(c);
    stopping.kill('SIGKILL');

    const afterRows = await psByCli(c); // a new daemon, started by this command
    for (const b of beforeRows) {
      const a = afterRows.find((r) => r.name === b.name)!;
      assert.equal(a.restarts, b.restarts, `${b.name}: restart count unchanged`);
      if (b.state === 'running') {
        assert.equal(a.pid, b.pid, `${b.name} keeps its pid`);
        assert.equal(a.state, 'running', `${b.name} is running`);
        assert.deepEqual(groupOf(a.pid!), groups.get(b.name), `${b.name}: the same processes in its group`);
      }
    }
    assert.equal(
      afterRows.find((r) => r.name === 'many/flaky:0')!.state,
      'backoff',
      'still waiting out its backoff',
    );
    const adopted = (await daemonEvents(c))
      .filter((e) => e.type === 'adopted')
      .map((e) => `${e.service}:${e.instance}`);
    assert.equal(adopted.length, 16 + 3 + 2 + 1, 'an adopted event for each live process');
    // the stop that was under way is finished by the new daemon
    const stubborn = await waitForState(c, 'many/stubborn:0', 'stopped', 15_000);
    assert.equal(
      stubborn.last_exit && (stubborn.last_exit as { reason: string }).reason,
      'killed-after-timeout',
    );
    // no process was started twice: the same processes run, less stubborn's
    const now = pidsMarkedWith(c.home.dir).filter((p) => p !== daemonPid(c) && !isKeeper(p));
    assert.deepEqual(
      now.sort((a, b) => a - b),
      servicePids.filter((p) => p !== stubbornPid).sort((a, b) => a - b),
    );
    const spawnedAfter = (await daemonEvents(c)).filter((e) => e.type === 'spawned' && e.time >= killedAt);
    assert.deepEqual(
      spawnedAfter.map((e) => e.service),
      [],
      'nothing was spawned by the new daemon',
    );
  });
});

describe('what happened while no daemon ran', () => {
  const gap = `
name: gap
services:
  web:
    command: [${node}, ${fixture('forever.mjs')}]
  api:
    command: [${node}, ${fixture('forever.mjs')}]
`;

  test('a service killed while no daemon runs is restarted by the next daemon, once', async (t) => {
    const c = await upProject(t, gap, { wait: false });
    const web = await waitForState(c, 'gap/web:0', 'running');
    const api = await waitForState(c, 'gap/api:0', 'running');
    assert.equal((await c.corral(['daemon', 'stop', '--keep-services'])).code, 0);
    process.kill(web.pid!, 'SIGKILL');
    await waitFor(() => isGone(web.pid!), { what: 'web to die' });
    await psByCli(c); // the next daemon
    const again = await waitForState(c, 'gap/web:0', 'running');
    assert.notEqual(again.pid, web.pid);
    assert.equal(again.restarts, web.restarts + 1);
    const rows = await psJson(c);
    assert.equal(rows.find((r) => r.name === 'gap/api:0')!.pid, api.pid, 'the live one was adopted');
    const list = await daemonEvents(c);
    const exits = list.filter((e) => e.service === 'web' && e.type === 'exited' && e.pid === web.pid);
    assert.equal(exits.length, 1);
    if (kernelKeepsExitStatus()) assert.deepEqual([exits[0].signal, exits[0].reason], ['SIGKILL', 'crashed']);
    assert.equal(
      list.filter((e) => e.service === 'web' && e.type === 'spawned').length,
      2,
      'started once more, not twice',
    );
    const status = await c.corral(['daemon', 'status']);
    assert.match(status.stdout, /adopted 1 running processes \(gap\/api:0\)/);
    assert.match(status.stdout, /found 1 dead.*gap\/web:0/);
  });

  test('a recorded pid that now belongs to another process is neither adopted nor signalled', async (t) => {
    const c = await upProject(t, gap, { wait: false });
    const row = await waitForState(c, 'gap/web:0', 'running');
    assert.equal((await c.corral(['daemon', 'stop', '--keep-services'])).code, 0);
    process.kill(row.pid!, 'SIGKILL');
    await waitFor(() => isGone(row.pid!), { what: 'web to die' });
    // an unrelated process group leader that notes every signal it gets
    const notes = join(c.home.dir, 'bystander.txt');
    const bystander = spawn(
      node,
      [
        '-e',
        `for (const s of ['SIGTERM','SIGINT','SIGHUP','SIGUSR1']) process.on(s, () => require('fs').appendFileSync(${JSON.stringify(notes)}, s + '\\n')); setInterval(() => {}, 1e9); console.log('ready')`,
      ],
      { detached: true, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    c.home.track(bystander.pid!);
    await new Promise((resolve) => bystander.stdout!.once('data', resolve));
    const stateFile = join(c.env.CORRAL_HOME!, 'state.json');
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    const rec = state.processes.find((p: { name: string }) => p.name === 'gap/web:0');
    rec.pid = bystander.pid; // as if the pid had been reused: same number, another start time
    writeFileSync(stateFile, JSON.stringify(state));
    await psByCli(c); // the next daemon
    const again = await waitForState(c, 'gap/web:0', 'running');
    assert.notEqual(again.pid, bystander.pid, 'the impostor was not adopted');
    assert.equal(isGone(bystander.pid!), false, 'the impostor still runs');
    assert.equal(existsSync(notes), false, 'and got no signal');
  });

  test('a corrupt state.json is set aside with a clear message; the services are still found', async (t) => {
    const c = await upProject(t, gap, { wait: false });
    await waitForState(c, 'gap/web:0', 'running');
    await waitForState(c, 'gap/api:0', 'running');
    const rows = await psJson(c);
    assert.equal((await c.corral(['daemon', 'stop', '--keep-services'])).code, 0);
    const stateFile = join(c.env.CORRAL_HOME!, 'state.json');
    writeFileSync(stateFile, '{"version": 1, "projects": [ {"na');
    const after = await psByCli(c);
    const aside = readdirSync(c.env.CORRAL_HOME!).filter((f) => f.startsWith('state.json.corrupt-'));
    assert.equal(aside.length, 1);
    const daemon = await c.corral(['daemon', 'status']);
    assert.match(daemon.stdout, /cannot be trusted \(not JSON.*moved to .*state\.json\.corrupt-/);
    for (const r of rows) {
      assert.equal(after.find((x) => x.name === r.name)?.pid, r.pid, `${r.name} found by proof of ownership`);
    }
  });
});

describe('daemon restart', () => {
  test('hands over: the old daemon answers while the new one loads, then the new one adopts', async (t) => {
    const c = await upProject(t, 'name: ho\nservices:\n  web:\n    command: [sleep, "100000"]\n');
    const web = await waitForState(c, 'ho/web:0', 'running');
    const old = daemonPid(c);
    const restart = c.corral(['daemon', 'restart']);
    // a daemon process other than the old one exists, and the old one still answers: the overlap
    const isDaemon = (pid: number): boolean => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('daemon\0start\0--foreground');
      } catch {
        return false;
      }
    };
    let overlap = false;
    await waitFor(
      async () => {
        const loading = pidsMarkedWith(c.home.dir).some((pid) => pid !== old && isDaemon(pid));
        if (!loading) return false;
        try {
          overlap ||= (await clientOf(c).health()).pid === old;
        } catch {
          // the old one has gone meanwhile
        }
        return true;
      },
      { interval: 2, what: 'the new daemon to start' },
    );
    const r = await restart;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(overlap, 'the old daemon answered while the new one was loading');
    assert.match(
      r.stderr,
      new RegExp(`Daemon ${old} replaced by \\d+ in \\d+ ms; adopted 1 running processes`),
    );
    assert.ok(isGone(old), 'the old daemon is gone');
    const after = await waitForState(c, 'ho/web:0', 'running');
    assert.equal(after.pid, web.pid, 'the service was adopted, not restarted');
    assert.equal(after.restarts, 0);
  });

  test('with 100 services running, none is restarted', async (t) => {
    const services = Array.from({ length: 100 }, (_, i) => `  s${i}:\n    command: [sleep, "100000"]`);
    const c = homeFor(t);
    c.writeConfig(`name: hundred\nservices:\n${services.join('\n')}\n`);
    const up = await c.corral(['up', '--no-wait']);
    assert.equal(up.code, 0, up.stderr);
    // a hundred names are counted, not listed
    assert.equal(up.stderr.trim(), 'hundred: created 100 services (s0, s1, s2, s3, s4, …)');
    const rows = await waitUntil(
      c,
      async () => {
        const list = await psJson(c);
        return list.length === 100 && list.every((p) => p.state === 'running') ? list : null;
      },
      { what: '100 running', timeout: 30_000 },
    );
    const r = await c.corral(['daemon', 'restart']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /adopted 100 running processes/);
    const after = await psJson(c);
    for (const row of rows) {
      const a = after.find((x) => x.name === row.name)!;
      assert.equal(a.pid, row.pid);
      assert.equal(a.state, 'running');
      assert.equal(a.restarts, 0);
    }
  });
});

describe('daemons racing for one home', () => {
  test('four commands at once on a fresh home: all succeed, one daemon runs', async (t) => {
    const c = homeFor(t);
    const results = await Promise.all([1, 2, 3, 4].map(() => c.corral(['ps', '--json'])));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const daemons = pidsMarkedWith(c.home.dir).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('daemon\0start\0--foreground');
      } catch {
        return false;
      }
    });
    assert.deepEqual(daemons, [daemonPid(c)]);
  });
});
