// What one start is made of: the environment's order of precedence, corral's own variables,
// sockets, notify and the argv prelude, from the pure launchRequest().
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { launchRequest } from '../../../src/engine/launch.js';
import { project } from './fake-host.js';

const noCredentials = { argvPrefix: [], env: {} };
const output = { stdout: 7, stderr: 8 };

function spec(yaml: string) {
  return project(yaml).services[0];
}

test('the service env wins over the base, and corral names the process last', () => {
  const s = spec(
    'name: shop\nservices:\n  web:\n    command: [web]\n    env: { A: service, CORRAL_SERVICE: mine }\n',
  );
  const req = launchRequest({
    spec: s,
    index: 2,
    baseEnv: { A: 'base', B: 'base', NOTIFY_SOCKET: '/run/systemd/notify', LISTEN_FDS: '3' },
    credentials: noCredentials,
    output,
    sockets: [],
    notifySocket: null,
  });
  assert.equal(req.env.A, 'service');
  assert.equal(req.env.B, 'base');
  assert.equal(req.env.CORRAL_SERVICE, 'web');
  assert.equal(req.env.CORRAL_PROJECT, 'shop');
  assert.equal(req.env.CORRAL_INSTANCE, '2');
  assert.equal(
    req.env.NOTIFY_SOCKET,
    undefined,
    'no notify readiness: no NOTIFY_SOCKET, whatever the base says',
  );
  assert.equal(req.env.LISTEN_FDS, undefined, 'no sockets: no LISTEN_FDS of anyone else');
  assert.deepEqual(req.argv, ['web']);
  assert.deepEqual(req.stdio, ['ignore', 7, 8]);
  assert.equal(req.umask, undefined);
});

test("the user's HOME and USER come in unless the service sets them", () => {
  const s = spec('name: p\nservices:\n  w:\n    command: [w]\n    env: { HOME: /srv/w }\n');
  const req = launchRequest({
    spec: s,
    index: 0,
    baseEnv: { HOME: '/root', USER: 'root' },
    credentials: {
      argvPrefix: ['/usr/bin/setpriv', '--reuid=33', '--'],
      env: { HOME: '/var/www', USER: 'www-data' },
    },
    output,
    sockets: [],
    notifySocket: null,
  });
  assert.equal(req.env.HOME, '/srv/w');
  assert.equal(req.env.USER, 'www-data');
  assert.deepEqual(req.argv, ['/usr/bin/setpriv', '--reuid=33', '--', 'w']);
});

test('sockets become fds 3.. with LISTEN_FDS and LISTEN_FDNAMES, and LISTEN_PID is set by the prelude', () => {
  const s = spec(
    'name: p\nservices:\n  w:\n    command: [w, --serve]\n    sockets: ["tcp://127.0.0.1:0"]\n    umask: "0027"\n',
  );
  const req = launchRequest({
    spec: s,
    index: 0,
    baseEnv: {},
    credentials: noCredentials,
    output,
    sockets: [
      { fd: 21, name: 'http' },
      { fd: 22, name: 'admin' },
    ],
    notifySocket: '/home/run/notify/p/w.sock',
  });
  assert.deepEqual(req.stdio, ['ignore', 7, 8, 21, 22]);
  assert.equal(req.env.LISTEN_FDS, '2');
  assert.equal(req.env.LISTEN_FDNAMES, 'http:admin');
  assert.equal(req.env.NOTIFY_SOCKET, '/home/run/notify/p/w.sock');
  assert.equal(req.argv[0], '/bin/sh');
  assert.match(req.argv[2], /LISTEN_PID=\$\$; export LISTEN_PID; exec "\$@"/);
  assert.deepEqual(req.argv.slice(-2), ['w', '--serve']);
  assert.equal(req.umask, 0o027);
});
