// Runs every compiled test file with Node's own test runner.
// Usage: node test/run.mjs [unit|integration|e2e|browser ...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../dist/test/', import.meta.url).pathname;
const kinds = process.argv.slice(2);
const dirs = kinds.length > 0 ? kinds : ['unit', 'integration', 'e2e', 'browser'];

function collect(dir) {
  let out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries.sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(collect(path));
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const files = dirs.flatMap((d) => collect(join(root, d)));
if (files.length === 0) {
  console.error(`no test files under ${root} (did you run npm run build?)`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=2', '--test-timeout=120000', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
