// corral import: a PM2 ecosystem file, supervisord.conf, Compose file, process-compose.yaml or
// Procfile to a corral.yaml, with a report on stderr of what each key became and why.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { formatProblem } from '../../config/problems.js';
import { CorralError } from '../../errors.js';
import {
  type Finding,
  FORMAT_NAMES,
  IMPORT_FORMATS,
  type ImportFormat,
  importFile,
  writeAtomically,
} from '../../import/index.js';
import type { CliContext } from '../context.js';

export interface ImportOptions {
  output?: string;
  from?: string;
  force?: boolean;
}

const KIND_WIDTH = 'approximated'.length;

/** Imports FILE, prints the per-key report on stderr, and writes the corral.yaml (`-o -`: stdout). */
export async function importCommand(ctx: CliContext, file: string, opts: ImportOptions): Promise<number> {
  if (opts.from !== undefined && !(IMPORT_FORMATS as readonly string[]).includes(opts.from))
    throw new CorralError(
      'BAD_REQUEST',
      `--from: expected one of ${IMPORT_FORMATS.join(' | ')}, got "${opts.from}"`,
    );
  const toStdout = opts.output === '-';
  const output = resolve(toStdout ? 'corral.yaml' : (opts.output ?? 'corral.yaml'));
  if (!toStdout && !opts.force && existsSync(output))
    throw new CorralError(
      'BAD_REQUEST',
      `${relative('.', output) || output} exists; pass --force to replace it (nothing was written)`,
    );
  const result = await importFile(file, { from: opts.from as ImportFormat | undefined, output });
  ctx.note(`corral import: ${file} (${FORMAT_NAMES[result.format]})`);
  for (const line of report(result.findings)) ctx.note(line);
  for (const w of result.warnings) ctx.note(`warning: ${formatProblem(w)}`);
  if (toStdout) ctx.io.out.write(result.text);
  else {
    // everything is checked: only now is the output's directory made
    mkdirSync(dirname(output), { recursive: true });
    writeAtomically(output, result.text);
  }
  const count = (kind: Finding['kind']): number => result.findings.filter((f) => f.kind === kind).length;
  const n = Object.keys(result.config.services).length;
  ctx.note(
    `corral import: ${toStdout ? 'printed' : `wrote ${relative('.', output) || output}:`} ${n} service${n === 1 ? '' : 's'}; ${count('exact')} keys exact, ${count('approximated')} approximated (commented in the file), ${count('dropped')} dropped`,
  );
  return 0;
}

/** The report: the file's own keys first, then each service's, one line per source key. */
export function report(findings: Finding[]): string[] {
  const lines: string[] = [];
  const groups = new Map<string | null, Finding[]>();
  for (const f of findings) groups.set(f.service, [...(groups.get(f.service) ?? []), f]);
  const order = [...groups.keys()].sort((a, b) => (a === null ? -1 : b === null ? 1 : 0));
  for (const service of order) {
    lines.push(service === null ? '(file)' : `${service}:`);
    for (const f of groups.get(service) ?? []) {
      const target = f.target === null ? '' : ` -> ${f.target}`;
      const note = f.note === '' ? '' : `: ${f.note}`;
      lines.push(`  ${f.kind.padEnd(KIND_WIDTH)}  ${f.source}${target}${note}`);
    }
  }
  return lines;
}
