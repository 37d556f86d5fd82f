// corral down: stop a project's services in reverse dependency order and forget the project
// (from the CLI itself when no daemon runs: see offline-stop.ts).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ProjectRemoval } from '../../api/schemas.js';
import { findConfigFile } from '../../config/find.js';
import { CorralError, isCorralError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { assertHomeAccess } from '../home-access.js';
import { describeOfflineStop, stopWithoutDaemon } from '../offline-stop.js';
import { watchStops } from '../stop-progress.js';

export async function down(
  ctx: CliContext,
  project: string | undefined,
  opts: { file?: string; all?: boolean; json?: boolean },
): Promise<number> {
  let client: Awaited<ReturnType<CliContext['connect']>>;
  try {
    client = await ctx.connect();
  } catch (e) {
    if (isCorralError(e) && e.code === 'DAEMON_UNREACHABLE') return downWithoutDaemon(ctx, project, opts);
    throw e;
  }
  let names: string[];
  if (opts.all) names = (await client.projects()).map((p) => p.name);
  else if (project) names = [project];
  else {
    const file = resolve(opts.file ?? findConfigFile(process.cwd()));
    // the project loaded from this very file, as the daemon knows it (no need to parse the file,
    // and right even if its name: was edited since); else the name the file gives
    const loaded = (await client.projects()).filter((p) => p.file === file);
    names = [loaded.length === 1 ? loaded[0]!.name : await projectOfFile(file)];
  }
  if (opts.all && names.length === 0) ctx.note('No project is loaded.');
  const removals: ProjectRemoval[] = [];
  const progress = watchStops(ctx, client);
  try {
    for (const name of names) {
      try {
        const removal = await client.removeProject(name);
        removals.push(removal);
        const killed =
          removal.killed.length === 0 ? '' : ` (${removal.killed.join(', ')}: ${sigkilled(removal.killed)})`;
        ctx.note(`${name}: stopped and removed${killed}`);
      } catch (e) {
        if (isCorralError(e) && e.code === 'PROJECT_NOT_FOUND' && !project) {
          ctx.note(`${name}: not loaded, nothing to stop`);
          continue;
        }
        throw e;
      }
    }
  } finally {
    progress.finish();
  }
  if (opts.json) ctx.json(removals);
  return 0;
}

/** What a stop that ended in SIGKILL is said as. */
function sigkilled(names: readonly string[]): string {
  return `did not stop within ${names.length === 1 ? 'its' : 'their'} stop.timeout, killed with SIGKILL`;
}

/**
 * down while no daemon runs: what still runs of the project (or of every project) is stopped from
 * here, in reverse dependency order, and the project is removed from the state files.
 */
async function downWithoutDaemon(
  ctx: CliContext,
  project: string | undefined,
  opts: { file?: string; all?: boolean; json?: boolean },
): Promise<number> {
  assertHomeAccess(ctx.home);
  const names = opts.all
    ? null
    : [project ?? (await projectOfFile(resolve(opts.file ?? findConfigFile(process.cwd()))))];
  if (!existsSync(ctx.paths.dir)) {
    ctx.note('No daemon is running: nothing to stop.');
    if (opts.json) ctx.json([]);
    return 0;
  }
  const r = await stopWithoutDaemon(ctx.paths, { projects: names, forget: true, by: 'corral down' });
  if (project !== undefined && r.unknown.includes(project)) {
    throw new CorralError('PROJECT_NOT_FOUND', `No project named "${project}" is loaded`);
  }
  const { lines, ok } = describeOfflineStop(r);
  for (const line of lines) ctx.note(line);
  for (const name of r.unknown) ctx.note(`${name}: not loaded, nothing to stop`);
  for (const name of r.removed) {
    const n = r.stopped.filter((s) => s.svc.project === name).length;
    ctx.note(
      `${name}: ${n > 0 ? `stopped ${n} running process${n === 1 ? '' : 'es'} (no daemon was running)` : 'nothing was running'}; removed`,
    );
  }
  if (opts.all && r.removed.length === 0 && ok)
    ctx.note('No daemon is running, and no project is loaded: nothing to stop.');
  if (opts.json) {
    const of = (name: string, killed: boolean | null): string[] =>
      r.stopped
        .filter((s) => s.svc.project === name && (killed === null || s.killed === killed))
        .map((s) => s.svc.name);
    ctx.json(
      r.removed.map(
        (name): ProjectRemoval => ({ removed: name, stopped: of(name, null), killed: of(name, true) }),
      ),
    );
  }
  if (!ok) {
    const kept = [...new Set(r.failed.map((f) => f.svc.project))];
    ctx.note(`${kept.join(', ')} not removed: stop what still runs by hand, then run corral down again.`);
  }
  return ok ? 0 : 1;
}

/**
 * The project a file names: its `name:` (interpolated as the loader does), else its directory's
 * name; the file is not validated, so one that no longer validates still names the project to stop.
 */
async function projectOfFile(file: string): Promise<string> {
  // the config loader (and its YAML parser) only when the daemon could not tell
  return (await import('../../config/load.js')).projectNameOf(file);
}

/** down takes one target: a file, a project name, or --all. */
export function assertOneTarget(project: string | undefined, opts: { file?: string; all?: boolean }): void {
  const given = [project !== undefined, opts.file !== undefined, opts.all === true].filter(Boolean).length;
  if (given > 1) throw new CorralError('BAD_REQUEST', 'down takes one of -f FILE, PROJECT or --all');
}
