// The socket keeper against the real kernel and the real perl: it holds listening sockets after
// their binder closed its copies, gives copies to a later process of its uid, is replaced when the
// set changes, and gives nothing to another uid.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { findPerl, type KeptSockets, SocketKeeper } from '../../../src/daemon/socket-keeper.js';
import { silentLogger } from '../../../src/log.js';
import { bindListeners, type ListenSocket } from '../../../src/process/listen-sockets.js';
import { close } from '../../../src/process/native/fd.js';
import { getsockname } from '../../../src/process/native/socket.js';
import { REPO_ROOT, type TempHome, tempHome } from '../../helpers/home.js';
import { isGone } from '../../helpers/proc.js';
import { waitFor } from '../../helpers/wait.js';

const logger = silentLogger();
const skip = findPerl() === null ? 'needs perl' : false;

function keeperFor(home: TempHome, sets: () => KeptSockets[]): SocketKeeper {
  return new SocketKeeper(join(home.dir, 'home'), { CORRAL_TEST_HOME: home.dir }, logger, sets);
}

function setOf(key: string, sockets: ListenSocket[]): KeptSockets {
  return {
    key,
    specs: JSON.stringify(sockets.map((s) => s.spec)),
    names: sockets.map((s) => s.name),
    fds: sockets.map((s) => s.fd),
  };
}

function portOf(fd: number): number {
  const a = getsockname(fd);
  assert.notEqual(a.family, 'unix');
  return (a as { port: number }).port;
}

/** Resolves once a TCP connection to `port` is accepted by the kernel (queued on a listening socket). */
function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/** The pids of the live socket keepers whose environment carries `home`'s test mark. */
function keepers(home: TempHome): number[] {
  const out: number[] = [];
  for (const pid of spawnSync('pgrep', ['-x', 'perl'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean)) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'latin1').includes(`CORRAL_TEST_HOME=${home.dir}\0`))
        out.push(Number(pid));
    } catch {
      // gone
    }
  }
  return out;
}

test('the keeper holds sockets its binder closed, and a later process of its uid takes copies back', {
  skip,
}, async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const web = bindListeners(['tcp://127.0.0.1:0', 'tcp://127.0.0.1:0'], { name: 'web' });
  const api = bindListeners(['tcp://127.0.0.1:0'], { name: 'api' });
  const ports = [...web, ...api].map((s) => portOf(s.fd));
  const sets = [setOf('p/web', web), setOf('p/api', api)];
  const first = keeperFor(home, () => sets);
  first.refresh();
  for (const s of [...web, ...api]) close(s.fd);
  for (const port of ports)
    assert.ok(await connects(port), `port ${port} still listens, in the keeper alone`);

  const taken = keeperFor(home, () => []).takeBack();
  assert.deepEqual([...taken.keys()].sort(), ['p/api', 'p/web']);
  const got = taken.get('p/web') as KeptSockets;
  assert.equal(got.specs, sets[0].specs);
  assert.deepEqual(got.names, ['web', 'web']);
  assert.deepEqual(
    got.fds.map((fd) => portOf(fd)),
    ports.slice(0, 2),
    'the same sockets, in the order of the specs',
  );
  assert.deepEqual(
    (taken.get('p/api') as KeptSockets).fds.map((fd) => portOf(fd)),
    ports.slice(2),
  );
  for (const k of taken.values()) for (const fd of k.fds) close(fd);
});

test('a changed set replaces the keeper: the new one holds it, the old one is gone; stop() ends it', {
  skip,
}, async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const a = bindListeners(['tcp://127.0.0.1:0'], { name: 'a' });
  let sets = [setOf('p/a', a)];
  const keeper = keeperFor(home, () => sets);
  keeper.refresh();
  const [old] = keepers(home);
  assert.ok(old, 'a keeper runs');
  const b = bindListeners(['tcp://127.0.0.1:0'], { name: 'b' });
  sets = [setOf('p/b', b)];
  keeper.changed();
  await waitFor(() => isGone(old) && keepers(home).length === 1, { what: 'the old keeper to be replaced' });
  const [portA, portB] = [portOf(a[0].fd), portOf(b[0].fd)];
  close(a[0].fd);
  close(b[0].fd);
  assert.ok(await connects(portB), 'b still listens, in the new keeper');
  assert.equal(await connects(portA), false, 'a is held by no one now: refused');
  keeper.stop();
  await waitFor(() => keepers(home).length === 0, { what: 'the keeper to stop' });
});

test('a process of another uid gets no socket from the keeper', {
  skip: skip || (process.getuid?.() === 0 ? false : 'needs root, to ask as nobody'),
}, async (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const s = bindListeners(['tcp://127.0.0.1:0'], { name: 's' });
  t.after(() => close(s[0].fd));
  keeperFor(home, () => [setOf('p/s', s)]).refresh();
  const [pid] = keepers(home);
  const name = readFileSync(`/proc/${pid}/environ`, 'latin1')
    .split('\0')
    .find((kv) => kv.startsWith('CORRAL_SOCKET_KEEPER='))
    ?.slice('CORRAL_SOCKET_KEEPER='.length);
  assert.ok(name);
  const native = join(REPO_ROOT, 'dist', 'src', 'process', 'native');
  const ask = (user: string[]): string =>
    spawnSync(
      'setpriv',
      [
        ...user,
        process.execPath,
        '--input-type=module',
        '-e',
        `const so = await import(${JSON.stringify(join(native, 'socket.js'))});
         const sa = await import(${JSON.stringify(join(native, 'sockaddr.js'))});
         const fd = so.socket(sa.AF_UNIX, so.SOCK_SEQPACKET);
         await new Promise((r) => setTimeout(r, 0));
         for (let i = 0; i < 200 && so.connect(fd, sa.sockaddrUn('@${name}')) !== 0; i++) await new Promise((r) => setTimeout(r, 5));
         so.setReceiveTimeout(fd, 2000);
         let fds = 0;
         for (;;) { const m = so.recvmsg(fd, 0); if (m === null) { console.log('timeout'); break; } if (m.data.length === 0 && m.fds.length === 0) break; fds += m.fds.length; }
         console.log('fds', fds);`,
      ],
      { encoding: 'utf8' },
    ).stdout.trim();
  assert.equal(ask(['--reuid=nobody', '--regid=nogroup', '--clear-groups']), 'fds 0', 'nobody gets none');
  assert.equal(ask(['--reuid=root']), 'fds 1', 'its own uid gets the socket');
});
