// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these texts hold ${VAR} references on purpose
// Procfiles: a service per line run by /bin/sh -c, .env as env_file, PORT as foreman gives it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { importProcfile } from '../../../src/import/procfile.js';

const dir = mkdtempSync(join(tmpdir(), 'corral-procfile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('each line a service; PORT for commands that use it; ${...} left to the shell', () => {
  const { config, findings } = importProcfile(
    '# comment\nweb: bundle exec puma -p ${PORT:-5000}\nworker: sidekiq\napi: node api.js $PORT\n',
    join(dir, 'Procfile'),
    dir,
  );
  assert.equal(config.services.web.command, 'bundle exec puma -p $${PORT:-5000}');
  assert.deepEqual(config.services.web.env, { PORT: '5000' });
  assert.equal(config.services.worker.env, undefined);
  assert.deepEqual(config.services.api.env, { PORT: '5200' });
  assert.equal(config.env_file, undefined);
  assert.equal(findings.filter((f) => f.kind === 'approximated').length, 2);
});

test('a .env beside the Procfile becomes env_file', () => {
  writeFileSync(join(dir, '.env'), 'A=1\n');
  const { config } = importProcfile('web: sleep 1\n', join(dir, 'Procfile'), dir);
  assert.equal(config.env_file, join(dir, '.env'));
});

test('a line that is not "name: command" is an error at its line', () => {
  assert.throws(() => importProcfile('web: sleep 1\nthis is not\n', '/x/Procfile', '/x'), {
    message: /^\/x\/Procfile:2:1: expected "name: command"/,
  });
});
