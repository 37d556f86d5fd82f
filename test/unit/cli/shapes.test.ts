// The CLI's formatting of what it shows: durations and commands as written, the first program of a
// string command, and a definition with the file's key names.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { commandsNotFound, firstProgram } from '../../../src/cli/command-on-path.js';
import { definitionJson } from '../../../src/cli/definition-json.js';
import { psTable, writtenCommand, writtenDuration } from '../../../src/cli/format.js';
import { loadProjectFromText } from '../../../src/config/index.js';

test('durations as a config file writes them', () => {
  assert.equal(writtenDuration(2000), '2s');
  assert.equal(writtenDuration(60_000), '1m');
  assert.equal(writtenDuration(90_000), '1m30s');
  assert.equal(writtenDuration(250), '250ms');
  assert.equal(writtenDuration(1500), '1s500ms');
  assert.equal(writtenDuration(3_600_000), '1h');
  assert.equal(writtenDuration(0), '0s');
});

test('a command as written: the string of a shell one, else the list', () => {
  assert.equal(writtenCommand(['/bin/sh', '-c', 'node web.js']), 'node web.js');
  assert.equal(writtenCommand(['node', 'web.js', '--port=3000']), '[node, web.js, --port=3000]');
  assert.equal(writtenCommand(['echo', 'a b']), '[echo, "a b"]');
});

test('the first program of a shell command, or null when the shell decides', () => {
  assert.equal(firstProgram('node web.js'), 'node');
  assert.equal(firstProgram('PORT=3 FOO=x ./run.sh --flag'), './run.sh');
  assert.equal(firstProgram('exec node web.js'), null);
  assert.equal(firstProgram('cd app && make'), null);
  assert.equal(firstProgram('$HOME/bin/x'), null);
  assert.equal(firstProgram('"quoted prog"'), null);
});

test('check warns of a string command whose first program is not on PATH, placed at the command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'corral-path-'));
  try {
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'present'), '#!/bin/sh\n');
    chmodSync(join(dir, 'bin', 'present'), 0o755);
    writeFileSync(join(dir, 'data.txt'), 'not a program\n');
    const text = [
      'services:',
      '  a: { command: present --x }',
      '  b:',
      '    command: absent --x',
      '  c: { command: ./data.txt }',
      '  d: { command: [absent] }',
      '  e: { command: exec absent }',
      '',
    ].join('\n');
    const file = join(dir, 'corral.yaml');
    const spec = loadProjectFromText(text, { file, dir, env: {} });
    const found = commandsNotFound(spec, file, text, 'yaml', join(dir, 'bin'));
    assert.deepEqual(
      found.map((p) => `${p.line}:${p.col} ${p.path}`),
      ['4:14 services.b.command', '5:17 services.c.command'],
    );
    assert.match(
      found[0]!.message,
      /^"absent" is not an executable program on PATH \(.*\/bin\); the service would exit 127/,
    );
    assert.match(found[1]!.message, /^"\.\/data\.txt" is not an executable program at .*\/data\.txt;/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a definition with the file’s key names; the names in env and depends_on as written', () => {
  const spec = loadProjectFromText(
    'services:\n  db: { command: [db] }\n  api:\n    command: [api]\n    depends_on: { db: started }\n    env: { myVar: "1" }\n    max_memory: 1MB\n',
    { file: 'corral.yaml', dir: tmpdir(), env: {} },
  );
  const api = definitionJson(spec.services[1]!);
  assert.deepEqual(api.depends_on, { db: 'started' });
  assert.equal((api.env as Record<string, string>).myVar, '1');
  assert.equal(api.max_memory_bytes, 1024 * 1024);
  assert.equal(api.max_restarts, 0);
  assert.deepEqual(Object.keys(api.stop as object), ['signal', 'timeout_ms']);
  assert.equal(api.dependsOn, undefined);
});

test('ps names each process as everywhere else, and says what a waiting one waits for', () => {
  const row = {
    project: 'shop',
    service: 'api',
    instance: 0,
    name: 'shop/api:0',
    state: 'waiting',
    pid: null,
    restarts: 0,
    started_at: null,
    health: 'none',
    last_exit: null,
    backoff_ms: null,
    message: 'waiting for db to be ready',
    outdated: false,
    status_text: null,
    cpu: null,
    memory: null,
  };
  const worker = {
    ...row,
    service: 'worker',
    instance: 1,
    name: 'shop/worker:1',
    state: 'running',
    message: null,
    pid: 7,
  };
  const lines = psTable([row, worker], false, Date.now()).split('\n');
  assert.match(lines[1]!, /^shop\/api:0\s+waiting for db to be ready\s+-/);
  assert.match(lines[2]!, /^shop\/worker:1\s+running\s+7/);
});
