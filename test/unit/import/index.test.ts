// importFile: the format told or named, the result loaded as corral check loads it, paths made
// relative to where the corral.yaml goes.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { importFile } from '../../../src/import/index.js';

const dir = mkdtempSync(join(tmpdir(), 'corral-importfile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a result that corral check rejects (a dependency cycle) is an error, with the problem', async () => {
  const file = join(dir, 'process-compose.yaml');
  writeFileSync(
    file,
    'processes:\n  a:\n    command: sleep 1\n    depends_on:\n      b: {condition: process_started}\n  b:\n    command: sleep 1\n    depends_on:\n      a: {condition: process_started}\n',
  );
  await assert.rejects(importFile(file, { output: join(dir, 'corral.yaml') }), {
    message: /^the imported config does not pass corral check:\n {2}services\.\w\.depends_on/,
  });
});

test('paths are relative to the output; the source directory itself is left out when it is the output', async () => {
  mkdirSync(join(dir, 'app'), { recursive: true });
  const file = join(dir, 'app', 'Procfile');
  writeFileSync(file, 'web: sleep 60\n');
  writeFileSync(join(dir, 'app', '.env'), 'A=1\n');
  const here = await importFile(file, { output: join(dir, 'app', 'corral.yaml') });
  assert.equal(here.config.services.web.cwd, undefined);
  assert.equal(here.config.env_file, '.env');
  const elsewhere = await importFile(file, { output: join(dir, 'out', 'corral.yaml') });
  assert.equal(elsewhere.config.services.web.cwd, '../app');
  assert.equal(elsewhere.config.env_file, '../app/.env');
  assert.match(elsewhere.text, /^# imported by corral import from \.\.\/app\/Procfile \(Procfile\)/);
});

test('--from names the format when the content does not tell it', async () => {
  const file = join(dir, 'processes.txt');
  writeFileSync(file, 'web: sleep 60\n');
  const r = await importFile(file, { from: 'procfile', output: join(dir, 'x.yaml') });
  assert.equal(r.format, 'procfile');
  await assert.rejects(
    importFile(join(dir, 'missing.yaml'), { output: join(dir, 'x.yaml') }),
    /cannot read .*missing\.yaml: ENOENT/,
  );
});
