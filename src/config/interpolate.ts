// `${VAR}`, `${VAR:-default}`, `${VAR:?message}` and `$$` in the string values of a parsed YAML document.
import { type Document, isMap, isScalar, isSeq } from 'yaml';
import type { ConfigPath } from './problems.js';

export type EnvSource = Record<string, string | undefined>;

export interface Interpolated {
  value: string;
  /** variables that were unset and had no default: they became empty */
  unset: string[];
  /** why the text could not be interpolated, or null */
  error: string | null;
  /** the variable a `${NAME:?message}` required and did not get (with error) */
  required?: string;
}

const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([\s\S]*))?$/;
const FORMS = `\${NAME}, \${NAME:-default}, \${NAME:?message} or $$ for a literal $`;

/** Replaces `${VAR}` forms in `text` from `env`; a `$` before anything else stays as is, for the shell. */
export function interpolate(text: string, env: EnvSource): Interpolated {
  let value = '';
  const unset: string[] = [];
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar < 0) {
      value += text.slice(i);
      break;
    }
    value += text.slice(i, dollar);
    const next = text[dollar + 1];
    if (next !== '{') {
      value += '$';
      i = dollar + (next === '$' ? 2 : 1);
      continue;
    }
    const end = closingBrace(text, dollar + 2);
    const m = end < 0 ? null : REFERENCE.exec(text.slice(dollar + 2, end));
    if (m === null) {
      const fragment = end < 0 ? text.slice(dollar) : text.slice(dollar, end + 1);
      return { value: text, unset, error: `expected ${FORMS}, got ${JSON.stringify(fragment)}` };
    }
    const [, name, op, arg] = m;
    const current = env[name];
    const missing = op?.startsWith(':') ? !current : current === undefined;
    if (!missing) {
      value += current;
    } else if (op === undefined) {
      unset.push(name);
    } else if (op.endsWith('-')) {
      const inner = interpolate(arg, env);
      if (inner.error !== null) return { value: text, unset, error: inner.error };
      value += inner.value;
      unset.push(...inner.unset);
    } else {
      return {
        value: text,
        unset,
        error: `expected the variable ${name} to be set${arg ? ` (${arg})` : ''}`,
        required: name,
      };
    }
    i = end + 1;
  }
  return { value, unset, error: null };
}

// Index of the `}` closing a `${` whose body starts at `from`, allowing nested `${...}`; -1 if none.
function closingBrace(text: string, from: number): number {
  let depth = 0;
  for (let j = from; j < text.length; j++) {
    if (text[j] === '$' && text[j + 1] === '{') {
      depth++;
      j++;
    } else if (text[j] === '}') {
      if (depth === 0) return j;
      depth--;
    }
  }
  return -1;
}

/** Hooks hear of problems; `offset` is where in the text the `${NAME` is, when it can be told. */
export interface InterpolationHooks {
  error(path: ConfigPath, message: string, offset: number | null): void;
  unset(path: ConfigPath, name: string, offset: number | null): void;
}

/**
 * Interpolates every string value (not keys) of `doc` in place, so positions stay those of the file.
 * An unquoted value that becomes an integer or true/false is read as one: `instances: ${N:-2}`.
 */
export function interpolateDocument(
  doc: Document,
  env: EnvSource,
  hooks: InterpolationHooks,
  text = '',
): void {
  // the offset of the first `${NAME` reference in the node's source text, or null
  const where = (
    node: { range?: [number, number, number] | null },
    name: string | undefined,
  ): number | null => {
    if (name === undefined || !node.range) return null;
    const at = text.slice(node.range[0], node.range[1]).search(new RegExp(`\\$\\{${name}(?![A-Za-z0-9_])`));
    return at < 0 ? null : node.range[0] + at;
  };
  const visit = (node: unknown, path: ConfigPath): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        visit(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        visit(item, [...path, i]);
      });
    } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('$')) {
      const result = interpolate(node.value, env);
      if (result.error !== null) {
        hooks.error(path, result.error, where(node, result.required));
        return;
      }
      for (const name of result.unset) hooks.unset(path, name, where(node, name));
      node.value = node.type === 'PLAIN' && node.value.includes('${') ? retype(result.value) : result.value;
    }
  };
  visit(doc.contents, []);
}

function retype(text: string): string | number | boolean {
  if (/^-?(0|[1-9]\d{0,14})$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}
