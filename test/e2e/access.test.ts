// No way in: another user cannot reach a home's daemon (the home is 0700, its socket 0600), and
// says so plainly; environment values whose names look secret are masked wherever a definition
// is shown (API, inspect), unless asked for, while the state files keep them.
import assert from 'node:assert/strict';
import { accessSync, chmodSync, constants, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { type CliResult, runProcess, upProject } from '../helpers/cli.js';
import { clientOf } from '../helpers/daemon-api.js';
import { CLI, fixture } from '../helpers/home.js';
import { waitFor } from '../helpers/wait.js';

const NOBODY = 65534;
const SETPRIV = '/usr/bin/setpriv';

/** Why the tests as another user cannot run here, or null. */
function whyNoOtherUser(): string | null {
  if (process.geteuid?.() !== 0) return 'needs root, to run a client as nobody with setpriv';
  try {
    accessSync(SETPRIV, constants.X_OK);
  } catch {
    return `needs ${SETPRIV} (util-linux)`;
  }
  return null;
}

/** Runs `args` as nobody (uid and gid 65534, no supplementary groups); its exit code and output. */
function asNobody(args: string[]): Promise<CliResult> {
  return runProcess(
    SETPRIV,
    [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, ...args],
    {
      cwd: '/',
      env: { PATH: process.env.PATH, NO_COLOR: '1' },
      timeoutMs: 20_000,
      what: `${args.join(' ')} as nobody`,
    },
  );
}

/** A connect to the unix socket at `path`, as nobody: the error code it gets, or "connected". */
async function connectAsNobody(path: string): Promise<string> {
  const script =
    "const s=require('node:net').connect(process.argv[1]);" +
    "s.on('connect',()=>{console.log('connected');s.destroy()});" +
    "s.on('error',(e)=>console.log(e.code))";
  const r = await asNobody(['-e', script, path]);
  return r.stdout.trim();
}

const FOREVER = `
services:
  web:
    command: ["${process.execPath}", "${fixture('forever.mjs')}"]
    env:
      API_TOKEN: tok-visible-only-on-request
      DB_PASSWORD: hunter2
      DATABASE_URL: postgres://shop:pw-in-url@127.0.0.1:5432/shop
      PORT: "3000"
`;

describe('another user cannot reach the daemon', { skip: whyNoOtherUser() ?? false }, () => {
  test('a connect as nobody gets EACCES (home 0700, socket 0600), and corral ps as nobody says why, exit 3', async (t) => {
    const c = await upProject(t, FOREVER);
    const home = c.env.CORRAL_HOME!;
    const socket = join(home, 'corral.sock');
    // only the home's own mode keeps nobody out: the directories above it are open
    chmodSync(c.home.dir, 0o755);
    assert.equal(statSync(home).mode & 0o777, 0o700, 'the home is 0700');
    assert.equal(statSync(socket).mode & 0o777, 0o600, 'the socket is 0600');
    const daemonPid = readFileSync(join(home, 'daemon.pid'), 'utf8').trim();

    assert.equal(await connectAsNobody(socket), 'EACCES', 'the 0700 home keeps nobody from the socket');
    // and the socket's own mode, should the home be opened to others
    chmodSync(home, 0o711);
    try {
      assert.equal(await connectAsNobody(socket), 'EACCES', 'the 0600 socket keeps nobody out');
    } finally {
      chmodSync(home, 0o700);
    }

    const ps = await asNobody([CLI, 'ps', '--home', home]);
    assert.equal(ps.code, 3, `corral ps as nobody: exit 3\n${ps.stderr}`);
    assert.equal(ps.stdout, '');
    assert.match(ps.stderr, /belongs to uid 0 \(root\), and this command runs as uid 65534/);
    assert.match(ps.stderr, /only the home's owner can reach its daemon/);
    assert.doesNotMatch(ps.stderr, /\n\s+at /, 'no stack trace');

    const status = await asNobody([CLI, 'daemon', 'status', '--home', home]);
    assert.equal(status.code, 3, status.stderr);
    assert.doesNotMatch(status.stdout, /not running/, 'a daemon that runs is not reported as not running');
    assert.match(status.stderr, /belongs to uid 0 \(root\)/);

    for (const args of [
      ['daemon', 'stop'],
      ['down', '--all'],
    ]) {
      const r = await asNobody([CLI, ...args, '--home', home]);
      assert.equal(r.code, 3, `${args.join(' ')} as nobody: exit 3\n${r.stderr}`);
      assert.match(r.stderr, /only the home's owner can reach its daemon/);
    }

    // nothing changed: the same daemon answers its owner, the service still runs
    assert.equal(readFileSync(join(home, 'daemon.pid'), 'utf8').trim(), daemonPid);
    assert.equal((await clientOf(c).health()).pid, Number(daemonPid));
    assert.equal((await clientOf(c).services())[0].state, 'running');
  });
});

describe('secret-looking environment values are masked unless asked for', () => {
  test('GET /v1/projects masks them, ?secrets=1 shows them; state.json and projects.json keep them', async (t) => {
    const c = await upProject(t, FOREVER);
    const env = (await clientOf(c).projects())[0].services[0].env;
    assert.equal(env.API_TOKEN, '***');
    assert.equal(env.DB_PASSWORD, '***');
    assert.equal(env.DATABASE_URL, 'postgres://shop:***@127.0.0.1:5432/shop');
    assert.equal(env.PORT, '3000');
    const shown = (await clientOf(c).projects({ secrets: true }))[0].services[0].env;
    assert.equal(shown.API_TOKEN, 'tok-visible-only-on-request');
    assert.equal(shown.DB_PASSWORD, 'hunter2');
    assert.equal(shown.DATABASE_URL, 'postgres://shop:pw-in-url@127.0.0.1:5432/shop');
    for (const file of ['state.json', 'projects.json']) {
      // state.json is written just after the change that made it (coalesced, off the loop)
      await waitFor(
        () => readFileSync(join(c.env.CORRAL_HOME!, file), 'utf8').includes('tok-visible-only-on-request'),
        {
          what: `${file} to keep the real value`,
        },
      );
    }
  });

  test('inspect masks them (text and --json), --show-secrets shows them; ps --json has none', async (t) => {
    const c = await upProject(t, FOREVER);
    const secrets = /tok-visible-only-on-request|hunter2|pw-in-url/;

    const text = await c.corral(['inspect', 'web']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /API_TOKEN=\*\*\*/);
    assert.match(text.stdout, /DB_PASSWORD=\*\*\*/);
    assert.match(text.stdout, /PORT=3000/);
    assert.doesNotMatch(text.stdout, secrets);

    const json = await c.corral(['inspect', 'web', '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(JSON.parse(json.stdout).definition.env.API_TOKEN, '***');
    assert.doesNotMatch(json.stdout, secrets);

    const shown = await c.corral(['inspect', 'web', '--show-secrets']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /API_TOKEN=tok-visible-only-on-request/);
    assert.match(shown.stdout, /DATABASE_URL=postgres:\/\/shop:pw-in-url@/);

    const ps = await c.corral(['ps', '--json']);
    assert.equal(ps.code, 0, ps.stderr);
    assert.doesNotMatch(ps.stdout, secrets);
  });
});
