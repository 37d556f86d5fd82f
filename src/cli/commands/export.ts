// corral export TARGET: the project of a config file as systemd units, Kubernetes manifests, a
// Nomad job or a Compose file; on stdout, or as files under -o DIR. What the target cannot say
// exactly goes to stderr, per service and key; with --strict that is an error and nothing is written.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ExportTarget, exportProject, formatFinding } from '../../export/index.js';
import type { CliContext } from '../context.js';
import { configPath, readProjectFile } from '../project-file.js';

export interface ExportOptions {
  file?: string;
  output?: string;
  image?: string;
  strict?: boolean;
}

/** Reads the config as `check` does, exports it, prints or writes the files; 1 when --strict finds something. */
export async function exportCommand(
  ctx: CliContext,
  target: ExportTarget,
  opts: ExportOptions,
): Promise<number> {
  const { spec } = readProjectFile(ctx, configPath(opts.file));
  const result = exportProject(target, spec, opts.image === undefined ? {} : { image: opts.image });
  const level = opts.strict ? 'error' : 'warning';
  for (const f of result.findings) ctx.note(`corral export ${target}: ${level}: ${formatFinding(f)}`);
  if (opts.strict && result.findings.length > 0) {
    const n = result.findings.length;
    ctx.note(
      `corral export ${target}: ${n} key${n === 1 ? '' : 's'} cannot be exported exactly (--strict); nothing was written`,
    );
    return 1;
  }
  if (opts.output === undefined) {
    const many = result.files.length > 1;
    for (const file of result.files) {
      if (many) ctx.print(`# ==> ${file.name} <==`);
      ctx.io.out.write(file.content);
    }
    return 0;
  }
  writeAll(opts.output, result.files);
  for (const file of result.files) ctx.note(`wrote ${join(opts.output, file.name)}`);
  return 0;
}

// Every file is written beside its place first, then all are renamed: a failure leaves no half.
function writeAll(dir: string, files: ReadonlyArray<{ name: string; content: string }>): void {
  mkdirSync(dir, { recursive: true });
  const staged: string[] = [];
  try {
    for (const file of files) {
      const tmp = join(dir, `.${file.name}.${process.pid}.new`);
      staged.push(tmp);
      writeFileSync(tmp, file.content);
    }
  } catch (e) {
    for (const tmp of staged) rmSync(tmp, { force: true });
    throw e;
  }
  for (let i = 0; i < files.length; i += 1) renameSync(staged[i], join(dir, files[i].name));
}
