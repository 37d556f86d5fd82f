// corral check: validate a config file and change nothing.
import { isCorralError } from '../../errors.js';
import { commandsNotFound } from '../command-on-path.js';
import type { CliContext } from '../context.js';
import { projectJson } from '../definition-json.js';
import { configPath, formatWarning, type ProjectFile, readProjectFile } from '../project-file.js';

/**
 * Validates the file as `up` would (same warnings, same problems) and prints what it holds; with
 * --json, an invalid file's problems go to stdout as `{problems: [{file, line, col, path, message}]}`.
 */
export async function check(ctx: CliContext, opts: { file?: string; json?: boolean }): Promise<number> {
  const file = configPath(opts.file);
  let project: ProjectFile;
  try {
    project = readProjectFile(ctx, file);
  } catch (e) {
    if (!isCorralError(e) || e.code !== 'CONFIG_INVALID' || !Array.isArray(e.details)) throw e;
    // check changes nothing in any case: it does not say "nothing was changed" as up does
    if (opts.json) ctx.json({ problems: e.details });
    else ctx.note(e.message);
    const n = e.details.length;
    ctx.note(`corral: ${file} has ${n} problem${n === 1 ? '' : 's'}`);
    return 2;
  }
  const { spec } = project;
  for (const w of commandsNotFound(spec, project.file, project.text, project.format, process.env.PATH ?? ''))
    ctx.note(formatWarning(w));
  if (opts.json) {
    ctx.json(projectJson(spec));
    return 0;
  }
  const names = spec.services.map((s) => (s.instances > 1 ? `${s.name} x${s.instances}` : s.name));
  ctx.print(`${file}: ok, project ${spec.name}, ${spec.services.length} services (${names.join(', ')})`);
  return 0;
}
