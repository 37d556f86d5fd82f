// Which file is the project's config: light on purpose (no parser), so a command can know its
// file, and fail when there is none, before it loads the config loader.
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CorralError } from '../errors.js';

/** The files `findConfigFile` looks for, in order. */
export const CONFIG_FILE_NAMES: readonly string[] = ['corral.yaml', 'corral.yml', 'Procfile'];

/** The config file of a directory: corral.yaml, else corral.yml, else Procfile. */
export function findConfigFile(cwd: string): string {
  const dir = resolve(cwd);
  for (const name of CONFIG_FILE_NAMES) {
    const path = join(dir, name);
    if (statSync(path, { throwIfNoEntry: false })?.isFile()) return path;
  }
  throw new CorralError(
    'CONFIG_NOT_FOUND',
    `No ${CONFIG_FILE_NAMES.slice(0, -1).join(', ')} or ${CONFIG_FILE_NAMES.at(-1)} found in ${dir}`,
    {
      dir,
      looked_for: CONFIG_FILE_NAMES,
    },
  );
}

/** `-f FILE`, else the config file of the current directory, as an absolute path. */
export function configPath(file: string | undefined): string {
  return resolve(file ?? findConfigFile(process.cwd()));
}
