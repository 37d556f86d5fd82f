// corral start | stop | restart | kill: act on services by name.
import type { ProcessStatus } from '../../api/schemas.js';
import { CorralError } from '../../errors.js';
import { parseSignal } from '../../signals.js';
import type { CliContext } from '../context.js';
import { killedSince, watchStops } from '../stop-progress.js';

function report(ctx: CliContext, list: ProcessStatus[], killed: readonly string[]): void {
  for (const s of list) {
    const pid = s.pid === null ? '' : ` (pid ${s.pid})`;
    const why = s.message ? `: ${s.message}` : '';
    // a restart's status is the new process: the SIGKILL of the old one is said here
    const kill =
      killed.includes(s.name) && s.state !== 'stopped'
        ? ' (the previous process did not stop within its stop.timeout and was killed with SIGKILL)'
        : '';
    ctx.note(`${s.name}: ${s.state}${pid}${why}${kill}`);
  }
}

export async function control(
  ctx: CliContext,
  action: 'start' | 'stop' | 'restart',
  names: string[],
  opts: { json?: boolean; all?: boolean },
): Promise<number> {
  if (opts.all && names.length > 0)
    throw new CorralError('BAD_REQUEST', `corral ${action} --all takes no names (got ${names.join(' ')})`);
  if (!opts.all && names.length === 0)
    throw new CorralError('BAD_REQUEST', `corral ${action} needs a service or project name, or --all`);
  const client = await ctx.daemon();
  // --all: every process by its full name (a project's bare name could also be a service's)
  const targets = opts.all ? (await client.services()).map((s) => s.name) : names;
  if (targets.length === 0) {
    ctx.note('No project is loaded: nothing to do (corral up loads one).');
    return 0;
  }
  // one request for every name: the daemon resolves them all before it acts on any
  const progress = action === 'start' ? null : watchStops(ctx, client);
  let all: ProcessStatus[];
  try {
    all = await client.act(action, targets);
  } finally {
    progress?.finish();
  }
  // a stop's own status says it had to kill; a restart's is the new process: the events say it
  if (opts.json) {
    ctx.json(all);
  } else {
    const killed = all
      .filter((s) => s.state === 'stopped' && s.last_exit?.reason === 'killed-after-timeout')
      .map((s) => s.name);
    if (action === 'restart' && progress) killed.push(...(await killedSince(client, progress.since)));
    report(ctx, all, killed);
  }
  // failed after start: it could not start; after stop or restart: it could not be stopped
  return all.some((s) => s.state === 'failed') ? 1 : 0;
}

/**
 * `kill -s 0`, as kill(1) has it: is it alive? Nothing is sent; exit 0 when a process of the
 * name runs (each one said with its pid), 1 when none does.
 */
function isAlive(ctx: CliContext, processes: ProcessStatus[], json: boolean): number {
  const alive = processes.filter((p) => p.pid !== null);
  if (json) ctx.json({ signal: 0, alive: alive.map((p) => ({ name: p.name, pid: p.pid })) });
  else if (alive.length === 0) ctx.note(`${processes.map((p) => p.name).join(', ')}: no process runs`);
  else ctx.note(alive.map((p) => `${p.name} (pid ${p.pid}) runs`).join('\n'));
  return alive.length > 0 ? 0 : 1;
}

export async function kill(
  ctx: CliContext,
  name: string,
  opts: { signal: string; json?: boolean },
): Promise<number> {
  if (/^(SIG)?0$/i.test(opts.signal.trim())) {
    return isAlive(ctx, await (await ctx.daemon()).service(name), opts.json === true);
  }
  const signal = parseSignal(opts.signal);
  const client = await ctx.daemon();
  const result = await client.signal(name, signal);
  if (opts.json) ctx.json(result);
  else ctx.note(`${result.signal} sent to ${result.sent.join(', ')}`);
  return 0;
}
