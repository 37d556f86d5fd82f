// Whether a user may use a home: its owner (or root) may; anyone else is told whose it is.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { homeAccessProblem } from '../../src/cli/home-access.js';

test('the owner of a home, and root, may use it; a home not made yet is no problem', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'corral-access-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const owner = statSync(dir).uid;
  assert.equal(homeAccessProblem(dir, owner), null);
  assert.equal(homeAccessProblem(dir, 0), null);
  assert.equal(homeAccessProblem(join(dir, 'not-yet'), owner + 1), null);
});

test('another user is told whose home it is and what to do', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'corral-access-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const owner = statSync(dir).uid;
  const other = owner === 54321 ? 54322 : 54321;
  const problem = homeAccessProblem(dir, other);
  assert.ok(problem !== null);
  assert.match(problem, new RegExp(`^${dir} belongs to uid ${owner}\\b`));
  assert.match(problem, new RegExp(`this command runs as uid ${other}:`));
  assert.match(problem, /only the home's owner can reach its daemon \(the home is 0700, its socket 0600\)/);
  assert.match(problem, /use a home of your own \(--home, CORRAL_HOME\)/);
});
