// corral check: validate a config file and change nothing.
import { resolve } from 'node:path';
import { findConfigFile, loadProject } from '../../config/index.js';
import type { CliContext } from '../context.js';

export async function check(ctx: CliContext, opts: { file?: string; json?: boolean }): Promise<number> {
  const file = resolve(opts.file ?? findConfigFile(process.cwd()));
  const spec = loadProject(file);
  if (opts.json) {
    ctx.json(spec);
    return 0;
  }
  const names = spec.services.map((s) => (s.instances > 1 ? `${s.name} x${s.instances}` : s.name));
  ctx.print(`${file}: ok, project ${spec.name}, ${spec.services.length} services (${names.join(', ')})`);
  return 0;
}
