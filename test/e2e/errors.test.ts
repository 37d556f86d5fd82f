// Bad input gets a clear error, the right exit code, and changes nothing.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { daemonPid, homeFor, psJson, upProject, waitForState } from '../helpers/cli.js';
import { fixture, pidsMarkedWith } from '../helpers/home.js';

const node = process.execPath;

describe('bad input', () => {
  test('a config with three mistakes prints three FILE:LINE:COL errors, exit 2, and starts no daemon', async (t) => {
    const c = homeFor(t);
    const file = c.writeConfig(
      [
        'name: bad',
        'services:',
        '  api:',
        `    command: [${node}, x.js]`,
        '    restart: alway',
        '    stop: { timeout: 5 seconds }',
        '  web:',
        '    comand: node web.js',
        '',
      ].join('\n'),
    );
    const r = await c.corral(['up']);
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith(`${file}:`));
    assert.equal(lines.length, 3, r.stderr);
    assert.match(
      lines.join('\n'),
      new RegExp(`${file}:5:\\d+: services\\.api\\.restart: .*did you mean "always"`),
    );
    assert.match(lines.join('\n'), new RegExp(`${file}:6:\\d+: services\\.api\\.stop\\.timeout: `));
    assert.match(
      lines.join('\n'),
      new RegExp(`${file}:8:\\d+: services\\.web\\.comand: .*did you mean "command"`),
    );
    // `up` starts a daemon while it reads the file; a bad file stops it again
    assert.equal(existsSync(join(c.env.CORRAL_HOME!, 'corral.sock')), false, 'no daemon was left');
    assert.deepEqual(pidsMarkedWith(c.home.dir), [], 'no process of this home is left');
    const check = await c.corral(['check']);
    assert.equal(check.code, 2);
    assert.equal(check.stderr.split('\n').filter((l) => l.startsWith(`${file}:`)).length, 3);
    // a daemon that was running before is left running, the same one
    assert.equal((await c.corral(['daemon', 'start'])).code, 0);
    const pid = daemonPid(c);
    assert.equal((await c.corral(['up'])).code, 2);
    assert.equal(daemonPid(c), pid);
    assert.equal((await c.corral(['daemon', 'status'])).code, 0, 'the daemon still answers');
  });

  test('an invalid edit of a running project changes nothing', async (t) => {
    const c = await upProject(
      t,
      `
name: steady
services:
  web:
    command: [${node}, ${fixture('forever.mjs')}]
`,
      { wait: false },
    );
    const before = await waitForState(c, 'steady/web:0', 'running');
    c.writeConfig(`
name: steady
services:
  web:
    command: [${node}, ${fixture('forever.mjs')}]
    instances: zero
`);
    const r = await c.corral(['up', '--no-wait']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /services\.web\.instances/);
    const after = (await psJson(c)).find((p) => p.name === 'steady/web:0')!;
    assert.equal(after.pid, before.pid);
    assert.equal(after.state, 'running');
  });

  test('unknown service, bad signal and bad duration are usage errors (exit 2) that say what was expected', async (t) => {
    const c = homeFor(t);
    const unknown = await c.corral(['restart', 'nosuch']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /No service or project named "nosuch"/);
    const badSignal = await c.corral(['kill', 'web', '-s', 'SIGWHAT']);
    assert.equal(badSignal.code, 2);
    assert.match(badSignal.stderr, /signal/i);
    const badSince = await c.corral(['logs', 'web', '--since', 'yesterday-ish']);
    assert.equal(badSince.code, 2);
    assert.match(badSince.stderr, /expected a duration/);
    const badCommand = await c.corral(['frobnicate']);
    assert.equal(badCommand.code, 2);
    const badNumber = await c.corral(['logs', '-n', 'many']);
    assert.equal(badNumber.code, 2);
  });

  test('no config file here is a clear error, exit 2', async (t) => {
    const c = homeFor(t);
    const r = await c.corral(['up'], { cwd: c.home.dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /corral\.yaml/);
  });

  test('an unwritable home is reported with its path', async (t) => {
    const c = homeFor(t);
    const r = await c.corral(['ps'], { env: { CORRAL_HOME: '/proc/corral-home' } });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /\/proc\/corral-home/);
  });
});
