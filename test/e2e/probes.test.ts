// Readiness, health and dependency conditions through the real daemon and CLI; each test has a
// home and a project of its own.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { homeFor, psJson, upProject, waitForState } from '../helpers/cli.js';
import { daemonEvents, waitForEvent, waitForRow } from '../helpers/daemon-api.js';
import { fixture } from '../helpers/home.js';
import { freePort } from '../helpers/port.js';

const node = process.execPath;

describe('readiness and health', () => {
  test('a service is starting until its http check passes; one never ready is killed with ready-timeout', async (t) => {
    const c = homeFor(t);
    const port = await freePort();
    const never = await freePort();
    c.writeConfig(`
name: ready
services:
  web:
    command: [${node}, ${fixture('http-server.mjs')}, "${port}"]
    ready: { http: "http://127.0.0.1:${port}/healthz", interval: 50ms }
  mute:
    command: [${node}, ${fixture('forever.mjs')}]
    ready: { tcp: "127.0.0.1:${never}", timeout: 700ms, interval: 100ms }
    restart: never
`);
    const r = await c.corral(['up', '--wait']);
    assert.equal(r.code, 1, 'up --wait fails when a service is not ready in time');
    assert.match(r.stderr, /ready\/mute:0 failed to become ready/);
    await waitForState(c, 'ready/web:0', 'running');
    const mute = await waitForState(c, 'ready/mute:0', 'exited');
    assert.equal((mute.last_exit as { reason: string }).reason, 'ready-timeout');
    assert.match(String(mute.message), /not ready within 700 ms/);
    const list = await daemonEvents(c);
    const spawned = list.find((e) => e.type === 'spawned' && e.service === 'mute')!;
    const exited = list.find((e) => e.type === 'exited' && e.service === 'mute')!;
    const waited = Date.parse(exited.time) - Date.parse(spawned.time);
    // not before its timeout; the upper bound only catches a timer late by seconds (it is wide
    // because a loaded machine delays the spawn's own bookkeeping too)
    assert.ok(waited >= 650 && waited < 10_000, `killed ${waited} ms after spawn`);
  });

  test('a service whose health check starts failing is restarted after exactly `failures` failed checks', async (t) => {
    const port = await freePort();
    const c = homeFor(t);
    const failFile = join(c.home.dir, 'fail-now');
    // The count is exact because a check can fail only once the fail file exists: the fixture
    // answers 200 until then, and the timeout (10 s) is far beyond how slow a loaded machine
    // answers, so no healthy check can time out into a failure before it.
    c.writeConfig(`
name: health
services:
  api:
    command: [${node}, ${fixture('http-server.mjs')}, "${port}", "${failFile}"]
    ready: { http: "http://127.0.0.1:${port}/healthz", interval: 50ms }
    health: { http: "http://127.0.0.1:${port}/healthz", interval: 150ms, timeout: 10s, failures: 3 }
`);
    assert.equal((await c.corral(['up', '--wait'])).code, 0);
    const first = await waitForRow(c, (p) => p.name === 'health/api:0' && p.health === 'healthy', {
      what: 'api healthy',
    });
    writeFileSync(failFile, '');
    const exited = await waitForEvent(
      c,
      (e) => e.type === 'exited' && e.service === 'api' && e.pid === first.pid,
      { what: 'api killed for failing health' },
    );
    rmSync(failFile);
    assert.equal(exited.reason, 'health-failed');
    const failed = (await daemonEvents(c, 'api')).filter((e) => e.type === 'health-failed');
    assert.deepEqual(
      failed.map((e) => /^check (\d)\/3 failed: .* answered 500/.exec(e.message ?? '')?.[1]),
      ['1', '2', '3'],
      failed.map((e) => e.message).join('\n'),
    );
    const again = await waitForRow(
      c,
      (p) => p.name === 'health/api:0' && p.state === 'running' && p.pid !== first.pid,
      { what: 'api running again' },
    );
    assert.equal(again.restarts, 1);
  });
});

describe('dependency conditions', () => {
  const chain = (migrateCode: number): string => `
name: chain
services:
  db:
    command: [${node}, ${fixture('forever.mjs')}]
    ready: { log: ready }
  migrate:
    command: [${node}, ${fixture('exit-with.mjs')}, "${migrateCode}", "200"]
    depends_on: { db: ready }
    restart: never
  api:
    command: [${node}, ${fixture('forever.mjs')}]
    depends_on: { migrate: succeeded }
    ready: { log: ready }
  web:
    command: [${node}, ${fixture('forever.mjs')}]
    depends_on: { api: ready }
`;

  test('db -> migrate (succeeded) -> api (ready) -> web start in that order', async (t) => {
    const c = await upProject(t, chain(0));
    // the journal's order is the order things happened in (timestamps can tie within a ms)
    const list = await daemonEvents(c);
    const at = (type: string, service: string): number => {
      const i = list.findIndex((e) => e.type === type && e.service === service);
      assert.ok(i >= 0, `no ${type} event for ${service}`);
      return i;
    };
    assert.ok(at('ready', 'db') < at('spawned', 'migrate'));
    assert.ok(at('exited', 'migrate') < at('spawned', 'api'));
    assert.ok(at('ready', 'api') < at('spawned', 'web'));
  });

  test('a failing migrate leaves api and web waiting, saying why', async (t) => {
    const c = homeFor(t);
    c.writeConfig(chain(1));
    const r = await c.corral(['up', '--wait']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /chain\/migrate:0 failed to become ready/);
    const rows = await psJson(c);
    const api = rows.find((p) => p.name === 'chain/api:0')!;
    const web = rows.find((p) => p.name === 'chain/web:0')!;
    assert.equal(api.state, 'waiting');
    assert.equal(api.pid, null);
    assert.equal(web.state, 'waiting');
    assert.match(String(api.message), /waiting for migrate \(succeeded\), but migrate is exited/);
    assert.match(String(web.message), /waiting for api to be ready/);
  });
});

describe('resource controls', () => {
  test('umask and oom_score_adj are in place before the program runs', async (t) => {
    const c = await upProject(
      t,
      `
name: limits
services:
  shaped:
    command: [${node}, ${fixture('forever.mjs')}]
    umask: "0027"
    oom_score_adj: 500
`,
      { wait: false },
    );
    const row = await waitForState(c, 'limits/shaped:0', 'running');
    const status = readFileSync(`/proc/${row.pid}/status`, 'latin1');
    assert.match(status, /^Umask:\s+0027$/m);
    assert.equal(readFileSync(`/proc/${row.pid}/oom_score_adj`, 'latin1').trim(), '500');
    assert.match(
      readFileSync(`/proc/${row.pid}/cmdline`, 'latin1'),
      /forever\.mjs/,
      'the wrapper shell is gone',
    );
  });

  test('user and group: uid, gid, supplementary groups and HOME/USER in place; unknown ones fail at check', async (t) => {
    if (process.getuid?.() !== 0) {
      t.skip('only root can start a process as another user');
      return;
    }
    const c = homeFor(t);
    c.writeConfig(`
name: creds
services:
  www:
    command: [sleep, "100000"]
    cwd: /
    user: www-data
    group: nogroup
`);
    assert.equal((await c.corral(['up', '--no-wait'])).code, 0);
    const row = await waitForState(c, 'creds/www:0', 'running');
    const status = readFileSync(`/proc/${row.pid}/status`, 'latin1');
    assert.match(status, /^Uid:\s+33\s+33\s+33\s+33$/m);
    assert.match(status, /^Gid:\s+65534\s+65534\s+65534\s+65534$/m);
    assert.match(status, /^Groups:\s+33 65534\s*$/m, "the user's own groups as supplementary groups");
    const environ = readFileSync(`/proc/${row.pid}/environ`, 'latin1');
    assert.match(environ, /\0USER=www-data\0/);
    assert.match(environ, /\0HOME=\/var\/www\0/);
    c.writeConfig(`
name: creds
services:
  www:
    command: [sleep, "100000"]
    user: no-such-user-here
`);
    const bad = await c.corral(['check']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /corral\.yaml:6:\d+: services\.www\.user: no such user "no-such-user-here"/);
  });

  test('a process over max_memory is restarted with reason max-memory', async (t) => {
    const c = await upProject(
      t,
      `
name: res
services:
  leak:
    command: [${node}, ${fixture('grow.mjs')}]
    max_memory: 150MB
    stop: { timeout: 1s }
  steady:
    command: [${node}, ${fixture('forever.mjs')}]
    max_memory: 1GB
`,
      { wait: false },
    );
    const first = await waitForState(c, 'res/leak:0', 'running');
    const exited = await waitForEvent(
      c,
      (e) => e.type === 'exited' && e.service === 'leak' && e.pid === first.pid,
      { what: 'leak restarted for its memory', timeout: 20_000 },
    );
    assert.equal(exited.reason, 'max-memory');
    const steady = (await psJson(c)).find((p) => p.name === 'res/steady:0')!;
    assert.equal(steady.restarts, 0, 'a process under its limit is left alone');
  });
});

describe('rolling restart', () => {
  test('a changed multi-instance service restarts one instance at a time, each ready before the next', async (t) => {
    const config = (version: string): string => `
name: roll
services:
  worker:
    command: [${node}, ${fixture('forever.mjs')}]
    instances: 3
    ready: { log: ready }
    env: { VERSION: "${version}" }
`;
    const c = await upProject(t, config('1'));
    const seen = (await daemonEvents(c)).length;
    c.writeConfig(config('2'));
    const r = await c.corral(['up', '--wait']);
    assert.equal(r.code, 0, r.stderr);
    const rows = await psJson(c);
    assert.ok(
      rows.every((p) => p.state === 'running' && p.outdated === false),
      'up --wait waited for the whole rollout',
    );
    const list = (await daemonEvents(c)).slice(seen).filter((e) => e.service === 'worker');
    const seq = list
      .filter((e) => e.type === 'stopping' || e.type === 'ready')
      .map((e) => `${e.type}:${e.instance}`);
    assert.deepEqual(seq, ['stopping:0', 'ready:0', 'stopping:1', 'ready:1', 'stopping:2', 'ready:2']);
  });
});

describe('notify readiness', () => {
  test('a notify service is ready when Debian’s real systemd-notify says READY=1; STATUS= shows in ps', async (t) => {
    if (!existsSync('/usr/bin/systemd-notify')) {
      t.skip('needs /usr/bin/systemd-notify (Debian package systemd)');
      return;
    }
    const c = homeFor(t);
    // the service blocks reading this FIFO until the test writes a line into it
    const gate = join(c.home.dir, 'go');
    execFileSync('mkfifo', [gate]);
    c.writeConfig(`
name: notify
services:
  sd:
    command: "read go < ${gate}; systemd-notify --ready --status='serving 3 queues' --no-block; exec sleep 100000"
    ready: { notify: true, timeout: 20s }
  plain:
    command: [${node}, ${fixture('forever.mjs')}]
`);
    assert.equal((await c.corral(['up', '--no-wait'])).code, 0);
    const starting = await waitForState(c, 'notify/sd:0', 'starting');
    assert.match(readFileSync(`/proc/${starting.pid}/environ`, 'latin1'), /NOTIFY_SOCKET=/);
    const plain = await waitForState(c, 'notify/plain:0', 'running');
    assert.doesNotMatch(readFileSync(`/proc/${plain.pid}/environ`, 'latin1'), /NOTIFY_SOCKET=/);
    await writeFile(gate, 'go\n');
    const running = await waitForState(c, 'notify/sd:0', 'running');
    assert.equal(running.status_text, 'serving 3 queues');
    assert.equal(running.pid, starting.pid);
    const table = await c.corral(['ps']);
    assert.match(table.stdout, /running: serving 3 queues/);
  });

  test('a notify service running as another user reaches its socket', async (t) => {
    if (process.getuid?.() !== 0 || !existsSync('/usr/bin/systemd-notify')) {
      t.skip('needs root (to run as www-data) and /usr/bin/systemd-notify');
      return;
    }
    const c = homeFor(t);
    c.writeConfig(`
name: notify2
services:
  www:
    command: "systemd-notify --ready --status=as-www-data --no-block; exec sleep 100000"
    cwd: /
    user: www-data
    ready: { notify: true, timeout: 20s }
`);
    assert.equal((await c.corral(['up', '--no-wait'])).code, 0);
    const row = await waitForState(c, 'notify2/www:0', 'running');
    assert.equal(row.status_text, 'as-www-data');
    assert.match(readFileSync(`/proc/${row.pid}/environ`, 'latin1'), /NOTIFY_SOCKET=@corral-/);
  });

  test('no READY=1 within ready.timeout: killed with reason ready-timeout', async (t) => {
    const c = homeFor(t);
    c.writeConfig(`
name: silent
services:
  mute:
    command: [sleep, "100000"]
    ready: { notify: true, timeout: 500ms }
    restart: never
`);
    assert.equal((await c.corral(['up', '--no-wait'])).code, 0);
    const row = await waitForState(c, 'silent/mute:0', 'exited');
    assert.equal((row.last_exit as { reason: string }).reason, 'ready-timeout');
    assert.match(String(row.message), /no READY=1 on NOTIFY_SOCKET/);
  });
});
