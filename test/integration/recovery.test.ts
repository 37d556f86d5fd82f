// A daemon that finds a corrupt projects.json says so: health `recovery`, an event, daemon.log;
// the file is set aside as projects.json.corrupt-TIME, never read as "no project".
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CorralClient } from '../../src/client/client.js';
import { CLI, tempHome } from '../helpers/home.js';
import { waitFor } from '../helpers/wait.js';

test('a corrupt projects.json is set aside and reported by health, events and daemon.log', async (t) => {
  const home = tempHome();
  const dir = join(home.dir, 'home');
  mkdirSync(dir, { mode: 0o700 });
  const projectsFile = join(dir, 'projects.json');
  writeFileSync(projectsFile, '{"version": 1, "projects": [{"name": "shop", "serv');
  const daemon = spawn(process.execPath, [CLI, 'daemon', 'start', '--foreground'], {
    env: { ...process.env, CORRAL_HOME: dir, CORRAL_TEST_HOME: home.dir },
    stdio: 'ignore',
  });
  home.track(daemon.pid!);
  const exited = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)));
  t.after(() => home.cleanup());
  const client = new CorralClient(join(dir, 'corral.sock'));
  const health = await waitFor(() => client.health(), { what: 'the daemon to answer' });
  const aside = readdirSync(dir).filter((f) => f.startsWith('projects.json.corrupt-'));
  assert.equal(aside.length, 1, 'set aside');
  const expected = `${projectsFile} cannot be trusted (not JSON: `;
  assert.ok(health.recovery?.startsWith(expected), String(health.recovery));
  assert.ok(health.recovery?.endsWith(`moved to ${join(dir, aside[0])}`), String(health.recovery));
  const events = await client.events();
  assert.ok(events.some((e) => e.type === 'daemon-started' && e.message === health.recovery));
  assert.match(readFileSync(join(dir, 'daemon.log'), 'utf8'), /projects\.json cannot be trusted/);
  daemon.kill('SIGTERM');
  assert.equal(await exited, 0);
});
