// Project-wide facts that need more than the schema: the project's name, and working directories.
import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { isObject } from './envfiles.js';
import { KINDS, NAME_RE } from './kinds.js';
import type { ProblemList } from './problems.js';

/** The directory name made into a project name: other characters become '-', leading '-', '_', '.' go. */
export function nameFromDirectory(dir: string): string {
  return basename(dir)
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '');
}

/** The `name:` of the config, else one made from the directory's name; a problem when neither works. */
export function projectName(data: unknown, dir: string, problems: ProblemList): string {
  const given = isObject(data) ? data.name : undefined;
  if (given !== undefined) return typeof given === 'string' ? given : '';
  const name = nameFromDirectory(dir);
  if (!NAME_RE.test(name)) {
    const message = `expected ${KINDS.name.expected}, got nothing (the directory name ${JSON.stringify(basename(dir))} cannot be used, so set name:)`;
    problems.add(['name'], message, 'parent');
  }
  return name;
}

/** A problem for each service `cwd` that does not exist or is not a directory. */
export function checkCwds(services: unknown, dir: string, problems: ProblemList): void {
  if (!isObject(services)) return;
  for (const [name, service] of Object.entries(services)) {
    if (!isObject(service) || typeof service.cwd !== 'string' || service.cwd === '') continue;
    const path = resolve(dir, service.cwd);
    let problem: string | null = null;
    try {
      if (!statSync(path).isDirectory()) problem = `expected a directory, got a file (${path})`;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // EACCES: corral cannot look, but the service's own user may: reported at start if not
      if (code === 'ENOENT') problem = `expected an existing directory, got nothing at ${path}`;
      else if (code === 'ENOTDIR') problem = `expected a directory, got a path through a file (${path})`;
    }
    if (problem !== null) problems.add(['services', name, 'cwd'], problem);
  }
}
