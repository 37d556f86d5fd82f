// The real CLI against a real daemon: up, ps, crash and restart, backoff, stop, edit and re-up.
// Each test has a home and a project of its own, so each runs alone and none depends on another.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { homeFor, psJson, upProject, waitForState } from '../helpers/cli.js';
import {
  type DaemonEvent,
  daemonEvents,
  type ServiceRow,
  waitForRow,
  waitUntil,
} from '../helpers/daemon-api.js';
import { fixture } from '../helpers/home.js';
import { groupOf } from '../helpers/proc.js';
import { waitFor } from '../helpers/wait.js';

const node = process.execPath;

/** Three services with dependencies: a one-shot setup, then web, then two workers. */
const demo = (workerEnv = ''): string => `
name: demo
services:
  setup:
    command: [${node}, ${fixture('exit-with.mjs')}, "0"]
    restart: on-failure
  web:
    command: [${node}, ${fixture('forever.mjs')}]
    depends_on: { setup: succeeded }
  worker:
    command: [${node}, ${fixture('forever.mjs')}]
    instances: 2
    depends_on: [web]
${workerEnv}`;

describe('a project under the daemon', () => {
  test('up starts every service; ps --json has the SPEC fields', async (t) => {
    const c = await upProject(t, demo(), { wait: false });
    await waitForState(c, 'demo/web:0', 'running');
    await waitForState(c, 'demo/worker:0', 'running');
    await waitForState(c, 'demo/worker:1', 'running');
    const setup = await waitForState(c, 'demo/setup:0', 'exited');
    assert.deepEqual(setup.last_exit, { code: 0, signal: null, reason: 'exited' });
    // the CLI's own output: ps --json, ps and events --json as a user runs them
    const ps = await c.corral(['ps', '--json']);
    assert.equal(ps.code, 0, ps.stderr);
    const rows = JSON.parse(ps.stdout) as ServiceRow[];
    assert.equal(rows.length, 4);
    for (const row of rows) {
      for (const key of [
        'project',
        'service',
        'instance',
        'name',
        'state',
        'pid',
        'restarts',
        'started_at',
        'health',
        'last_exit',
        'cpu',
        'memory',
      ]) {
        assert.ok(key in row, `ps --json row lacks ${key}`);
      }
    }
    const web = rows.find((p) => p.name === 'demo/web:0')!;
    assert.equal(typeof web.pid, 'number');
    assert.equal(typeof web.memory, 'number');
    assert.ok((web.memory as number) > 1024 * 1024, 'memory is the RSS in bytes');
    // started in dependency order: setup exited before web spawned, web before the workers
    const events = JSON.parse((await c.corral(['events', '--json'])).stdout) as DaemonEvent[];
    const at = (type: string, service: string): number =>
      Date.parse(events.find((e) => e.type === type && e.service === service)!.time);
    assert.ok(at('exited', 'setup') <= at('spawned', 'web'));
    assert.ok(at('spawned', 'web') <= at('spawned', 'worker'));
    const table = await c.corral(['ps']);
    assert.match(table.stdout, /^NAME\s+STATE\s+PID\s+UPTIME\s+RESTARTS\s+HEALTH\s+CPU\s+MEM/);
    assert.match(table.stdout, /demo\/worker:1\s+running/);
  });

  test('kill -9 of a service: it runs again at once with a new pid and restarts 1', async (t) => {
    const c = await upProject(
      t,
      `
name: demo
services:
  web:
    command: [${node}, ${fixture('forever.mjs')}]
`,
      { wait: false },
    );
    const before = await waitForState(c, 'demo/web:0', 'running');
    process.kill(before.pid!, 'SIGKILL');
    const again = await waitForRow(
      c,
      (p) => p.name === 'demo/web:0' && p.state === 'running' && p.pid !== before.pid,
      { what: 'web to run again' },
    );
    assert.equal(again.restarts, 1);
    const events = await daemonEvents(c, 'web');
    const exited = events.findIndex((e) => e.type === 'exited' && e.pid === before.pid);
    assert.ok(exited >= 0, 'the exit was recorded');
    assert.equal(events[exited].reason, 'crashed');
    assert.equal(events[exited].code, 137);
    // the first restarts are free: scheduled with no delay, and the next spawn is the new pid
    const rest = events.slice(exited + 1).map((e) => [e.type, e.delay_ms ?? e.pid]);
    assert.deepEqual(rest.slice(0, 2), [
      ['restart-scheduled', 0],
      ['spawned', again.pid],
    ]);
  });

  test('editing one service and running up again restarts only that one', async (t) => {
    const c = await upProject(t, demo());
    const beforeRows = await psJson(c);
    const pidOf = (rows: typeof beforeRows, name: string): number | null =>
      rows.find((r) => r.name === name)!.pid;
    c.writeConfig(demo('    env: { CHANGED: "yes" }\n'));
    const r = await c.corral(['up', '--wait']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /changed worker/);
    const afterRows = await waitUntil(
      c,
      async () => {
        const rows = await psJson(c);
        const moved = ['demo/worker:0', 'demo/worker:1'].every(
          (n) =>
            rows.find((x) => x.name === n)!.state === 'running' && pidOf(rows, n) !== pidOf(beforeRows, n),
        );
        return moved ? rows : null;
      },
      { what: 'both workers restarted' },
    );
    assert.equal(pidOf(afterRows, 'demo/web:0'), pidOf(beforeRows, 'demo/web:0'), 'web was not touched');
    const setupSpawns = (await daemonEvents(c, 'setup')).filter((e) => e.type === 'spawned');
    assert.equal(setupSpawns.length, 1, 'the completed one-shot did not run again');
    const env = readFileSync(`/proc/${pidOf(afterRows, 'demo/worker:0')}/environ`, 'latin1');
    assert.match(env, /CHANGED=yes\0/);
  });

  test('stop PROJECT stops every service of it and keeps them; start PROJECT starts them again; stop --all stops every project', async (t) => {
    const c = await upProject(
      t,
      `name: pj
services:
  db:
    command: [sleep, "100000"]
  web:
    command: [sleep, "100000"]
    depends_on: [db]
`,
    );
    await waitForState(c, 'pj/web:0', 'running');
    const stop = await c.corral(['stop', 'pj', '--json']);
    assert.equal(stop.code, 0, stop.stderr);
    const stopped = JSON.parse(stop.stdout) as Array<{ name: string; state: string }>;
    assert.deepEqual(stopped.map((s) => `${s.name} ${s.state}`).sort(), [
      'pj/db:0 stopped',
      'pj/web:0 stopped',
    ]);
    // kept: still listed, and started again by the project's name, in dependency order
    assert.deepEqual((await psJson(c)).map((r) => `${r.name} ${r.state}`).sort(), [
      'pj/db:0 stopped',
      'pj/web:0 stopped',
    ]);
    assert.equal((await c.corral(['start', 'pj'])).code, 0);
    await waitForState(c, 'pj/db:0', 'running');
    await waitForState(c, 'pj/web:0', 'running');
    // --all: every process of every project; no name and no --all is a usage error
    c.writeConfig('name: other\nservices:\n  lone:\n    command: [sleep, "100000"]\n', 'other.yaml');
    assert.equal((await c.corral(['up', '-f', 'other.yaml', '--wait'])).code, 0);
    const all = await c.corral(['stop', '--all', '--json']);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(
      (JSON.parse(all.stdout) as Array<{ name: string; state: string }>)
        .map((s) => `${s.name} ${s.state}`)
        .sort(),
      ['other/lone:0 stopped', 'pj/db:0 stopped', 'pj/web:0 stopped'],
    );
    const none = await c.corral(['stop']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /corral stop needs a service or project name, or --all/);
  });

  test('down stops the project in reverse order and removes it', async (t) => {
    const c = await upProject(t, demo());
    const rows = await psJson(c);
    const pids = rows.flatMap((r) => (r.pid === null ? [] : [r.pid]));
    assert.equal(pids.length, 3, 'web and both workers run');
    const r = await c.corral(['down']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await psJson(c), []);
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), 'every process is gone');
    const events = await daemonEvents(c);
    const stoppedAt = (service: string): number =>
      Math.max(
        ...events.filter((e) => e.type === 'stopped' && e.service === service).map((e) => Date.parse(e.time)),
      );
    const stoppingAt = (service: string): number =>
      Math.min(
        ...events
          .filter((e) => e.type === 'stopping' && e.service === service)
          .map((e) => Date.parse(e.time)),
      );
    assert.ok(stoppedAt('worker') <= stoppingAt('web'), 'workers stopped before web began to stop');
  });

  test("down in the project's directory stops the project loaded from its file, even after name: was edited", async (t) => {
    const c = await upProject(t, `name: before\nservices:\n  s:\n    command: [sleep, "600"]\n`);
    const [row] = await psJson(c);
    assert.ok(row?.pid, 'it runs');
    // the file now names another project, which was never loaded, and is not even valid
    c.writeConfig(`name: after\nservices:\n  s:\n    comand: [sleep, "600"]\n`);
    const r = await c.corral(['down']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^before: stopped and removed$/m);
    assert.deepEqual(await psJson(c), []);
    assert.throws(() => process.kill(row.pid!, 0), 'its process is gone');
    // with nothing loaded from the file, the name it gives is what down looks for
    const again = await c.corral(['down']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /^after: not loaded, nothing to stop$/m);
  });
});

describe('restart policy and stopping, for real', () => {
  // Backoff arithmetic and give-up counting are engine tests on a fake clock; this one shows
  // that a real daemon waits out the delays it schedules.
  test('a crash loop is restarted with backoff, then max_restarts ends in failed', async (t) => {
    const c = await upProject(
      t,
      `
name: loop
services:
  crashy:
    command: [${node}, ${fixture('exit-with.mjs')}, "3"]
    max_restarts: 3
    backoff: { free: 1, initial: 300ms, factor: 2 }
`,
      { wait: false },
    );
    const failed = await waitForState(c, 'loop/crashy:0', 'failed');
    assert.equal(failed.restarts, 3);
    const events = await daemonEvents(c, 'crashy');
    const scheduled = events.filter((e) => e.type === 'restart-scheduled').map((e) => e.delay_ms);
    assert.deepEqual(scheduled, [0, 300, 600]);
    // the waits really happened: exit -> next spawn, by the daemon's own clock
    const exits = events.filter((e) => e.type === 'exited');
    const spawns = events.filter((e) => e.type === 'spawned');
    assert.equal(spawns.length, 4);
    assert.equal(exits.length, 4);
    for (const [i, expected] of [
      [1, 300],
      [2, 600],
    ] as const) {
      const gap = Date.parse(spawns[i + 1].time) - Date.parse(exits[i].time);
      assert.ok(gap >= expected - 5, `restart ${i + 1} waited ${gap} ms, expected ${expected}`);
    }
    assert.ok(events.some((e) => e.type === 'failed'));
    assert.equal(exits[0].code, 3);
  });

  test('a service that ignores SIGTERM is killed after stop.timeout; a forked grandchild goes too', async (t) => {
    const c = await upProject(
      t,
      `
name: stubborn
services:
  deaf:
    command: [${node}, ${fixture('ignore-sigterm.mjs')}]
    stop: { timeout: 1s }
    ready: { log: ready }
  family:
    command: [${node}, ${fixture('forker.mjs')}, --child-ignores-sigterm]
    stop: { timeout: 500ms }
    ready: { log: child }
`,
    );
    const family = await waitForState(c, 'stubborn/family:0', 'running');
    assert.ok(groupOf(family.pid!).length >= 2, 'the forker and its child share the group');
    const started = Date.now();
    const stop = await c.corral(['stop', 'deaf']);
    const elapsed = Date.now() - started;
    assert.equal(stop.code, 0, stop.stderr);
    // `stop` returns once the process is gone, which is not before the timeout, and by SIGKILL
    assert.ok(elapsed >= 1000, `stop took ${elapsed} ms with a 1 s timeout`);
    const deaf = (await psJson(c)).find((p) => p.name === 'stubborn/deaf:0')!;
    assert.equal(deaf.state, 'stopped');
    assert.deepEqual(deaf.last_exit, { code: 137, signal: 'SIGKILL', reason: 'killed-after-timeout' });

    const s2 = await c.corral(['stop', 'stubborn/family']);
    assert.equal(s2.code, 0, s2.stderr);
    assert.deepEqual(groupOf(family.pid!), [], 'no member of the group is left');
  });

  test('a missing command puts its service in failed, naming the command; others go on', async (t) => {
    const c = homeFor(t);
    c.writeConfig(`
name: broken
services:
  ghost:
    command: [definitely-not-a-command-xyz, --flag]
  fine:
    command: [${node}, ${fixture('forever.mjs')}]
`);
    const r = await c.corral(['up', '--wait']);
    assert.equal(r.code, 1, 'up --wait fails when a service cannot start');
    assert.match(r.stderr, /ghost/);
    const ghost = await waitForState(c, 'broken/ghost:0', 'failed');
    assert.match(String(ghost.message), /definitely-not-a-command-xyz/);
    await waitForState(c, 'broken/fine:0', 'running');
    const health = await c.corral(['daemon', 'status']);
    assert.equal(health.code, 0, 'the daemon goes on');
  });
});

describe('up --watch', () => {
  test('a saved change is applied; an invalid save is reported and changes nothing; Ctrl-C leaves services running', async (t) => {
    const c = homeFor(t);
    const config = (extra: string): string => `
name: watched
services:
  web:
    command: [${node}, ${fixture('forever.mjs')}]
${extra}`;
    c.writeConfig(config(''));
    const watcher = c.spawnCorral(['up', '--no-wait', '--watch']);
    await waitFor(() => /watching /.test(watcher.output()), { what: 'the watch to begin' });
    const first = await waitForState(c, 'watched/web:0', 'running');
    c.writeConfig(config('    env: { V: "2" }\n'));
    const second = await waitForRow(
      c,
      (p) => p.name === 'watched/web:0' && p.state === 'running' && p.pid !== first.pid,
      { what: 'web restarted with the new definition' },
    );
    c.writeConfig(config('    restart: sometimes\n'));
    // the problem and the verdict are two writes: wait for the second
    await waitFor(() => /not applied; waiting for the next change/.test(watcher.output()), {
      what: 'the verdict on the invalid save',
    });
    assert.match(watcher.output(), /services\.web\.restart: expected one of/);
    assert.equal(
      (await psJson(c)).find((p) => p.name === 'watched/web:0')!.pid,
      second.pid,
      'nothing changed',
    );
    const code = await new Promise<number | null>((resolve) => {
      watcher.once('exit', (cd) => resolve(cd));
      watcher.kill('SIGINT');
    });
    assert.equal(code, 0);
    assert.equal((await psJson(c)).find((p) => p.name === 'watched/web:0')!.state, 'running');
  });
});
