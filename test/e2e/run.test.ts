// corral run: the foreground form, no daemon.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { type CliEnv, homeFor } from '../helpers/cli.js';
import { fixture } from '../helpers/home.js';
import { waitFor } from '../helpers/wait.js';

const node = process.execPath;

function exitOf(child: ReturnType<CliEnv['spawnCorral']>): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('corral run', () => {
  test('prefixes every line with its service; SIGINT stops in reverse order and exits 0', async (t) => {
    const c = homeFor(t);
    c.writeConfig(`
name: fg
services:
  db:
    command: [${node}, ${fixture('forever.mjs')}]
    ready: { log: ready }
  app:
    command: [${node}, ${fixture('forever.mjs')}]
    depends_on: { db: ready }
`);
    const child = c.spawnCorral(['run']);
    await waitFor(() => /^app +\| ready$/m.test(child.output()) && /^db +\| ready$/m.test(child.output()), {
      what: 'both services to say ready',
    });
    child.kill('SIGINT');
    assert.equal(await exitOf(child), 0);
    const out = child.output();
    const appStopped = out.search(/stopped +fg\/app:0/);
    const dbStopping = out.search(/stopping +fg\/db:0/);
    assert.ok(appStopped > 0 && dbStopping > appStopped, `app stopped before db began to stop:\n${out}`);
    assert.equal(existsSync(join(c.env.CORRAL_HOME!, 'corral.sock')), false, 'no daemon was involved');
  });

  test('--exit-with exits with that service’s code and stops the rest', async (t) => {
    const c = homeFor(t);
    c.writeConfig(`
name: job
services:
  side:
    command: [${node}, ${fixture('forever.mjs')}]
  task:
    command: [${node}, ${fixture('exit-with.mjs')}, "7", "300"]
    restart: never
    depends_on: [side]
`);
    const child = c.spawnCorral(['run', '--exit-with', 'task']);
    assert.equal(await exitOf(child), 7);
    assert.match(child.output(), /stopped +job\/side:0/);
  });

  test('a run whose services all end by themselves exits, 0 when they ended cleanly', async (t) => {
    const c = homeFor(t);
    c.writeConfig(`
name: once
services:
  a:
    command: [${node}, ${fixture('exit-with.mjs')}, "0"]
    restart: on-failure
  b:
    command: ["/bin/sh", "-c", "echo from b"]
    restart: never
`);
    const child = c.spawnCorral(['run']);
    assert.equal(await exitOf(child), 0);
    assert.match(child.output(), /^b +\| from b$/m);
  });

  test('signals other than SIGINT/SIGTERM are passed on; a second SIGINT forces an exit (130)', async (t) => {
    const c = homeFor(t);
    c.writeConfig(`
name: sig
services:
  deaf:
    command: [${node}, ${fixture('signals.mjs')}, --deaf]
    stop: { timeout: 60s }
`);
    const child = c.spawnCorral(['run']);
    await waitFor(() => /^deaf +\| ready$/m.test(child.output()), { what: 'deaf to say ready' });
    child.kill('SIGHUP');
    await waitFor(() => /^deaf +\| got SIGHUP$/m.test(child.output()), { what: 'SIGHUP passed on' });
    child.kill('SIGUSR1');
    await waitFor(() => /^deaf +\| got SIGUSR1$/m.test(child.output()), { what: 'SIGUSR1 passed on' });
    child.kill('SIGINT');
    await waitFor(() => /stopping every service/.test(child.output()), {
      what: 'the graceful stop to begin',
    });
    const started = Date.now();
    child.kill('SIGINT');
    assert.equal(await exitOf(child), 130);
    assert.ok(Date.now() - started < 10_000, 'forced, not waiting out the 60 s stop timeout');
  });
});
