// Config problems: where they are, how they read, and the error that carries all of them.
import { CorralError } from '../errors.js';
import type { ConfigProblem } from './types.js';

/** A place in the config: keys of mappings and indexes of lists, from the top. */
export type ConfigPath = readonly (string | number)[];
/** What a problem points at: the value, its key (unknown keys), or the mapping holding it (missing keys). */
export type Anchor = 'value' | 'key' | 'parent';
export type Locate = (path: ConfigPath, anchor: Anchor) => { line: number; col: number };

/** One problem as one line: `FILE:LINE:COL: path: message`. */
export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.path === '' ? '' : `${p.path}: `}${p.message}`;
}

/** Every problem of a config file at once; `details` holds the ConfigProblem list. */
export class ConfigError extends CorralError {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    super('CONFIG_INVALID', problems.map(formatProblem).join('\n'), problems);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Collects the problems of one config file, each placed by `locate`. */
export class ProblemList {
  readonly items: ConfigProblem[] = [];

  constructor(
    readonly file: string,
    private readonly locate: Locate,
  ) {}

  /** Records a problem at `path`; only the first problem of a path is kept. */
  add(path: ConfigPath, message: string, anchor: Anchor = 'value'): void {
    const dotted = path.join('.');
    if (this.items.some((p) => p.file === this.file && p.path === dotted)) return;
    this.items.push({ file: this.file, ...this.locate(path, anchor), path: dotted, message });
  }

  /** Records a problem already placed, possibly in another file (an env file). */
  addPlaced(problem: ConfigProblem): void {
    this.items.push(problem);
  }

  /** Throws a ConfigError with every problem, the config file's first, in file order. */
  throwIfAny(): void {
    if (this.items.length === 0) return;
    const rank = (p: ConfigProblem): number => (p.file === this.file ? 0 : 1);
    const sorted = [...this.items].sort(
      (a, b) => rank(a) - rank(b) || a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col,
    );
    throw new ConfigError(sorted);
  }
}

/** A value as a message shows it after "got": strings quoted, mappings and lists by kind. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  return String(value);
}

/** Optimal string alignment distance: edits, with a swap of neighbours counting as one. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/** The candidate closest to `word` when it is close enough to be a likely typo. */
export function closest(word: string, candidates: Iterable<string>): string | null {
  const w = word.toLowerCase();
  const limit = w.length <= 4 ? 1 : 2;
  let best: string | null = null;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    const distance = editDistance(w, c.toLowerCase());
    if (distance < bestDistance && distance < c.length) {
      best = c;
      bestDistance = distance;
    }
  }
  return best;
}

/** ` (did you mean "x"?)` when a candidate is close to `word`, else an empty string. */
export function didYouMean(word: unknown, candidates: Iterable<string>): string {
  if (typeof word !== 'string') return '';
  const match = closest(word, candidates);
  return match === null || match === word ? '' : ` (did you mean "${match}"?)`;
}
