// The `watch:` glob syntax and what a list of entries takes: wildcards, `**`, classes, braces,
// `!` ignores, literal files and directories, and .git/node_modules ignored unless named.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { depthBelowBase, expandBraces, globToRegExp, staticBase } from '../../../src/watch/glob.js';
import { WatchSet } from '../../../src/watch/patterns.js';

describe('watch globs', () => {
  test('* and ? stay within a segment; ** crosses any number of directories', () => {
    const js = globToRegExp('/p/api/*.js');
    assert.ok(js.test('/p/api/server.js'));
    assert.ok(!js.test('/p/api/lib/server.js'));
    assert.ok(!js.test('/p/api/server.ts'));
    const deep = globToRegExp('/p/api/**/*.js');
    for (const p of ['/p/api/a.js', '/p/api/x/a.js', '/p/api/x/y/z/a.js']) assert.ok(deep.test(p), p);
    assert.ok(!deep.test('/p/other/a.js'));
    assert.ok(globToRegExp('/p/a?c').test('/p/abc'));
    assert.ok(!globToRegExp('/p/a?c').test('/p/a/c'));
    const below = globToRegExp('/p/tmp/**');
    assert.ok(below.test('/p/tmp/x') && below.test('/p/tmp/x/y') && below.test('/p/tmp'));
  });

  test('classes, negated classes and braces; dots and pluses are literal', () => {
    assert.ok(globToRegExp('/p/[ab].js').test('/p/a.js'));
    assert.ok(!globToRegExp('/p/[!ab].js').test('/p/a.js'));
    assert.ok(globToRegExp('/p/[!ab].js').test('/p/c.js'));
    assert.ok(!globToRegExp('/p/a.js').test('/p/aXjs'));
    assert.ok(globToRegExp('/p/c++.txt').test('/p/c++.txt'));
    assert.deepEqual(expandBraces('/p/{src,lib}/*.{js,ts}'), [
      '/p/src/*.js',
      '/p/src/*.ts',
      '/p/lib/*.js',
      '/p/lib/*.ts',
    ]);
  });

  test('the base is the part before the first wildcard; the depth what lies below it', () => {
    assert.equal(staticBase('/p/api/**/*.js'), '/p/api');
    assert.equal(staticBase('/p/*.js'), '/p');
    assert.equal(depthBelowBase('/p/*.js'), 0);
    assert.equal(depthBelowBase('/p/*/x/*.js'), 2);
    assert.equal(depthBelowBase('/p/api/**/*.js'), Number.POSITIVE_INFINITY);
  });
});

describe('a watch list', () => {
  test('"!" entries ignore, and a directory they cover whole is not descended into', () => {
    const set = new WatchSet(['/p/api/**/*.js', '!/p/api/tmp/**', '!/p/api/gen']);
    assert.ok(set.matches('/p/api/server.js'));
    assert.ok(!set.matches('/p/api/tmp/x.js'));
    assert.ok(!set.matches('/p/api/gen/x.js'));
    assert.ok(set.prunes('/p/api/tmp'));
    assert.ok(set.prunes('/p/api/gen'));
    assert.ok(!set.prunes('/p/api/lib'));
  });

  test('a literal path is a file, or a directory standing for everything under it', () => {
    const set = new WatchSet(['/p/config.json', '/p/src']);
    assert.ok(set.matches('/p/config.json'));
    assert.ok(!set.matches('/p/config.json.bak'));
    assert.ok(set.matches('/p/src/a/b.txt'));
    assert.ok(!set.matches('/p/srcx/a'));
    assert.deepEqual(
      set.roots().map((r) => [r.dir, r.literal]),
      [
        ['/p/config.json', true],
        ['/p/src', true],
      ],
    );
  });

  test('.git and node_modules below an entry are ignored unless the entry names them', () => {
    const set = new WatchSet(['/p/**/*.js']);
    assert.ok(!set.matches('/p/node_modules/x/index.js'));
    assert.ok(!set.matches('/p/.git/hooks/a.js'));
    assert.ok(set.matches('/p/lib/index.js'));
    const named = new WatchSet(['/p/node_modules/dep/**/*.js']);
    assert.ok(named.matches('/p/node_modules/dep/index.js'));
    // a service whose own cwd is inside node_modules still sees its files
    const inside = new WatchSet(['/x/node_modules/pkg/**/*.js']);
    assert.ok(inside.matches('/x/node_modules/pkg/a.js'));
    assert.ok(!inside.matches('/x/node_modules/pkg/node_modules/b/a.js'));
  });
});
