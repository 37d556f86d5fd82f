// `watch:` under the daemon, through the real CLI and real inotify: 20 saves within a second give
// one restart whose event names the file; a directory made under a watched tree is watched; a
// daemon SIGKILLed and started again watches again without restarting the process it adopts;
// export lists `watch` as not mapped.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { homeFor, killDaemon, waitForState } from '../helpers/cli.js';
import { type DaemonHome, daemonEvents, type ServiceRow, waitForRow } from '../helpers/daemon-api.js';
import { CLI, fixture } from '../helpers/home.js';
import { waitFor } from '../helpers/wait.js';

const node = process.execPath;

/** The pace of a burst of saves (20 in 800 ms); not a wait for anything. */
const pace = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function config(extra = ''): string {
  return `
name: w
services:
  app:
    command: [${node}, ${fixture('forever.mjs')}]
    watch: ["./src/**/*.js", "!./src/tmp/**"]
${extra}`;
}

/** Waits until app runs again with a pid other than `pid`; returns its row. */
function runningAgain(c: DaemonHome, pid: number | null): Promise<ServiceRow> {
  return waitForRow(c, (r) => r.name === 'w/app:0' && r.state === 'running' && r.pid !== pid, {
    what: `app to run again with a pid other than ${pid}`,
  });
}

async function fileChanges(c: DaemonHome) {
  return (await daemonEvents(c, 'app')).filter(
    (e) => e.type === 'restart-scheduled' && e.reason === 'file-changed',
  );
}

describe('restart on change (watch:)', () => {
  test('20 saves within a second give one restart; the event names the file; a new directory is watched', async (t) => {
    const c = homeFor(t);
    mkdirSync(join(c.projectDir, 'src', 'tmp'), { recursive: true });
    writeFileSync(join(c.projectDir, 'src', 'server.js'), '// 0\n');
    c.writeConfig(config());
    const up = await c.corral(['up', '--wait']);
    assert.equal(up.code, 0, up.stderr);
    const first = await waitForState(c, 'w/app:0', 'running');

    // ignored files and a file the globs do not take restart nothing
    writeFileSync(join(c.projectDir, 'src', 'tmp', 'scratch.js'), 'x');
    writeFileSync(join(c.projectDir, 'src', 'notes.txt'), 'x');
    for (let i = 1; i <= 20; i++) {
      writeFileSync(join(c.projectDir, 'src', 'server.js'), `// ${i}\n`);
      await pace(40);
    }
    const second = await runningAgain(c, first.pid);
    const burst = await fileChanges(c);
    assert.equal(burst.length, 1, JSON.stringify(burst));
    assert.match(burst[0].message ?? '', /^src\/server\.js changed/);

    // directories made after the watch began: a file written with them, then one written later
    mkdirSync(join(c.projectDir, 'src', 'feature', 'deep'), { recursive: true });
    writeFileSync(join(c.projectDir, 'src', 'feature', 'deep', 'early.js'), 'x');
    const third = await runningAgain(c, second.pid);
    writeFileSync(join(c.projectDir, 'src', 'feature', 'deep', 'later.js'), 'x');
    await runningAgain(c, third.pid);
    const all = await fileChanges(c);
    assert.deepEqual(
      all.map((e) => (e.message ?? '').split(' ')[0]),
      ['src/server.js', 'src/feature/deep/early.js', 'src/feature/deep/later.js'],
    );
  });

  test('after the daemon is SIGKILLed, the next one adopts the process as it is and watches again', async (t) => {
    const c = homeFor(t);
    mkdirSync(join(c.projectDir, 'src'), { recursive: true });
    writeFileSync(join(c.projectDir, 'src', 'server.js'), '// 0\n');
    c.writeConfig(config());
    assert.equal((await c.corral(['up', '--wait'])).code, 0);
    const first = await waitForState(c, 'w/app:0', 'running');
    await killDaemon(c);
    const ps = await c.corral(['ps', '--json']);
    assert.equal(ps.code, 0, ps.stderr);
    const adopted = await waitForState(c, 'w/app:0', 'running');
    assert.equal(adopted.pid, first.pid, 'the adopted process was not restarted');
    assert.equal((await fileChanges(c)).length, 0);
    writeFileSync(join(c.projectDir, 'src', 'server.js'), '// 1\n');
    const restarted = await runningAgain(c, first.pid);
    assert.notEqual(restarted.pid, first.pid);
    assert.equal((await fileChanges(c)).length, 1);
  });

  test('a tree larger than the inotify limit: a watch-failed event says how to raise it, and the service runs on', async (t) => {
    // the limit is lowered in a user namespace of the test's own (/proc/sys/user/max_inotify_watches
    // there), which leaves the machine's limit as it is
    const probe = spawnSync('unshare', ['-Ur', 'sh', '-c', 'echo 3 > /proc/sys/user/max_inotify_watches']);
    if (probe.status !== 0) {
      t.skip(`no user namespace with its own inotify limit here: ${probe.stderr}`);
      return;
    }
    const c = homeFor(t);
    for (const d of ['a', 'b', 'c', 'd', 'e', 'f'])
      mkdirSync(join(c.projectDir, 'src', d), { recursive: true });
    writeFileSync(join(c.projectDir, 'src', 'server.js'), '');
    c.writeConfig(config());
    const child = spawn(
      'unshare',
      ['-Ur', 'sh', '-c', `echo 3 > /proc/sys/user/max_inotify_watches && exec "$@"`, 'sh', node, CLI, 'run'],
      { cwd: c.projectDir, env: c.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    t.after(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    await waitFor(() => /watch-failed/.test(out) && /^app +\| ready$/m.test(out), {
      what: 'the watch-failed event and the service running',
    });
    assert.match(
      out,
      /watch-failed +w\/app cannot watch .*src.*: this user's inotify watches are used up: fs\.inotify\.max_user_watches/,
    );
    assert.match(out, /sudo sysctl fs\.inotify\.max_user_watches=\d+/);
    assert.equal(out.match(/watch-failed/g)?.length, 1, 'said once');
    child.kill('SIGINT');
    await new Promise((r) => child.once('exit', r));
  });

  test('export lists watch as not mapped', async (t) => {
    const c = homeFor(t);
    mkdirSync(join(c.projectDir, 'src'), { recursive: true });
    writeFileSync(join(c.projectDir, 'src', 'server.js'), '');
    c.writeConfig(config());
    for (const target of ['systemd', 'kubernetes', 'nomad', 'compose']) {
      const r = await c.corral(['export', target, '-o', join(c.home.dir, target)]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /app: watch: not mapped: restart on change is a development feature/);
    }
  });
});
