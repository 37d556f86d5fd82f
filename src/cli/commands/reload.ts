// corral reload [PROJECT]: apply again the file each loaded project (or PROJECT) was applied
// from, read and validated here exactly as `up` does; an invalid file changes nothing.
import { CorralError, isCorralError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { readProjectFile } from '../project-file.js';
import { apply } from './up.js';

/** Reloads every project, or `name`; 2 when a file does not validate (that project is left as it was). */
export async function reload(ctx: CliContext, name: string | undefined): Promise<number> {
  const client = await ctx.connect();
  const loaded = await client.projects();
  const targets = name === undefined ? loaded : loaded.filter((p) => p.name === name);
  if (name !== undefined && targets.length === 0) {
    const known = loaded.map((p) => p.name).join(', ') || 'none';
    throw new CorralError('PROJECT_NOT_FOUND', `No project "${name}" is loaded (loaded: ${known})`);
  }
  if (loaded.length === 0) ctx.note('No project is loaded: nothing to reload.');
  let code = 0;
  for (const project of targets) code = Math.max(code, await reloadOne(ctx, project));
  return code;
}

/** What reload needs to know of a loaded project (as GET /v1/projects gives it). */
interface LoadedProject {
  name: string;
  /** the file it was applied from, or null when it was posted as text without one */
  file: string | null;
}

// Reads, checks and applies one project's file; problems are printed and leave it unchanged.
async function reloadOne(ctx: CliContext, project: LoadedProject): Promise<number> {
  if (project.file === null) {
    ctx.note(`${project.name}: applied from text with no file; nothing to read again, skipped`);
    return 0;
  }
  try {
    const read = readProjectFile(ctx, project.file);
    if (read.spec.name !== project.name) {
      throw new CorralError(
        'CONFIG_INVALID',
        `${project.file} now names project "${read.spec.name}", not "${project.name}"; to switch: corral down ${project.name}, then corral up -f ${project.file}`,
      );
    }
    await apply(ctx, await ctx.daemon(), read, []);
    return 0;
  } catch (e) {
    if (!isCorralError(e) || (e.code !== 'CONFIG_INVALID' && e.code !== 'CONFIG_NOT_FOUND')) throw e;
    ctx.note(e.message);
    const n = Array.isArray(e.details) ? e.details.length : 0;
    const what = n > 0 ? `the configuration has ${n} problem${n === 1 ? '' : 's'}` : 'it cannot be used';
    ctx.note(`corral: ${project.name}: ${what}; not reloaded, nothing changed`);
    return 2;
  }
}
