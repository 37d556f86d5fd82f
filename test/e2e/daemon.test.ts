// The daemon as a process: one per home, stale sockets, SIGTERM, logs -f through the CLI.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CliEnv, cliEnv, psJson, waitForState } from '../helpers/cli.js';
import { CLI, fixture } from '../helpers/home.js';
import { waitFor } from '../helpers/wait.js';

const node = process.execPath;

describe('the daemon', () => {
  let c: CliEnv;
  before(() => {
    c = cliEnv();
  });
  after(async () => {
    await c.cleanup();
  });

  test('the CLI starts it; the socket is 0600 in a 0700 home; a second daemon is refused', async () => {
    const status = await c.corral(['daemon', 'status']);
    assert.equal(status.code, 3, 'no daemon yet');
    const ps = await c.corral(['ps']);
    assert.equal(ps.code, 0, ps.stderr);
    const home = c.env.CORRAL_HOME!;
    assert.equal(statSync(home).mode & 0o777, 0o700);
    assert.equal(statSync(join(home, 'corral.sock')).mode & 0o777, 0o600);
    const pid = Number(readFileSync(join(home, 'daemon.pid'), 'utf8'));
    const second = await c.corral(['daemon', 'start', '--foreground']);
    assert.equal(second.code, 1);
    assert.match(second.stderr, new RegExp(`pid ${pid}\\) already runs`));
    assert.equal((await c.corral(['daemon', 'status'])).code, 0, 'the first one is unharmed');
  });

  test('logs -f follows a service as it writes', async () => {
    c.writeConfig(`
name: talk
services:
  ticker:
    command: ["/bin/sh", "-c", "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.05; done"]
`);
    assert.equal((await c.corral(['up', '--no-wait'])).code, 0);
    await waitForState(c, 'talk/ticker:0', 'running');
    const follower = c.spawnCorral(['logs', '-f', 'ticker', '-n', '1']);
    const seen = await waitFor(
      () => {
        const ticks = [...follower.output().matchAll(/^tick (\d+)$/gm)].map((m) => Number(m[1]));
        return ticks.length >= 5 ? ticks : null;
      },
      { what: 'five ticks through logs -f' },
    );
    for (let i = 1; i < seen.length; i++) assert.equal(seen[i], seen[i - 1] + 1, 'in order, none missed');
    follower.kill('SIGINT');
    const tail = await c.corral(['logs', 'ticker', '-n', '3']);
    assert.equal(tail.code, 0);
    assert.equal(tail.stdout.trim().split('\n').length, 3);
    assert.match(tail.stdout, /^tick \d+$/m);
  });

  test('rotation at max_size keeps `keep` files; no line is lost or split across files', async () => {
    c.writeConfig(`
name: chatty
services:
  printer:
    command: [${node}, ${fixture('print-lines.mjs')}, "40000", "--vary"]
    restart: never
    logs: { max_size: 64KB, keep: 3 }
`);
    assert.equal((await c.corral(['up', '--no-wait'])).code, 0);
    await waitForState(c, 'chatty/printer:0', 'exited');
    const base = join(c.env.CORRAL_HOME!, 'logs', 'chatty', 'printer.log');
    const files = [`${base}.3`, `${base}.2`, `${base}.1`, base];
    for (const f of files) assert.ok(existsSync(f), `${f} exists`);
    assert.equal(existsSync(`${base}.4`), false, 'no more than keep rotated files');
    const numbers: number[] = [];
    for (const f of files) {
      const text = readFileSync(f, 'latin1');
      assert.ok(statSync(f).size <= 64 * 1024, `${f} is within max_size`);
      assert.ok(text.endsWith('\n'), `${f} ends at a line boundary`);
      for (const line of text.split('\n').slice(0, -1)) numbers.push(Number.parseInt(line, 10));
    }
    assert.equal(numbers[numbers.length - 1], 40000, 'the last line is there');
    for (let i = 1; i < numbers.length; i++)
      assert.equal(numbers[i], numbers[i - 1] + 1, `line after ${numbers[i - 1]}`);
  });

  test('SIGTERM to the daemon stops the services and exits 0', async () => {
    const home = c.env.CORRAL_HOME!;
    const rows = await psJson(c);
    const pids = rows.flatMap((r) => (r.pid === null ? [] : [r.pid]));
    assert.ok(pids.length > 0);
    const daemonPid = Number(readFileSync(join(home, 'daemon.pid'), 'utf8'));
    process.kill(daemonPid, 'SIGTERM');
    await waitFor(
      () => {
        try {
          process.kill(daemonPid, 0);
          return false;
        } catch {
          return true;
        }
      },
      { what: 'the daemon to exit' },
    );
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), `service ${pid} is gone`);
    const lastEvent = readFileSync(join(home, 'events.jsonl'), 'utf8').trim().split('\n').pop()!;
    assert.equal(JSON.parse(lastEvent).type, 'daemon-stopped');
  });

  test('a stale socket from a SIGKILLed daemon is cleaned up by the next one', async () => {
    const home = c.env.CORRAL_HOME!;
    assert.equal((await c.corral(['ps'])).code, 0);
    const pid = Number(readFileSync(join(home, 'daemon.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await waitFor(
      () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      { what: 'the daemon to die' },
    );
    assert.ok(existsSync(join(home, 'corral.sock')), 'the dead daemon left its socket behind');
    const r = await c.corral(['ps']);
    assert.equal(r.code, 0, r.stderr);
    const now = Number(readFileSync(join(home, 'daemon.pid'), 'utf8'));
    assert.notEqual(now, pid);
  });

  test('daemon start --foreground runs attached until SIGTERM, exit 0', async () => {
    await c.corral(['daemon', 'stop']);
    const child = spawn(node, [CLI, 'daemon', 'start', '--foreground'], { env: c.env, stdio: 'ignore' });
    c.home.track(child.pid!);
    await waitFor(async () => (await c.corral(['daemon', 'status'])).code === 0, { what: 'daemon up' });
    c.writeConfig(`
name: fg
services:
  web:
    command: [${node}, ${fixture('forever.mjs')}]
`);
    assert.equal((await c.corral(['up', '--no-wait'])).code, 0);
    const web = await waitForState(c, 'fg/web:0', 'running');
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', (cd) => resolve(cd));
      child.kill('SIGTERM');
    });
    assert.equal(code, 0);
    assert.throws(() => process.kill(web.pid!, 0));
  });

  test('SIGTERM exits 0 once every service is stopped, even one SIGKILLed after its stop timeout', async () => {
    await c.corral(['daemon', 'stop']);
    const child = spawn(node, [CLI, 'daemon', 'start', '--foreground'], { env: c.env, stdio: 'ignore' });
    c.home.track(child.pid!);
    await waitFor(async () => (await c.corral(['daemon', 'status'])).code === 0, { what: 'daemon up' });
    c.writeConfig(`
name: deaf
services:
  deaf:
    command: [${node}, ${fixture('ignore-sigterm.mjs')}]
    stop: { timeout: 300ms }
    ready: { log: ready }
`);
    assert.equal((await c.corral(['up', '--wait'])).code, 0);
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', (cd) => resolve(cd));
      child.kill('SIGTERM');
    });
    assert.equal(code, 0);
    const events = readFileSync(join(c.env.CORRAL_HOME!, 'events.jsonl'), 'utf8');
    assert.match(events, /"type":"stopped"[^\n]*"reason":"killed-after-timeout"/, 'it was SIGKILLed');
  });

  test('--idle-timeout: a daemon with no running service and no client exits 0', async () => {
    await c.corral(['daemon', 'stop']);
    const started = Date.now();
    const idle = spawn(node, [CLI, 'daemon', 'start', '--foreground', '--idle-timeout', '300ms'], {
      env: c.env,
      stdio: 'ignore',
    });
    c.home.track(idle.pid!);
    const code = await new Promise<number | null>((resolve) => idle.once('exit', (cd) => resolve(cd)));
    assert.equal(code, 0);
    assert.ok(Date.now() - started >= 300);
  });
});
