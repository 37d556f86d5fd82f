// Writes an imported config as corral.yaml: keys in corral's order, a comment above each key whose
// meaning changed, validated as `corral check` would, then written atomically (temp file, rename).
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Document, isMap, isPair, isScalar, isSeq, type Pair, visit, type YAMLMap } from 'yaml';
import type { ConfigDoc, Finding } from './findings.js';

/** The YAML text of `config`, with one comment per approximated finding above the key it became. */
export function renderConfig(config: ConfigDoc, findings: Finding[], header: string): string {
  const doc = new Document(config);
  doc.commentBefore = ` ${header}`;
  // short lists of words (commands, exit codes) on one line, as people write them
  visit(doc, {
    Seq(_, seq) {
      if (isSeq(seq) && seq.items.every(isScalar) && seq.items.length <= 8) seq.flow = true;
    },
  });
  for (const f of findings) {
    if (f.kind !== 'approximated' || f.target === null) continue;
    const path = f.service === null ? f.target.split('.') : ['services', f.service, ...f.target.split('.')];
    const pair = pairAt(doc, path);
    if (pair === null || !isScalar(pair.key)) continue;
    const line = `${f.source}: ${f.note}`;
    pair.key.commentBefore = pair.key.commentBefore ? `${pair.key.commentBefore}\n ${line}` : ` ${line}`;
  }
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** The pair at a key path (the deepest existing one), or null. */
function pairAt(doc: Document, path: string[]): Pair | null {
  let map: unknown = doc.contents;
  let found: Pair | null = null;
  for (const key of path) {
    if (!isMap(map)) break;
    const pair = (map as YAMLMap).items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
    if (pair === undefined) break;
    found = pair as Pair;
    map = pair.value;
  }
  return found;
}

/** Writes `text` to `file` through a temp file beside it and a rename: never a half-written file. */
export function writeAtomically(file: string, text: string): void {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    const fd = openSync(temp, 'wx', 0o644);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}
