// The written corral.yaml: a comment above each key whose meaning changed, and an atomic write.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { renderConfig, writeAtomically } from '../../../src/import/write.js';

const dir = mkdtempSync(join(tmpdir(), 'corral-import-write-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('an approximated key carries a comment above it; exact and dropped ones none', () => {
  const text = renderConfig(
    {
      services: {
        api: { command: ['node', 'a.js'], backoff: { initial: '1s', reset_after: '5s' }, max_memory: '1GB' },
      },
    },
    [
      { service: 'api', source: 'script', target: 'command', kind: 'exact', note: '' },
      {
        service: 'api',
        source: 'min_uptime',
        target: 'backoff.reset_after',
        kind: 'approximated',
        note: 'a run this long is stable',
      },
      {
        service: 'api',
        source: 'max_memory_restart',
        target: 'max_memory',
        kind: 'approximated',
        note: 'checked every second',
      },
      { service: 'api', source: 'watch', target: null, kind: 'dropped', note: 'no watching' },
    ],
    'imported from x',
  );
  assert.match(text, /^# imported from x\n/);
  assert.match(text, /command: \[node, a\.js\]/);
  assert.match(text, /\n {6}# min_uptime: a run this long is stable\n {6}reset_after: 5s\n/);
  assert.match(text, /\n {4}# max_memory_restart: checked every second\n {4}max_memory: 1GB\n/);
  assert.doesNotMatch(text, /watch|script/);
  assert.deepEqual(parse(text).services.api.backoff, { initial: '1s', reset_after: '5s' });
});

test('a write that fails leaves neither the file nor its temp file', () => {
  const target = join(dir, 'taken');
  mkdirSync(target);
  assert.throws(() => writeAtomically(target, 'x'));
  assert.deepEqual(readdirSync(dir), ['taken']);
  writeAtomically(join(dir, 'corral.yaml'), 'services: {}\n');
  assert.equal(readFileSync(join(dir, 'corral.yaml'), 'utf8'), 'services: {}\n');
  assert.deepEqual(readdirSync(dir).sort(), ['corral.yaml', 'taken']);
});
