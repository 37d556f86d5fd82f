// Which format a file is in, from its name or its content.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectImportFormat } from '../../../src/import/detect.js';

test('each format is told from its name or its content', () => {
  assert.equal(detectImportFormat('ecosystem.config.js', ''), 'pm2');
  assert.equal(detectImportFormat('pm2.config.mjs', ''), 'pm2');
  assert.equal(detectImportFormat('ecosystem.json', '{"apps": []}'), 'pm2');
  assert.equal(detectImportFormat('apps.yml', 'apps:\n  - script: a.js\n'), 'pm2');
  assert.equal(detectImportFormat('svc.conf', '; x\n[program:web]\ncommand=x\n'), 'supervisord');
  assert.equal(detectImportFormat('supervisord.conf', '[supervisord]\nlogfile=x\n'), 'supervisord');
  assert.equal(detectImportFormat('docker-compose.yml', 'services:\n  a:\n    command: x\n'), 'compose');
  assert.equal(detectImportFormat('stack.yaml', 'services:\n  a:\n    image: x\n'), 'compose');
  assert.equal(detectImportFormat('pc.yaml', 'processes:\n  a:\n    command: x\n'), 'process-compose');
  assert.equal(detectImportFormat('Procfile.dev', 'web: x\n'), 'procfile');
  assert.equal(detectImportFormat('procs', '# p\nweb: node a.js\nworker: sleep 1\n'), 'procfile');
});

test('an unknown format, or a file that is already a corral.yaml, is a clear error', () => {
  assert.throws(
    () => detectImportFormat('notes.txt', 'hello there\nfriend\n'),
    /notes\.txt: not a format corral imports .*--from pm2\|supervisord\|compose\|process-compose\|procfile/,
  );
  assert.throws(
    () => detectImportFormat('corral.yaml', 'services:\n  a:\n    command: x\n    restart: always\n'),
    /already a corral config/,
  );
});
