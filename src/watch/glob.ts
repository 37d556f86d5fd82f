// The glob syntax of `watch:` entries: `*` and `?` within one path segment, `**` for any number
// of directories, `[abc]`/`[!abc]` classes, `{a,b}` alternatives. Patterns are absolute paths.

const GLOB_CHARS = /[*?[\]{}]/;

/** Whether a pattern has anything but literal characters. */
export function isGlob(pattern: string): boolean {
  return GLOB_CHARS.test(pattern);
}

/** Every pattern `{a,b}` alternatives stand for (`src/{a,b}/*.js` is two patterns). */
export function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf('{');
  if (open < 0) return [pattern];
  let depth = 0;
  const cuts: number[] = [];
  for (let i = open; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      const inner = pattern.slice(open + 1, i);
      const parts = splitTopLevel(
        inner,
        cuts.map((x) => x - open - 1),
      );
      const rest = pattern.slice(i + 1);
      return parts.flatMap((p) => expandBraces(pattern.slice(0, open) + p + rest));
    } else if (c === ',' && depth === 1) cuts.push(i);
  }
  return [pattern]; // an unclosed brace is a literal character
}

function splitTopLevel(text: string, commas: number[]): string[] {
  const out: string[] = [];
  let from = 0;
  for (const at of commas) {
    out.push(text.slice(from, at));
    from = at + 1;
  }
  out.push(text.slice(from));
  return out;
}

/** The directory a pattern's matches all lie under: its segments before the first with a wildcard. */
export function staticBase(pattern: string): string {
  const segments = pattern.split('/');
  const i = segments.findIndex((s) => isGlob(s));
  if (i < 0) return pattern;
  const base = segments.slice(0, i).join('/');
  return base === '' ? '/' : base;
}

/** How many directory levels below its base a pattern can reach (Infinity with `**`). */
export function depthBelowBase(pattern: string): number {
  const segments = pattern.split('/');
  const i = segments.findIndex((s) => isGlob(s));
  if (i < 0) return 0;
  if (segments.slice(i).includes('**')) return Number.POSITIVE_INFINITY;
  return segments.length - i - 1;
}

/** A regular expression matching the absolute paths a pattern (braces expanded) stands for. */
export function globToRegExp(pattern: string): RegExp {
  const segments = pattern.split('/');
  let re = '';
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i];
    if (s === '**') re += '(?:/[^/]*)*';
    else if (s !== '' || i === segments.length - 1) re += `/${segmentSource(s)}`;
  }
  return new RegExp(`^${re === '' ? '/' : re}$`);
}

/** One segment's characters as regular expression source. */
function segmentSource(segment: string): string {
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '*') {
      while (segment[i + 1] === '*') i++;
      out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) {
        out += '\\[';
        continue;
      }
      let body = segment.slice(i + 1, close);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      out += `[${negated ? '^/' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = close;
    } else out += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return out;
}
