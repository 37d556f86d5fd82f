// Watching the directories of a WatchSet with inotify, through fs.watch: one watch per
// directory (Node's `recursive` option is left alone: Linux has no recursive inotify, and Node
// emulates it in JavaScript since 19.1, an emulation reworked since, nodejs/node#51406 among
// others), never a poll. A directory created under a
// watched one is watched too, and the files already in it count as changed; a removed one is
// let go. A root that does not exist (yet, or any more) is awaited from its nearest ancestor.
// When the inotify limit is reached, what is watched already stays watched.
import { type Dirent, existsSync, type FSWatcher, watch as fsWatch, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { watchFailure } from './limit.js';
import type { WatchRoot, WatchSet } from './patterns.js';

/** fs.watch as the tree uses it (a test passes one that fails as the kernel can). */
export type WatchDir = (
  dir: string,
  onEvent: (event: 'rename' | 'change', name: string | null) => void,
) => FSWatcher;

// persistent: a `corral run` whose services have all ended waits on its watches alone
const watchDirectory: WatchDir = (dir, onEvent) =>
  fsWatch(dir, { persistent: true }, (event, name) => onEvent(event, name === null ? null : String(name)));

interface Watched {
  watcher: FSWatcher;
  /** levels below this directory that are watched too */
  depth: number;
  unnamed: ReadonlySet<string>;
}

export interface TreeOptions {
  /** a file the set takes changed (its absolute path) */
  onChange: (path: string) => void;
  /** a directory could not be watched; said once per cause */
  onProblem: (message: string) => void;
  watchDir?: WatchDir;
}

export class TreeWatcher {
  private readonly watched = new Map<string, Watched>();
  private readonly reported = new Set<string>();
  private readonly watchDir: WatchDir;
  private readonly roots: WatchRoot[];
  /** roots whose directory does not exist (yet, or any more), by that directory */
  private readonly pending = new Map<string, WatchRoot>();
  /** the inotify limit was reached: no new watch is tried */
  private full = false;
  private closed = false;

  constructor(
    private readonly set: WatchSet,
    private readonly opts: TreeOptions,
  ) {
    this.watchDir = opts.watchDir ?? watchDirectory;
    this.roots = set.roots();
    for (const root of this.roots) this.watchRoot(root, false);
  }

  /**
   * Watches a root: its tree; for a literal path that is no directory, its directory (a file is
   * seen there, and so is a directory of that name made later); for a directory that does not
   * exist, its nearest ancestor, until it does (a build's `rm -rf dist && mkdir dist`).
   * `arrived`: it was just made, and the files already in it count as changed.
   */
  private watchRoot(root: WatchRoot, arrived: boolean): void {
    if (isDirectory(root.dir)) {
      this.addTree(root.dir, root.depth, root.unnamed);
      const early = arrived ? this.firstMatchUnder(root.dir, root.depth, root.unnamed) : null;
      if (early !== null) this.opts.onChange(early);
      return;
    }
    // an existing file is seen through its directory's watch; anything else may yet be made
    if (!root.literal || !existsSync(root.dir)) this.pending.set(root.dir, root);
    let dir = dirname(root.dir);
    while (!isDirectory(dir) && dirname(dir) !== dir) dir = dirname(dir);
    this.add(dir, 0, root.unnamed);
  }

  /** A directory was made: the pending roots it is, or leads to, are watched on. */
  private arrived(path: string): void {
    for (const [dir, root] of this.pending) {
      if (dir !== path && !dir.startsWith(`${path}/`)) continue;
      this.pending.delete(dir);
      this.watchRoot(root, true);
    }
  }

  /** How many directories are watched. */
  get size(): number {
    return this.watched.size;
  }

  /** Whether `dir` is watched now. */
  watching(dir: string): boolean {
    return this.watched.has(dir);
  }

  /** Lets go of every watch. Idempotent. */
  close(): void {
    this.closed = true;
    for (const w of this.watched.values()) w.watcher.close();
    this.watched.clear();
  }

  /** Watches `dir` and the directories below it, `depth` levels down. */
  private addTree(dir: string, depth: number, unnamed: ReadonlySet<string>): void {
    if (!this.add(dir, depth, unnamed) || depth <= 0) return;
    for (const sub of this.subdirectories(dir, unnamed)) this.addTree(sub, depth - 1, unnamed);
  }

  /** Watches one directory; false when it cannot be (gone, or the limit reached). */
  private add(dir: string, depth: number, unnamed: ReadonlySet<string>): boolean {
    const known = this.watched.get(dir);
    if (known !== undefined) {
      known.depth = Math.max(known.depth, depth);
      return true;
    }
    if (this.full || this.closed) return false;
    try {
      const watcher = this.watchDir(dir, (event, name) => this.onEvent(dir, event, name));
      // a watched directory that is removed ends its watch; a later one of that name is new
      watcher.on('error', () => this.forget(dir));
      this.watched.set(dir, { watcher, depth, unnamed });
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      if (code === 'ENOSPC') this.full = true;
      const message = watchFailure(dir, e as NodeJS.ErrnoException);
      if (!this.reported.has(code ?? message)) {
        this.reported.add(code ?? message);
        this.opts.onProblem(message);
      }
      return false;
    }
  }

  /** The directories in `dir` to descend into. */
  private subdirectories(dir: string, unnamed: ReadonlySet<string>): string[] {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    return entries
      .filter((d) => d.isDirectory() && !unnamed.has(d.name))
      .map((d) => join(dir, d.name))
      .filter((sub) => !this.set.prunes(sub));
  }

  /** Something in `dir` changed: a file the set takes, a directory made or removed. */
  private onEvent(dir: string, event: 'rename' | 'change', name: string | null): void {
    if (this.closed || name === null) return;
    const path = join(dir, name);
    // a file written (the most of a build's events): no directory came or went, nothing to stat
    if (event === 'change') {
      if (this.set.matches(path)) this.opts.onChange(path);
      return;
    }
    // a watched directory removed or moved away says so under its own name: it is let go
    // (its parent's watch sees the change)
    if (!isDirectory(dir)) {
      this.forget(dir);
      return;
    }
    const isDir = isDirectory(path);
    if (this.pending.size > 0 && isDir) this.arrived(path);
    const parent = this.watched.get(dir);
    if (parent !== undefined && parent.depth > 0 && !parent.unnamed.has(name) && !this.set.prunes(path)) {
      if (isDir) {
        if (!this.watched.has(path)) {
          this.addTree(path, parent.depth - 1, parent.unnamed);
          // files written into it before its watch began count as changes too
          const early = this.firstMatchUnder(path, parent.depth - 1, parent.unnamed);
          if (early !== null) this.opts.onChange(early);
        }
      } else if (this.watched.has(path)) this.forget(path);
    }
    if (this.set.matches(path)) this.opts.onChange(path);
  }

  /** A file under a directory just made that the set takes, or null. */
  private firstMatchUnder(dir: string, depth: number, unnamed: ReadonlySet<string>): string | null {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return null;
    }
    for (const d of entries) {
      const path = join(dir, d.name);
      if (!d.isDirectory()) {
        if (this.set.matches(path)) return path;
      } else if (depth > 0 && !unnamed.has(d.name)) {
        const found = this.firstMatchUnder(path, depth - 1, unnamed);
        if (found !== null) return found;
      }
    }
    return null;
  }

  /** A directory that is gone: its watch and those below it end; roots in it wait to be made again. */
  private forget(dir: string): void {
    for (const [path, w] of this.watched) {
      if (path === dir || path.startsWith(`${dir}/`)) {
        w.watcher.close();
        this.watched.delete(path);
      }
    }
    if (this.closed) return;
    for (const root of this.roots) {
      const inside = root.dir === dir || root.dir.startsWith(`${dir}/`);
      if (inside && !this.pending.has(root.dir) && !this.watched.has(root.dir)) this.watchRoot(root, false);
    }
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
