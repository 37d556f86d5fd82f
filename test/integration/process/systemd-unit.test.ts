// The sample unit of docs/systemd.md, checked by systemd's own parser (systemd-analyze verify).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, tempHome } from '../../helpers/home.js';

const DOC = join(REPO_ROOT, 'docs', 'systemd.md');
const ANALYZE = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));

/** The first ```ini block of the doc: the unit. */
function unitFromDoc(): string {
  const m = /```ini\n([\s\S]*?)```/.exec(readFileSync(DOC, 'utf8'));
  assert.ok(m, `${DOC} has an ini block`);
  return m[1];
}

/** [Service] settings of the unit, comments left out. */
function settings(unit: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of unit.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

test('the unit runs the daemon in the foreground, as Type=notify, leaving services to it', () => {
  const s = settings(unitFromDoc());
  assert.equal(s.get('Type'), 'notify');
  assert.match(s.get('ExecStart') ?? '', /\/corral daemon start --foreground\b/);
  // systemd must signal the daemon only: the services survive a daemon crash or upgrade
  assert.equal(s.get('KillMode'), 'process');
  assert.equal(s.get('Restart'), 'always');
  assert.equal(s.get('OOMPolicy'), 'continue');
});

test('systemd-analyze verify accepts the unit', (t) => {
  if (!ANALYZE) return t.skip('systemd-analyze is not installed (Debian: apt-get install systemd)');
  const home = tempHome();
  t.after(() => home.cleanup());
  // verify checks that ExecStart's program exists: point it at a stand-in for the installed CLI
  const corral = join(home.dir, 'corral');
  writeFileSync(corral, '#!/bin/sh\nexit 0\n');
  chmodSync(corral, 0o755);
  const unit = unitFromDoc().replace(/^ExecStart=\S+/m, `ExecStart=${corral}`);
  assert.notEqual(unit, unitFromDoc(), 'ExecStart was rewritten');
  const path = join(home.dir, 'corral.service');
  writeFileSync(path, unit);
  const r = spawnSync(ANALYZE, ['verify', '--man=no', path], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.error, undefined);
  // verify exits 0 even for settings it ignores; any line about our unit is a problem
  const problems = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.includes('corral.service'));
  assert.deepEqual(problems, []);
  assert.equal(r.status, 0, r.stderr);

  // and the check has teeth: a misspelt setting is reported
  writeFileSync(path, unit.replace('KillMode=process', 'KillMode=procces'));
  const bad = spawnSync(ANALYZE, ['verify', '--man=no', path], { encoding: 'utf8', timeout: 30_000 });
  assert.match(`${bad.stdout}${bad.stderr}`, /corral\.service:\d+: Failed to parse kill mode/);
});
