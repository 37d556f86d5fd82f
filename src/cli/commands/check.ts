// corral check: validate a config file and change nothing.
import type { CliContext } from '../context.js';
import { configPath, readProjectFile } from '../project-file.js';

/** Validates the file as `up` would (same warnings, same problems) and prints what it holds. */
export async function check(ctx: CliContext, opts: { file?: string; json?: boolean }): Promise<number> {
  const file = configPath(opts.file);
  const { spec } = readProjectFile(ctx, file);
  if (opts.json) {
    ctx.json(spec);
    return 0;
  }
  const names = spec.services.map((s) => (s.instances > 1 ? `${s.name} x${s.instances}` : s.name));
  ctx.print(`${file}: ok, project ${spec.name}, ${spec.services.length} services (${names.join(', ')})`);
  return 0;
}
