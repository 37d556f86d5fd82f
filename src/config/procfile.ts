// The Procfile format: one `name: command` per line, `#` comments and blank lines.
import { KINDS, NAME_RE } from './kinds.js';
import type { ConfigPath, Locate } from './problems.js';
import type { ConfigProblem } from './types.js';

export interface Procfile {
  /** shaped like a config file's data: { services: { web: { command } } } */
  data: { services: Record<string, { command: string }> };
  /** service names in file order */
  order: string[];
  /** places a config path: a service at the start of its line, anything else at 1:1 */
  locate: Locate;
  problems: ConfigProblem[];
}

/** Parses a Procfile, adding a problem for each line that is not a valid `name: command`. */
export function parseProcfile(text: string, file: string): Procfile {
  const problems: ConfigProblem[] = [];
  const services: Record<string, { command: string }> = {};
  const lineOf = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const text = raw.trim();
    if (text === '' || text.startsWith('#')) return;
    const line = i + 1;
    const indent = raw.length - raw.trimStart().length;
    const colon = text.indexOf(':');
    const name = text.slice(0, colon).trim();
    const command = text.slice(colon + 1).trim();
    let problem: { col: number; message: string } | null = null;
    if (colon < 0) {
      problem = { col: indent + 1, message: `expected "name: command", got ${JSON.stringify(text)}` };
    } else if (!NAME_RE.test(name)) {
      problem = { col: indent + 1, message: `expected ${KINDS.name.expected}, got ${JSON.stringify(name)}` };
    } else if (lineOf.has(name)) {
      const first = lineOf.get(name);
      problem = {
        col: indent + 1,
        message: `expected unique names, got "${name}" again (first on line ${first})`,
      };
    } else if (command === '') {
      lineOf.set(name, line);
      problem = { col: indent + colon + 2, message: 'expected a command after the colon, got nothing' };
    } else {
      lineOf.set(name, line);
      services[name] = { command };
    }
    if (problem !== null)
      problems.push({ file, line, path: colon < 0 ? '' : `services.${name}`, ...problem });
  });
  if (lineOf.size === 0 && problems.length === 0) {
    problems.push({
      file,
      line: 1,
      col: 1,
      path: '',
      message: 'expected at least one "name: command" line, got none',
    });
  }
  const locate = (path: ConfigPath): { line: number; col: number } => {
    const line = path[0] === 'services' ? lineOf.get(String(path[1])) : undefined;
    return { line: line ?? 1, col: 1 };
  };
  return { data: { services }, order: [...lineOf.keys()], locate, problems };
}
