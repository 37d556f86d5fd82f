// What one service's `watch:` list means: the paths a change counts for, the directories to
// watch for them, and the ones never to descend into. Entries are absolute (the config made
// them so, against the config file's directory); `!` entries ignore. A literal path (no wildcard) is a
// file, or a directory standing for everything under it. `.git` and `node_modules` are ignored
// below an entry's base unless the entry names them.
import { depthBelowBase, expandBraces, globToRegExp, isGlob, staticBase } from './glob.js';

/** Directories ignored unless an entry names them. */
export const IGNORED_UNLESS_NAMED = ['.git', 'node_modules'] as const;

/** One entry, braces expanded. */
interface Entry {
  base: string;
  /** directory levels below base it reaches (Infinity with `**` or a literal directory) */
  depth: number;
  literal: boolean;
  /** the default-ignored names this entry does not name */
  unnamed: Set<string>;
  test: (path: string) => boolean;
}

/** Where to watch: a directory, and how many levels below it (an entry's base). */
export interface WatchRoot {
  dir: string;
  depth: number;
  /** a literal entry: its base may be a file (then its directory is watched) */
  literal: boolean;
  /** names of directories not to descend into below dir */
  unnamed: ReadonlySet<string>;
}

export class WatchSet {
  private readonly includes: Entry[] = [];
  private readonly excludes: Entry[] = [];

  constructor(patterns: readonly string[]) {
    for (const raw of patterns) {
      const negated = raw.startsWith('!');
      for (const p of expandBraces(negated ? raw.slice(1) : raw)) {
        (negated ? this.excludes : this.includes).push(entry(trimSlash(p)));
      }
    }
  }

  /** The directories whose changes can matter. */
  roots(): WatchRoot[] {
    return this.includes.map((e) => ({
      dir: e.base,
      depth: e.depth,
      literal: e.literal,
      unnamed: e.unnamed,
    }));
  }

  /** Whether a change of `path` counts: some entry takes it and no `!` entry ignores it. */
  matches(path: string): boolean {
    if (this.excludes.some((e) => e.test(path))) return false;
    return this.includes.some((e) => e.test(path) && !ignoredBelow(e, path));
  }

  /** Whether a directory is ignored as a whole (a `!dir`, `!dir/**` entry), so not watched. */
  prunes(dir: string): boolean {
    return this.excludes.some((e) => e.test(dir) && (e.literal || e.depth === Number.POSITIVE_INFINITY));
  }
}

function entry(pattern: string): Entry {
  const literal = !isGlob(pattern);
  const base = literal ? pattern : staticBase(pattern);
  const named = new Set(pattern.slice(base.length).split('/'));
  const unnamed = new Set<string>(IGNORED_UNLESS_NAMED.filter((n) => !named.has(n)));
  if (literal) {
    return {
      base,
      depth: Number.POSITIVE_INFINITY,
      literal,
      unnamed,
      test: (p) => p === pattern || p.startsWith(pattern === '/' ? '/' : `${pattern}/`),
    };
  }
  const re = globToRegExp(pattern);
  return { base, depth: depthBelowBase(pattern), literal, unnamed, test: (p) => re.test(p) };
}

/** A path under a `.git` or `node_modules` below the entry's base that the entry does not name. */
function ignoredBelow(e: Entry, path: string): boolean {
  if (e.unnamed.size === 0) return false;
  const rest = path.slice(e.base.length).split('/');
  rest.pop(); // the file's own name is not a directory it is under
  return rest.some((s) => e.unnamed.has(s));
}

function trimSlash(p: string): string {
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}
