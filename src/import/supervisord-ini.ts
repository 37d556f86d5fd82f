// supervisord's INI dialect, read as its own parser reads it: `[section]`, `key = value` or
// `key: value`, indented continuation lines, `;` and `#` comments (inline ones after whitespace),
// repeated sections merged, keys lower-cased, and `[include] files =` globs of the main file.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ImportError } from './errors.js';

/** One value, with where it was written (for errors) and the directory `%(here)s` names. */
export interface IniValue {
  value: string;
  file: string;
  line: number;
  here: string;
}

/** A section: its keys in order, and where its header is. */
export interface IniSection {
  name: string;
  file: string;
  line: number;
  keys: Map<string, IniValue>;
}

/** Parses one file's text into sections (merged by name, in order of first appearance). */
export function parseIni(
  text: string,
  file: string,
  into: Map<string, IniSection> = new Map(),
): Map<string, IniSection> {
  const here = dirname(resolve(file));
  let section: IniSection | null = null;
  let last: IniValue | null = null;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith(';') || trimmed.startsWith('#')) {
      if (trimmed === '') last = null;
      return;
    }
    if (/^\s/.test(raw) && last !== null) {
      last.value += `\n${stripComment(trimmed)}`;
      return;
    }
    const header = /^\[([^\]]+)\]\s*(?:[;#].*)?$/.exec(trimmed);
    if (header !== null) {
      const name = header[1].trim();
      section = into.get(name) ?? { name, file, line, keys: new Map() };
      into.set(name, section);
      last = null;
      return;
    }
    if (section === null)
      throw new ImportError(
        `${file}:${line}: expected a [section] header before the first key, got ${JSON.stringify(trimmed)}`,
      );
    const m = /^([^=:]+?)\s*[=:]\s?(.*)$/.exec(trimmed);
    if (m === null)
      throw new ImportError(
        `${file}:${line}: expected "key = value" in [${(section as IniSection).name}], got ${JSON.stringify(trimmed)}`,
      );
    last = { value: stripComment(m[2]).trim(), file, line, here };
    (section as IniSection).keys.set(m[1].trim().toLowerCase(), last);
  });
  return into;
}

/** A value without its inline comment: `;` or `#` after whitespace ends it. */
function stripComment(text: string): string {
  const m = /\s[;#]/.exec(text);
  return (m === null ? text : text.slice(0, m.index)).trimEnd();
}

/** A supervisord.conf and the files its `[include] files =` names (globs relative to it). */
export function readSupervisordConf(
  file: string,
  expand: (v: IniValue) => string,
): {
  sections: Map<string, IniSection>;
  included: string[];
} {
  const path = resolve(file);
  const sections = parseIni(readFileSync(path, 'utf8'), path);
  const include = sections.get('include');
  const included: string[] = [];
  const files = include?.keys.get('files');
  if (include !== undefined) sections.delete('include');
  if (files === undefined) return { sections, included };
  for (const pattern of expand(files).split(/\s+/).filter(Boolean)) {
    const matches = glob(resolve(dirname(path), pattern));
    for (const match of matches) {
      parseIni(readFileSync(match, 'utf8'), match, sections);
      included.push(match);
    }
  }
  return { sections, included };
}

/** Files matching a pattern whose wildcards (`*`, `?`, `[...]`) are in its last component. */
function glob(pattern: string): string[] {
  const dir = dirname(pattern);
  const base = basename(pattern);
  if (/[*?[]/.test(dir))
    throw new ImportError(
      `[include] files: ${pattern}: wildcards are only read in the file name, not in directories`,
    );
  if (!/[*?[]/.test(base)) return existsSync(pattern) ? [pattern] : [];
  const re = new RegExp(
    `^${base
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')
      .replace(/\[!/g, '[^')}$`,
  );
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries
    .filter((e) => re.test(e))
    .sort()
    .map((e) => join(dir, e));
}
