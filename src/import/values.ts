// Small conversions every importer needs: durations, sizes, signals, `${` escaping, shell words.
import { toSignal } from '../signals.js';

/** A duration in ms written the way a corral.yaml writes it: 1h, 90s, 1500ms. */
export function formatDuration(ms: number): string {
  const whole = Math.round(ms);
  if (whole === 0) return '0';
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    if (whole % size === 0) return `${whole / size}${unit}`;
  }
  return `${whole}ms`;
}

/** A size in bytes written as a corral size: 512KB, 10MB, 1GB (binary units, as corral reads them). */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [
    ['GB', 1024 ** 3],
    ['MB', 1024 ** 2],
    ['KB', 1024],
  ] as const) {
    if (bytes % size === 0 && bytes >= size) return `${bytes / size}${unit}`;
  }
  return `${Math.max(1, Math.ceil(bytes / 1024))}KB`;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Bytes of a size as other tools write it (200M, 1G, 512k, 50MB, 1gb, 1048576), or null. */
export function parseLooseSize(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return Math.round(value);
  if (typeof value !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(value);
  if (m === null) return null;
  return Math.round(Number(m[1]) * SIZE_UNITS[m[2].toLowerCase()]);
}

const GO_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds of a Go-style duration (Compose: 1m30s, 500ms, 10s, 1h2m), or null. */
export function parseGoDuration(value: unknown): number | null {
  if (typeof value === 'number') return value * 1000;
  if (typeof value !== 'string' || value.trim() === '') return null;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let at = 0;
  const text = value.trim();
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    total += Number(m[1]) * GO_UNITS[m[2]];
    at = re.lastIndex;
  }
  return at === text.length ? total : null;
}

/** A signal name (SIGTERM, TERM, 15) as corral writes it, or null when it is not one. */
export function signalName(value: unknown): string | null {
  return toSignal(typeof value === 'string' ? value.trim() : value);
}

/** Text whose `${` must reach the program as written: corral would interpolate it, `$${` keeps it. */
export function literal(text: string): string {
  return text.replace(/\$\{/g, '$$$${');
}

/**
 * Splits a command line into words as a POSIX shell would without expanding anything: single and
 * double quotes, backslash escapes. Throws on an unclosed quote.
 */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`an unclosed ' in ${JSON.stringify(line)}`);
      word += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && '"\\$`\n'.includes(line[j + 1] ?? '')) j++;
        word += line[j];
      }
      if (j >= line.length) throw new Error(`an unclosed " in ${JSON.stringify(line)}`);
      i = j;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Whether a command line needs a shell: pipes, redirections, variables, globs, `&&`. */
export function needsShell(line: string): boolean {
  return /[|&;<>()$`*?[\]~{}]/.test(line.replace(/'[^']*'/g, ''));
}

/** A corral service name from another tool's name: letters, digits, `.`, `-`, `_`. */
export function serviceName(name: string): string {
  const cleaned = name
    .trim()
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[-_.]+|-+$/g, '');
  return cleaned === '' ? 'service' : cleaned;
}
