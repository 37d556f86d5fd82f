// Reading what the previous daemon left on disk: a corrupt state.json or projects.json is set
// aside as FILE.corrupt-TIME and reported, never read as empty without a word.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readState } from '../../../src/state/state-file.js';
import { tempHome } from '../../helpers/home.js';

const when = new Date('2026-01-02T03:04:05.678Z');
const stamp = '2026-01-02T03-04-05-678Z';
const project = { name: 'shop', file: null, dir: '/srv/shop', services: [] };

test('a corrupt projects.json (with no state.json) is set aside and reported', (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const stateFile = join(home.dir, 'state.json');
  const projectsFile = join(home.dir, 'projects.json');
  writeFileSync(projectsFile, '{"version": 1, "projects": [');
  const found = readState(stateFile, projectsFile, when);
  assert.deepEqual(found.projects, []);
  assert.equal(found.problems.length, 1);
  assert.match(
    found.problems[0],
    new RegExp(
      `^${projectsFile} cannot be trusted \\(not JSON: .*\\); moved to ${projectsFile}\\.corrupt-${stamp}$`,
    ),
  );
  assert.equal(existsSync(projectsFile), false);
  assert.equal(readFileSync(`${projectsFile}.corrupt-${stamp}`, 'utf8'), '{"version": 1, "projects": [');
});

test('a projects.json of the wrong shape is set aside too', (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const projectsFile = join(home.dir, 'projects.json');
  writeFileSync(projectsFile, JSON.stringify({ version: 1, projects: [{ name: 3 }] }));
  const found = readState(join(home.dir, 'state.json'), projectsFile, when);
  assert.deepEqual(found.projects, []);
  assert.match(found.problems[0], /cannot be trusted \(a project is malformed\)/);
  assert.deepEqual(readdirSync(home.dir), [`projects.json.corrupt-${stamp}`]);
});

test('a corrupt state.json falls back to a good projects.json; both reported when both are bad', (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const stateFile = join(home.dir, 'state.json');
  const projectsFile = join(home.dir, 'projects.json');
  writeFileSync(stateFile, 'torn');
  writeFileSync(projectsFile, JSON.stringify({ version: 1, projects: [project] }));
  const one = readState(stateFile, projectsFile, when);
  assert.deepEqual(one.projects, [project]);
  assert.equal(one.problems.length, 1);
  assert.match(one.problems[0], /state\.json cannot be trusted/);

  writeFileSync(stateFile, 'torn again');
  writeFileSync(projectsFile, 'torn too');
  const later = new Date(when.getTime() + 1000);
  const both = readState(stateFile, projectsFile, later);
  assert.deepEqual(both.projects, []);
  assert.equal(both.problems.length, 2);
  assert.match(both.problems[0], /state\.json cannot be trusted/);
  assert.match(both.problems[1], /projects\.json cannot be trusted/);
});

test('no files at all: a first start, nothing to report', (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const found = readState(join(home.dir, 'state.json'), join(home.dir, 'projects.json'), when);
  assert.deepEqual(found, { projects: [], records: [], problems: [] });
});
