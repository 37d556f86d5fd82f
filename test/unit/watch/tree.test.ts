// The directory watches of a watch list, with real inotify in a temporary directory: files that
// change, directories made and removed under a watched tree, and what a user is told when the
// inotify limit is reached (the kernel's ENOSPC from fs.watch, on the path the daemon takes).
import assert from 'node:assert/strict';
import { type FSWatcher, mkdirSync, mkdtempSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { watchFailure } from '../../../src/watch/limit.js';
import { WatchSet } from '../../../src/watch/patterns.js';
import { TreeWatcher, type WatchDir } from '../../../src/watch/tree.js';
import { waitFor } from '../../helpers/wait.js';

function tree(t: { after(fn: () => void): void }, entries: (dir: string) => string[], watchDir?: WatchDir) {
  const dir = mkdtempSync(join(tmpdir(), 'corral-watch-'));
  mkdirSync(join(dir, 'src', 'lib'), { recursive: true });
  mkdirSync(join(dir, 'node_modules', 'dep'), { recursive: true });
  const changes: string[] = [];
  const problems: string[] = [];
  const make = (): TreeWatcher =>
    new TreeWatcher(new WatchSet(entries(dir)), {
      onChange: (p) => changes.push(p),
      onProblem: (m) => problems.push(m),
      watchDir,
    });
  const result = { dir, changes, problems, watcher: null as TreeWatcher | null, make };
  t.after(() => {
    result.watcher?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return result;
}

describe('watching a tree', () => {
  test('one watch per directory; node_modules is left out; a change below is seen', async (t) => {
    const w = tree(t, (d) => [join(d, '**/*.js')]);
    w.watcher = w.make();
    assert.equal(w.watcher.size, 3, 'the dir, src and src/lib');
    writeFileSync(join(w.dir, 'src', 'lib', 'a.js'), 'x');
    await waitFor(() => w.changes.includes(join(w.dir, 'src', 'lib', 'a.js')), {
      what: 'the change of a.js',
    });
    writeFileSync(join(w.dir, 'src', 'lib', 'a.txt'), 'x');
    writeFileSync(join(w.dir, 'node_modules', 'dep', 'b.js'), 'x');
    writeFileSync(join(w.dir, 'src', 'c.js'), 'x');
    await waitFor(() => w.changes.includes(join(w.dir, 'src', 'c.js')), { what: 'the change of c.js' });
    assert.ok(!w.changes.some((p) => p.endsWith('a.txt') || p.includes('node_modules')), String(w.changes));
  });

  test('a directory made under the tree is watched, and files already in it count', async (t) => {
    const w = tree(t, (d) => [join(d, 'src')]);
    w.watcher = w.make();
    const before = w.watcher.size;
    mkdirSync(join(w.dir, 'src', 'new', 'deeper'), { recursive: true });
    writeFileSync(join(w.dir, 'src', 'new', 'deeper', 'early.txt'), 'x');
    await waitFor(() => w.watcher!.size === before + 2, { what: 'src/new and src/new/deeper to be watched' });
    writeFileSync(join(w.dir, 'src', 'new', 'deeper', 'late.txt'), 'x');
    await waitFor(() => w.changes.some((p) => p.endsWith('late.txt')), {
      what: 'the change in the new directory',
    });
    rmSync(join(w.dir, 'src', 'new'), { recursive: true });
    await waitFor(() => w.watcher!.size === before, { what: 'the removed directories to be let go' });
  });

  test('a root made after the watch began, removed and made again (a build that cleans its output), is watched each time', async (t) => {
    const w = tree(t, (d) => [join(d, 'dist/**/*.js')]);
    w.watcher = w.make();
    mkdirSync(join(w.dir, 'dist', 'sub'), { recursive: true });
    writeFileSync(join(w.dir, 'dist', 'sub', 'a.js'), 'x');
    await waitFor(() => w.changes.includes(join(w.dir, 'dist', 'sub', 'a.js')), {
      what: 'a.js in the new dist',
    });
    writeFileSync(join(w.dir, 'dist', 'sub', 'b.js'), 'x');
    await waitFor(() => w.changes.includes(join(w.dir, 'dist', 'sub', 'b.js')), {
      what: 'b.js, once dist is watched',
    });
    rmSync(join(w.dir, 'dist'), { recursive: true });
    await waitFor(() => !w.watcher!.watching(join(w.dir, 'dist')), { what: 'dist to be let go' });
    mkdirSync(join(w.dir, 'dist'));
    await waitFor(() => w.watcher!.watching(join(w.dir, 'dist')), { what: 'the new dist to be watched' });
    writeFileSync(join(w.dir, 'dist', 'c.js'), 'x');
    await waitFor(() => w.changes.includes(join(w.dir, 'dist', 'c.js')), {
      what: 'c.js in the dist made again',
    });
  });

  test('ENOSPC from fs.watch: what is watched stays watched, and the message says how to raise the limit', async (t) => {
    let allowed = 2;
    // fs.watch as it behaves once the user's inotify watches are used up: it throws the
    // kernel's ENOSPC (inotify_add_watch) with Node's message
    const limited: WatchDir = (dir, onEvent) => {
      if (allowed-- <= 0) {
        const e = new Error(`ENOSPC: System limit for number of file watchers reached, watch '${dir}'`);
        Object.assign(e, { code: 'ENOSPC', errno: -28, syscall: 'watch', path: dir });
        throw e;
      }
      return watch(dir, { persistent: false }, (e, name) => onEvent(e, name)) as FSWatcher;
    };
    const w = tree(t, (d) => [join(d, '**/*.js')], limited);
    w.watcher = w.make();
    assert.equal(w.watcher.size, 2);
    assert.equal(w.problems.length, 1, 'said once');
    assert.match(w.problems[0], /fs\.inotify\.max_user_watches/);
    assert.match(w.problems[0], /sudo sysctl fs\.inotify\.max_user_watches=\d+/);
    assert.match(w.problems[0], /the service runs on/);
    writeFileSync(join(w.dir, 'top.js'), 'x');
    await waitFor(() => w.changes.some((p) => p.endsWith('top.js')), {
      what: 'a change where the watch was made',
    });
  });

  test('the ENOSPC message names the current limit and a larger one', () => {
    const e = Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
    const message = watchFailure('/srv/app', e, 8192);
    assert.match(message, /^cannot watch \/srv\/app: /);
    assert.match(message, /fs\.inotify\.max_user_watches \(now 8192\)/);
    assert.match(message, /sysctl fs\.inotify\.max_user_watches=524288/);
  });
});
