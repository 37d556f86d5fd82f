// `watch:` entries: made absolute against the config file's directory (as every path of the
// file is, whatever the service's cwd), and checked: a literal path (no
// wildcard) that does not exist is an error, a glob that matches no file a warning. `!` entries
// (ignores) may name what does not exist yet.
import { type Dirent, existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULTS } from '../defaults.js';
import { expandBraces, isGlob, staticBase } from '../watch/glob.js';
import { IGNORED_UNLESS_NAMED, WatchSet } from '../watch/patterns.js';
import { isObject } from './envfiles.js';
import type { ConfigPath, ProblemList } from './problems.js';

/** An entry as the engine takes it: absolute, `!` kept in front. */
export function absoluteWatchEntry(entry: string, dir: string): string {
  const negated = entry.startsWith('!');
  const path = resolve(dir, negated ? entry.slice(1) : entry);
  // resolve() drops a trailing slash, and keeps glob characters as they are
  return negated ? `!${path}` : path;
}

/** Problems for literal paths that do not exist; warnings for globs that match nothing. */
export function checkWatch(
  services: unknown,
  dir: string,
  problems: ProblemList,
  warn: (path: ConfigPath, message: string) => void,
): void {
  if (!isObject(services)) return;
  for (const [name, service] of Object.entries(services)) {
    if (!isObject(service) || !Array.isArray(service.watch)) continue;
    service.watch.forEach((entry: unknown, i: number) => {
      if (typeof entry !== 'string' || entry === '' || entry.startsWith('!')) return;
      const path = ['services', name, 'watch', i];
      const abs = absoluteWatchEntry(entry, dir);
      if (!isGlob(abs)) {
        if (!existsSync(abs))
          problems.add(path, `expected an existing file or directory, got nothing at ${abs}`);
        return;
      }
      const bases = expandBraces(abs).map(staticBase);
      if (bases.some((b) => matchesSomething(abs, b))) return;
      const missing = bases.filter((b) => !existsSync(b));
      warn(
        path,
        missing.length > 0
          ? `expected the glob to match a file, got nothing: ${missing.join(', ')} does not exist yet (it is watched for from its nearest existing directory)`
          : `expected the glob to match a file, got none yet under ${bases.join(', ')} (files that appear there later count)`,
      );
    });
  }
}

/** Whether a file under `base` matches `pattern` (at most `watchCheckMaxDirs` directories are read). */
function matchesSomething(pattern: string, base: string): boolean {
  const set = new WatchSet([pattern]);
  const named = new Set(pattern.split('/'));
  const skip = IGNORED_UNLESS_NAMED.filter((n) => !named.has(n));
  const queue = [base];
  let budget = DEFAULTS.internal.watchCheckMaxDirs;
  while (queue.length > 0 && budget-- > 0) {
    const dir = queue.shift() as string;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const d of entries) {
      const path = join(dir, d.name);
      if (d.isDirectory()) {
        if (!(skip as string[]).includes(d.name)) queue.push(path);
      } else if (set.matches(path)) return true;
    }
  }
  return budget < 0; // too large to look through: taken as matching
}
