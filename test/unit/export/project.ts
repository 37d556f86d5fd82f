// The projects the exporters' tests export: the bundled example, the every-key fixture, or a
// config given as text; read with the config loader as `corral check` reads them.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { detectFormat, loadProjectFromText, type ProjectSpec } from '../../../src/config/index.js';
import { FIXTURES, REPO_ROOT } from '../../helpers/home.js';

export const SHOP = join(REPO_ROOT, 'examples', 'shop', 'corral.yaml');
export const EVERY_KEY = join(FIXTURES, 'export', 'every-key.yaml');

/** The normalized project of a config file. */
export function loadFile(file: string): ProjectSpec {
  return loadText(readFileSync(file, 'utf8'), file);
}

/** The normalized project of a config text, as if read from `file`. */
export function loadText(text: string, file = join(FIXTURES, 'export', 'inline.yaml')): ProjectSpec {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  return loadProjectFromText(text, { file, dir: dirname(file), format: detectFormat(file, text), env });
}

/** The content of the file named `name` of an export. */
export function fileOf(
  result: { files: ReadonlyArray<{ name: string; content: string }> },
  name: string,
): string {
  const file = result.files.find((f) => f.name === name);
  if (file === undefined) throw new Error(`no file ${name} in ${result.files.map((f) => f.name).join(', ')}`);
  return file.content;
}
