// A parsed YAML config and the way from a config path back to its line and column.
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
} from 'yaml';
import type { Anchor, ConfigPath, Locate, ProblemList } from './problems.js';

export interface YamlSource {
  doc: Document;
  lineCounter: LineCounter;
}

/** Parses YAML text, keeping positions; duplicate keys are errors. */
export function parseYaml(text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, merge: true, prettyErrors: false });
  return { doc, lineCounter };
}

/** Where `path` is in the file: its value, its key, or the key of the mapping that should hold it. */
export function yamlLocator({ doc, lineCounter }: YamlSource): Locate {
  return (path: ConfigPath, anchor: Anchor) => {
    const target = anchor === 'parent' ? path.slice(0, -1) : path;
    const { key, value } = find(doc, target);
    const empty = value === null || (isScalar(value) && value.value === null && !value.source);
    const node = anchor === 'value' && !empty ? value : (key ?? value);
    const offset = node?.range?.[0] ?? 0;
    return lineCounter.linePos(offset);
  };
}

// The deepest key and value nodes along `path` that exist in the document.
function find(doc: Document, path: ConfigPath): { key: Node | null; value: Node | null } {
  let key: Node | null = null;
  let value = (doc.contents as Node | null) ?? null;
  for (const segment of path) {
    const node = isAlias(value) ? (value.resolve(doc) as Node | undefined) : value;
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(segment));
      if (pair === undefined) break;
      key = pair.key as Node;
      value = (pair.value as Node | null) ?? null;
    } else if (isSeq(node) && Number(segment) < node.items.length) {
      key = null;
      value = node.items[Number(segment)] as Node;
    } else {
      break;
    }
  }
  return { key, value };
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/**
 * Adds the YAML errors of the document as problems. Returns true when the structure cannot be
 * trusted (anything but duplicate keys), so that checking further would only add noise.
 */
export function addYamlErrors(source: YamlSource, text: string, problems: ProblemList): boolean {
  let broken = false;
  for (const error of source.doc.errors) {
    const offset = error.pos[0];
    const { line, col } = source.lineCounter.linePos(offset);
    if (error.code === 'DUPLICATE_KEY') {
      const path = keyPathAt(source.doc, offset);
      const name = path === null ? keyAt(text, offset) : String(path[path.length - 1]);
      const dotted = path === null ? '' : path.join('.');
      problems.addPlaced({
        file: problems.file,
        line,
        col,
        path: dotted,
        message: `expected unique keys, got "${name}" again`,
      });
    } else {
      broken = true;
      const message = error.message.charAt(0).toLowerCase() + error.message.slice(1);
      problems.addPlaced({ file: problems.file, line, col, path: '', message });
    }
  }
  return broken;
}

// The path of the map key that starts at `offset`, or null.
function keyPathAt(doc: Document, offset: number): ConfigPath | null {
  const search = (node: unknown, path: ConfigPath): ConfigPath | null => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const here = [...path, keyText(pair.key)];
        if ((pair.key as Node | null)?.range?.[0] === offset) return here;
        const inner = search(pair.value, here);
        if (inner !== null) return inner;
      }
    } else if (isSeq(node)) {
      for (let i = 0; i < node.items.length; i++) {
        const inner = search(node.items[i], [...path, i]);
        if (inner !== null) return inner;
      }
    }
    return null;
  };
  return search(doc.contents, []);
}

function keyAt(text: string, offset: number): string {
  return /^[^:,{}[\]\n]*/.exec(text.slice(offset))?.[0].trim() ?? '';
}

/** Keys of the mapping at `path`, in file order (JavaScript objects put integer-like keys first). */
export function keysInOrder(source: YamlSource, path: ConfigPath): string[] {
  const { value } = find(source.doc, path);
  return isMap(value) ? value.items.map((p) => keyText(p.key)) : [];
}
