// `watch:` in a config: entries made absolute against the config file's directory, a literal path that does
// not exist is an error at its FILE:LINE:COL, a glob that matches nothing a warning at its own.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, type ConfigProblem, loadProjectFromText } from '../../../src/config/index.js';

function projectDir(t: { after(fn: () => void): void }): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'corral-watch-config-')));
  mkdirSync(join(dir, 'api', 'lib'), { recursive: true });
  writeFileSync(join(dir, 'api', 'lib', 'server.js'), '');
  writeFileSync(join(dir, 'api', 'config.json'), '{}');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function load(dir: string, text: string) {
  const warnings: ConfigProblem[] = [];
  const spec = loadProjectFromText(text, {
    file: join(dir, 'corral.yaml'),
    dir,
    env: {},
    onWarning: (w) => warnings.push(w),
  });
  return { spec, warnings };
}

describe('watch: in the config', () => {
  test('entries are relative to the config file, not to the service cwd; "!" stays in front', (t) => {
    const dir = projectDir(t);
    const { spec, warnings } = load(
      dir,
      'services:\n  api:\n    command: node lib/server.js\n    cwd: ./api\n    watch: [./api/lib/**/*.js, api/config.json, api/lib, "!./api/lib/tmp/**"]\n',
    );
    assert.deepEqual(spec.services[0].watch, [
      join(dir, 'api/lib/**/*.js'),
      join(dir, 'api/config.json'),
      join(dir, 'api/lib'),
      `!${join(dir, 'api/lib/tmp/**')}`,
    ]);
    assert.deepEqual(warnings, []);
  });

  test('a literal path that does not exist is an error at its line and column', (t) => {
    const dir = projectDir(t);
    const text = 'services:\n  api:\n    command: x\n    watch:\n      - ./api\n      - ./nope.json\n';
    assert.throws(
      () => load(dir, text),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(
          e.message,
          `${join(dir, 'corral.yaml')}:6:9: services.api.watch.1: expected an existing file or directory, got nothing at ${join(dir, 'nope.json')}`,
        );
        return true;
      },
    );
  });

  test('a glob that matches nothing is a warning at its line and column; an ignore never is', (t) => {
    const dir = projectDir(t);
    const { warnings } = load(
      dir,
      'services:\n  api:\n    command: x\n    watch: ["api/**/*.ts", "!gone/**", "api/**/*.js", "dist/*.js"]\n',
    );
    assert.equal(warnings.length, 2, JSON.stringify(warnings));
    assert.deepEqual(
      warnings.map((w) => [w.line, w.col, w.path]),
      [
        [4, 13, 'services.api.watch.0'],
        [4, 55, 'services.api.watch.3'],
      ],
    );
    assert.match(warnings[0].message, /expected the glob to match a file, got none yet under .*api/);
    assert.match(
      warnings[1].message,
      /dist does not exist yet \(it is watched for from its nearest existing directory\)/,
    );
  });

  test('a watch list that is not a list of strings is an error', (t) => {
    const dir = projectDir(t);
    assert.throws(
      () => load(dir, 'services:\n  api:\n    command: x\n    watch: ./api\n'),
      /services\.api\.watch: expected a list of paths and globs relative to the config file/,
    );
  });
});
