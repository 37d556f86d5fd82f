// The sd_notify receiver, fed by Debian's real systemd-notify and by a node sender, and woken by
// the daemon's epoll set (EpollLoop), never by a timer.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EpollLoop } from '../../../src/process/event-loop.js';
import {
  createNotifySocket,
  type NotifyMessage,
  type NotifySocket,
  parseNotifyMessage,
} from '../../../src/process/notify-socket.js';
import { fixture, REPO_ROOT, type TempHome, tempHome } from '../../helpers/home.js';
import { waitFor } from '../../helpers/wait.js';
import { isCloseOnExec, testEnv } from './support.js';

const SYSTEMD_NOTIFY = ['/usr/bin/systemd-notify', '/bin/systemd-notify'].find((p) => existsSync(p));
const NO_SYSTEMD_NOTIFY = 'systemd-notify is not installed (Debian: apt-get install systemd)';

// A receiver as the daemon runs it: the socket's fd in an epoll set, drained when readable.
async function receiver(
  t: { after(fn: () => unknown): void },
  path: string,
): Promise<{ socket: NotifySocket; messages: NotifyMessage[]; wakes: () => number }> {
  const socket = createNotifySocket(path);
  const messages: NotifyMessage[] = [];
  let wakes = 0;
  const watcher = new EpollLoop(
    (fd) => {
      assert.equal(fd, socket.fd);
      wakes++;
      messages.push(...socket.drain());
    },
    (e) => {
      throw e;
    },
  );
  watcher.add(socket.fd);
  t.after(async () => {
    watcher.remove(socket.fd);
    await watcher.close();
    socket.close();
  });
  return { socket, messages, wakes: () => wakes };
}

// Runs a program with NOTIFY_SOCKET set; resolves with its exit code.
function run(
  home: TempHome,
  argv: string[],
  notifySocket: string,
): Promise<{ pid: number; code: number | null }> {
  const child = spawn(argv[0], argv.slice(1), {
    env: { ...testEnv(home), NOTIFY_SOCKET: notifySocket },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  home.track(child.pid!);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve({ pid: child.pid!, code }));
  });
}

test('parseNotifyMessage: KEY=VALUE lines, the last of a key wins, other lines ignored', () => {
  assert.deepEqual(parseNotifyMessage('READY=1\nSTATUS=a=b\n\ngarbage\nSTATUS=c\n'), {
    READY: '1',
    STATUS: 'c',
  });
});

test("Debian's systemd-notify --ready --status=hello --no-block is received, through epoll", async (t) => {
  if (!SYSTEMD_NOTIFY) return t.skip(NO_SYSTEMD_NOTIFY);
  const home = tempHome();
  t.after(() => home.cleanup());
  const path = join(home.dir, 'run', 'notify', 'shop', 'api.0.sock');
  const r = await receiver(t, path);
  assert.equal(statSync(join(home.dir, 'run', 'notify')).mode & 0o777, 0o700);
  assert.equal(lstatSync(path).mode & 0o777, 0o600);
  assert.equal(isCloseOnExec(r.socket.fd), true);
  const { pid, code } = await run(home, [SYSTEMD_NOTIFY, '--ready', '--status=hello', '--no-block'], path);
  assert.equal(code, 0);
  await waitFor(() => r.messages.length >= 1, { what: 'the notify message' });
  const [m] = r.messages;
  assert.equal(m.fields.READY, '1');
  assert.equal(m.fields.STATUS, 'hello');
  // systemd-notify speaks for its parent: as root (CAP_SYS_ADMIN) the kernel lets it put the
  // parent's pid in the credentials, otherwise they carry its own
  assert.equal(m.pid, process.getuid!() === 0 ? process.pid : pid);
  assert.equal(m.uid, process.getuid!());
  assert.equal(r.socket.dropped, 0);
});

test('systemd-notify without --no-block waits on a barrier fd, which drain() closes', async (t) => {
  if (!SYSTEMD_NOTIFY) return t.skip(NO_SYSTEMD_NOTIFY);
  const home = tempHome();
  t.after(() => home.cleanup());
  const path = join(home.dir, 'notify.sock');
  const r = await receiver(t, path);
  const { code } = await run(home, [SYSTEMD_NOTIFY, '--ready', '--status=with barrier'], path);
  assert.equal(code, 0, 'systemd-notify saw its barrier answered');
  await waitFor(() => r.messages.some((m) => m.fields.BARRIER === '1'), { what: 'the barrier message' });
  assert.ok(r.messages.some((m) => m.fields.READY === '1' && m.fields.STATUS === 'with barrier'));
});

test('a node sender: every field of the protocol, attributed to the sender pid', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const path = join(home.dir, 'notify.sock');
  const r = await receiver(t, path);
  const fields = [
    'READY=1',
    'STATUS=serving 3 clients',
    'MAINPID=4242',
    'EXTEND_TIMEOUT_USEC=5000000',
    'WATCHDOG=1',
    'STOPPING=1',
  ];
  const { pid, code } = await run(home, [process.execPath, fixture('notify-sender.mjs'), ...fields], path);
  assert.equal(code, 0);
  await waitFor(() => r.messages.length >= 1, { what: 'the notify message' });
  assert.deepEqual(r.messages, [
    {
      pid,
      uid: process.getuid!(),
      gid: process.getgid!(),
      fields: {
        READY: '1',
        STATUS: 'serving 3 clients',
        MAINPID: '4242',
        EXTEND_TIMEOUT_USEC: '5000000',
        WATCHDOG: '1',
        STOPPING: '1',
      },
    },
  ]);
});

test('a burst of 600 messages arrives whole and in order, more than one drain can take', async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const r = await receiver(t, join(home.dir, 'notify.sock'));
  // one node process sends them all (the kernel queues only ~10 datagrams: it blocks until read)
  const script = `for (let i = 0; i < 600; i++) if (!sdNotify({ STATUS: String(i) })) process.exit(1);`;
  const sender = `import { sdNotify } from '${join(REPO_ROOT, 'dist', 'src', 'process', 'sd-notify.js')}'; ${script}`;
  const { code } = await run(home, [process.execPath, '--input-type=module', '-e', sender], r.socket.path);
  assert.equal(code, 0);
  await waitFor(() => r.messages.length >= 600, { what: '600 messages' });
  assert.deepEqual(
    r.messages.map((m) => m.fields.STATUS),
    Array.from({ length: 600 }, (_, i) => String(i)),
  );
  assert.ok(r.wakes() >= 3, `woken ${r.wakes()} times`);
});

test('abstract sockets; an empty queue drains to nothing; close is idempotent and removes the file', (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const name = `@corral-test/${process.pid}/notify`;
  const abstract = createNotifySocket(name);
  assert.deepEqual(abstract.drain(), []);
  abstract.close();
  abstract.close();
  assert.deepEqual(abstract.drain(), []);

  const path = join(home.dir, 'n.sock');
  const first = createNotifySocket(path);
  // a second one replaces the file (as after a daemon was killed); the first no longer owns it
  const second = createNotifySocket(path);
  first.close();
  assert.ok(lstatSync(path).isSocket(), "closing the first does not remove the second's file");
  second.close();
  assert.equal(existsSync(path), false);

  mkdirSync(join(home.dir, 'd'));
  writeFileSync(join(home.dir, 'd', 'file'), '');
  assert.throws(() => createNotifySocket(join(home.dir, 'd', 'file')), /exists and is not a socket/);
  assert.throws(() => createNotifySocket(join(home.dir, 'x'.repeat(120))), /1 to 107 bytes/);
});
