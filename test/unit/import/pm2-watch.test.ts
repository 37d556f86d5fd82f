// PM2's watch keys in an import: `watch: true` or paths become corral's `watch:` list (absolute),
// `ignore_watch` its `!` entries (one written as a regular expression is dropped), and the
// rest (watch_delay, watch_options) are dropped with a reason.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { importPm2 } from '../../../src/import/pm2.js';

const dir = tmpdir();

test('watch: true is the cwd; ignore_watch entries are "!" entries', () => {
  const { config, findings } = importPm2(
    { apps: [{ name: 'api', script: 'server.js', watch: true, ignore_watch: ['logs', '[\\/\\\\]\\./'] }] },
    dir,
  );
  assert.deepEqual(config.services.api.watch, [dir, `!${join(dir, 'logs')}`]);
  const of = (source: string) => findings.filter((f) => f.source === source).map((f) => f.kind);
  assert.deepEqual(of('watch'), ['approximated']);
  assert.deepEqual(of('ignore_watch'), ['dropped', 'approximated']);
});

test('a list of paths is kept; watch_delay and watch_options are dropped; watch: false is no watch', () => {
  const listed = importPm2(
    {
      apps: [
        { name: 'api', script: 'server.js', watch: ['src', 'views'], watch_delay: 500, watch_options: {} },
      ],
    },
    dir,
  );
  assert.deepEqual(listed.config.services.api.watch, [join(dir, 'src'), join(dir, 'views')]);
  assert.ok(listed.findings.some((f) => f.source === 'watch_delay' && f.kind === 'dropped'));
  assert.ok(listed.findings.some((f) => f.source === 'watch_options' && f.kind === 'dropped'));
  const off = importPm2({ apps: [{ name: 'api', script: 'server.js', watch: false }] }, dir);
  assert.equal(off.config.services.api.watch, undefined);
  assert.ok(off.findings.some((f) => f.source === 'watch' && f.kind === 'exact'));
});

test('PM2 takes watch paths relative to the app cwd; they are written absolute, as the cwd is', () => {
  const { config } = importPm2(
    { apps: [{ name: 'api', script: 'server.js', cwd: 'api', watch: ['src'], ignore_watch: ['tmp'] }] },
    dir,
  );
  assert.equal(config.services.api.cwd, join(dir, 'api'));
  assert.deepEqual(config.services.api.watch, [join(dir, 'api', 'src'), `!${join(dir, 'api', 'tmp')}`]);
});
