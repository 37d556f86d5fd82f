// corral ps: every process with its state, pid, uptime, restarts, health, CPU and memory.
import type { CliContext } from '../context.js';
import { psTable } from '../format.js';

const SHOWN_BY_DEFAULT = new Set(['waiting', 'starting', 'running', 'stopping', 'backoff', 'failed']);

export async function ps(ctx: CliContext, opts: { json?: boolean; all?: boolean }): Promise<number> {
  const client = await ctx.daemon();
  const list = await client.services();
  if (opts.json) {
    ctx.json(list);
    return 0;
  }
  const shown = opts.all ? list : list.filter((s) => SHOWN_BY_DEFAULT.has(s.state));
  ctx.print(psTable(shown, ctx.color, Date.now()));
  const hidden = list.length - shown.length;
  if (hidden > 0) ctx.note(`(${hidden} stopped or exited not shown: corral ps -a)`);
  return 0;
}
