// corral down: stop a project's services in reverse dependency order and forget the project.
import { resolve } from 'node:path';
import { findConfigFile, loadProject, projectNameOf } from '../../config/index.js';
import { CorralError, isCorralError } from '../../errors.js';
import type { CliContext } from '../context.js';

export async function down(
  ctx: CliContext,
  project: string | undefined,
  opts: { file?: string; all?: boolean },
): Promise<number> {
  let client: Awaited<ReturnType<CliContext['connect']>>;
  try {
    client = await ctx.connect();
  } catch (e) {
    if (isCorralError(e) && e.code === 'DAEMON_UNREACHABLE') {
      ctx.note('No daemon is running: nothing to stop.');
      return 0;
    }
    throw e;
  }
  let names: string[];
  if (opts.all) names = (await client.projects()).map((p) => p.name);
  else if (project) names = [project];
  else names = [projectOfFile(resolve(opts.file ?? findConfigFile(process.cwd())))];
  if (opts.all && names.length === 0) ctx.note('No project is loaded.');
  for (const name of names) {
    try {
      await client.removeProject(name);
      ctx.note(`${name}: stopped and removed`);
    } catch (e) {
      if (isCorralError(e) && e.code === 'PROJECT_NOT_FOUND' && !project) {
        ctx.note(`${name}: not loaded, nothing to stop`);
        continue;
      }
      throw e;
    }
  }
  return 0;
}

/** The project a file names; a file that no longer validates still names one (to stop it). */
function projectOfFile(file: string): string {
  try {
    return loadProject(file).name;
  } catch (e) {
    if (isCorralError(e) && e.code === 'CONFIG_INVALID') return projectNameOf(file);
    throw e;
  }
}

/** down takes one target: a file, a project name, or --all. */
export function assertOneTarget(project: string | undefined, opts: { file?: string; all?: boolean }): void {
  const given = [project !== undefined, opts.file !== undefined, opts.all === true].filter(Boolean).length;
  if (given > 1) throw new CorralError('BAD_REQUEST', 'down takes one of -f FILE, PROJECT or --all');
}
