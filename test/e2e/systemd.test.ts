// The daemon under systemd: READY=1 and MAINPID= once its socket answers, STATUS= summaries,
// STOPPING=1 on shutdown; received here by a real datagram socket standing in for systemd.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  createNotifySocket,
  type NotifyMessage,
  type NotifySocket,
} from '../../src/process/notify-socket.js';
import { type CliEnv, cliEnv, waitForState } from '../helpers/cli.js';
import { CLI, fixture } from '../helpers/home.js';
import { waitFor } from '../helpers/wait.js';

describe('the daemon and systemd', () => {
  let c: CliEnv;
  let systemd: NotifySocket;
  const received: NotifyMessage[] = [];
  before(() => {
    c = cliEnv();
    systemd = createNotifySocket(join(c.home.dir, 'systemd-notify.sock'));
  });
  after(async () => {
    systemd.close();
    await c.cleanup();
  });
  const collect = (): NotifyMessage[] => {
    received.push(...systemd.drain());
    return received;
  };

  test('READY=1 with MAINPID once the socket answers; services do not inherit NOTIFY_SOCKET; STOPPING=1 at the end', async () => {
    const daemon = spawn(process.execPath, [CLI, 'daemon', 'start', '--foreground'], {
      env: { ...c.env, NOTIFY_SOCKET: systemd.path },
      stdio: 'ignore',
    });
    c.home.track(daemon.pid!);
    const ready = await waitFor(() => collect().find((m) => m.fields.READY === '1'), { what: 'READY=1' });
    assert.equal(ready.fields.MAINPID, String(daemon.pid));
    assert.equal(ready.pid, daemon.pid, 'sent by the daemon itself');
    assert.match(ready.fields.STATUS, /processes running/);
    // the socket answered by then: READY came after listen
    assert.equal((await c.corral(['daemon', 'status'])).code, 0);

    c.writeConfig(`
name: unit
services:
  web:
    command: [${process.execPath}, ${fixture('forever.mjs')}]
`);
    assert.equal((await c.corral(['up', '--no-wait'])).code, 0);
    const web = await waitForState(c, 'unit/web:0', 'running');
    assert.doesNotMatch(readFileSync(`/proc/${web.pid}/environ`, 'latin1'), /NOTIFY_SOCKET=/);
    await waitFor(() => collect().some((m) => m.fields.STATUS === '1 of 1 processes running'), {
      what: 'a STATUS update',
    });

    const code = await new Promise<number | null>((resolve) => {
      daemon.once('exit', (cd) => resolve(cd));
      daemon.kill('SIGTERM');
    });
    assert.equal(code, 0);
    await waitFor(() => collect().some((m) => m.fields.STOPPING === '1'), { what: 'STOPPING=1' });
  });
});
