// docs/errors.md and src/errors.ts list the same codes with the same statuses and exit codes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CorralError, ERROR_CODES, type ErrorCode, exitCodeFor } from '../../src/errors.js';
import { REPO_ROOT } from '../helpers/home.js';

test('every error code is documented with its status and CLI exit code, and nothing else is', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'errors.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d+) \| .* \| (\d) \|$/gm)].map((m) => ({
    code: m[1] as ErrorCode,
    status: Number(m[2]),
    exit: Number(m[3]),
  }));
  assert.deepEqual(rows.map((r) => r.code).sort(), Object.keys(ERROR_CODES).sort());
  for (const row of rows) {
    assert.equal(ERROR_CODES[row.code].status, row.status, `${row.code} status`);
    assert.equal(ERROR_CODES[row.code].exit, row.exit, `${row.code} exit code`);
    assert.equal(exitCodeFor(new CorralError(row.code)), row.exit, `${row.code} exit code of the CLI`);
  }
});

test('an unknown code from a newer daemon still makes an error with status 500 and exit 1', () => {
  const e = new CorralError('SOMETHING_NEW' as ErrorCode, 'from the future');
  assert.equal(e.status, 500);
  assert.equal(e.message, 'from the future');
  assert.equal(exitCodeFor(e), 1);
  assert.equal(exitCodeFor(new Error('not ours')), 1);
});
