// sd_notify MAINPID= with the real systemd-notify: a launcher that starts the server, names it as
// the main process and exits. The server's exit is the one that counts, as with systemd.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { upProject } from '../helpers/cli.js';
import { daemonEvents, waitForRow } from '../helpers/daemon-api.js';
import { waitFor } from '../helpers/wait.js';

const NOTIFY = '/usr/bin/systemd-notify';

test('a main process named with MAINPID= is followed: the launcher exits, the server counts', async (t) => {
  if (!existsSync(NOTIFY)) {
    t.skip('systemd-notify is not installed (Debian package systemd)');
    return;
  }
  const c = await upProject(
    t,
    `
name: forking
services:
  svc:
    command: ["/bin/sh", "-c", "sleep 300 & ${NOTIFY} --ready --pid=$! --status=serving; exit 0"]
    ready: { notify: true, timeout: 10s }
    restart: on-failure
    backoff: { free: 3 }
`,
  );
  const row = await waitForRow(c, (r) => r.name === 'forking/svc:0' && r.state === 'running', {
    what: 'svc running',
  });
  // the launcher is gone, and what runs is the server it named
  const spawned = (await daemonEvents(c, 'svc')).filter((e) => e.type === 'spawned');
  assert.equal(spawned.length, 1);
  const server = await waitForRow(c, (r) => r.name === 'forking/svc:0' && r.pid !== spawned[0].pid, {
    what: 'the main process to be the one shown',
  });
  // `$!` is the shell's fork, which becomes sleep once it has exec'd (on a loaded machine, after
  // the launcher has already named it)
  await waitFor(() => readFileSync(`/proc/${server.pid}/comm`, 'utf8').trim() === 'sleep', {
    what: `process ${server.pid} to be sleep`,
  });
  assert.equal(row.restarts, 0);
  assert.equal(
    (await daemonEvents(c, 'svc')).filter((e) => e.type === 'exited').length,
    0,
    'the launcher’s exit 0 is not the end',
  );
  // the server dies: that is the service's end, and on-failure restarts it
  process.kill(server.pid as number, 'SIGKILL');
  const again = await waitForRow(
    c,
    (r) => r.name === 'forking/svc:0' && r.restarts === 1 && r.state === 'running',
    {
      what: 'svc restarted once',
    },
  );
  const exited = (await daemonEvents(c, 'svc')).filter((e) => e.type === 'exited');
  assert.equal(exited.length, 1);
  assert.equal(exited[0].pid, server.pid);
  assert.notEqual(again.pid, server.pid);
});
