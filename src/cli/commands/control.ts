// corral start | stop | restart | kill: act on services by name.
import type { ProcessStatus } from '../../api/schemas.js';
import { parseSignal } from '../../signals.js';
import type { CliContext } from '../context.js';

function report(ctx: CliContext, list: ProcessStatus[]): void {
  for (const s of list) {
    const pid = s.pid === null ? '' : ` (pid ${s.pid})`;
    const why = s.message ? `: ${s.message}` : '';
    ctx.note(`${s.name}: ${s.state}${pid}${why}`);
  }
}

export async function control(
  ctx: CliContext,
  action: 'start' | 'stop' | 'restart',
  names: string[],
  opts: { json?: boolean },
): Promise<number> {
  const client = await ctx.daemon();
  // one request for every name: the daemon resolves them all before it acts on any
  const all = await client.act(action, names);
  if (opts.json) ctx.json(all);
  else report(ctx, all);
  // failed after start: it could not start; after stop or restart: it could not be stopped
  return all.some((s) => s.state === 'failed') ? 1 : 0;
}

export async function kill(ctx: CliContext, name: string, opts: { signal: string }): Promise<number> {
  const signal = parseSignal(opts.signal);
  const client = await ctx.daemon();
  const result = await client.signal(name, signal);
  ctx.note(`${result.signal} sent to ${result.sent.join(', ')}`);
  return 0;
}
