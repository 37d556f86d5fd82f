// Orphans of services are reparented to corral and reaped: by the daemon (a child subreaper)
// and by `corral run` as PID 1 of a PID namespace.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { homeFor, upProject, waitForState } from '../helpers/cli.js';
import { CLI, fixture } from '../helpers/home.js';
import { procStat, zombiesOf } from '../helpers/proc.js';
import { waitFor } from '../helpers/wait.js';

const node = process.execPath;

describe('reaping', () => {
  test('a daemonizing service: its orphan is reparented to the daemon and reaped when it dies', async (t) => {
    const c = await upProject(
      t,
      `
name: reap
services:
  forks:
    command: [${node}, ${fixture('daemonize.mjs')}]
    restart: never
`,
      { wait: false },
    );
    await waitForState(c, 'reap/forks:0', 'exited');
    const log = join(c.env.CORRAL_HOME!, 'logs', 'reap', 'forks.log');
    const { orphan } = JSON.parse(readFileSync(log, 'utf8').trim().split('\n')[0]) as { orphan: number };
    c.home.track(orphan);
    const daemon = Number(readFileSync(join(c.env.CORRAL_HOME!, 'daemon.pid'), 'utf8'));
    await waitFor(() => procStat(orphan)?.ppid === daemon, {
      what: 'the orphan to be reparented to the daemon',
    });
    process.kill(orphan, 'SIGKILL');
    await waitFor(() => procStat(orphan) === null, { what: 'the orphan to be reaped' });
    assert.deepEqual(zombiesOf(daemon), []);
  });

  test('corral run as PID 1 in a PID namespace: orphans reaped, SIGTERM stops all, exit code 0', async (t) => {
    if (process.getuid?.() !== 0 || !existsSync('/usr/bin/unshare')) {
      t.skip('needs root and unshare (util-linux) to make a PID namespace');
      return;
    }
    const c = homeFor(t);
    c.writeConfig(`
name: pid1
services:
  forks:
    command: [${node}, ${fixture('daemonize.mjs')}, "100"]
    restart: always
    backoff: { free: 1000 }
  web:
    command: [${node}, ${fixture('forever.mjs')}]
`);
    const child = spawn('/usr/bin/unshare', ['--pid', '--fork', '--mount-proc', node, CLI, 'run'], {
      cwd: c.projectDir,
      env: c.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    c.home.track(child.pid!);
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
    });
    child.stderr!.on('data', (d) => {
      out += d;
    });
    // corral is the unshare process's only child, and PID 1 inside
    const corral = await waitFor(
      () =>
        readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'latin1')
          .trim()
          .split(' ')
          .map(Number)[0],
      { what: 'corral inside the namespace' },
    );
    assert.match(
      readFileSync(`/proc/${corral}/status`, 'latin1'),
      /^NSpid:\s+\d+\s+1$/m,
      'corral is PID 1 there',
    );
    // forks restarts again and again, each run leaving an orphan that dies 100 ms later
    await waitFor(() => (out.match(/orphan/g) ?? []).length >= 5, {
      what: 'five orphans made',
      timeout: 20_000,
    });
    await waitFor(() => zombiesOf(corral).length === 0, { what: 'no zombie under PID 1' });
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', (cd) => resolve(cd));
      process.kill(corral, 'SIGTERM');
    });
    assert.equal(code, 0, out);
    assert.match(out, /stopped +pid1\/web:0/);
  });
});
