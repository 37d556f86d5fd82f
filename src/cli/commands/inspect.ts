// corral inspect: everything known of one service: its definition and each process's status.
import { parseAddress } from '../../engine/names.js';
import type { CliContext } from '../context.js';
import { formatDuration } from '../format.js';

/** Prints one service: environment values whose names look secret show as *** unless `showSecrets`. */
export async function inspect(
  ctx: CliContext,
  name: string,
  opts: { json?: boolean; showSecrets?: boolean },
): Promise<number> {
  const client = await ctx.daemon();
  const statuses = await client.service(name);
  const address = parseAddress(name);
  const project = statuses[0]?.project;
  const spec = (await client.projects({ secrets: opts.showSecrets === true }))
    .find((p) => p.name === project)
    ?.services.find((s) => s.name === address.service);
  if (opts.json) {
    ctx.json({ definition: spec ?? null, processes: statuses });
    return 0;
  }
  if (spec) {
    ctx.print(`${spec.project}/${spec.name}`);
    ctx.print(`  command     ${JSON.stringify(spec.command)}`);
    ctx.print(`  cwd         ${spec.cwd}`);
    const env = Object.entries(spec.env);
    ctx.print(`  env         ${env.length === 0 ? '-' : `${env[0][0]}=${env[0][1]}`}`);
    for (const [key, value] of env.slice(1)) ctx.print(`              ${key}=${value}`);
    ctx.print(`  instances   ${spec.instances}`);
    ctx.print(`  restart     ${spec.restart} (success codes ${spec.successCodes.join(', ')})`);
    ctx.print(
      `  backoff     ${spec.backoff.free} free, then ${spec.backoff.initialMs} ms x${spec.backoff.factor} up to ${spec.backoff.maxMs} ms; resets after ${spec.backoff.resetAfterMs} ms`,
    );
    ctx.print(`  stop        ${spec.stop.signal}, SIGKILL after ${spec.stop.timeoutMs} ms`);
    const deps = Object.entries(spec.dependsOn).map(([d, c]) => `${d} (${c})`);
    ctx.print(`  depends on  ${deps.join(', ') || '-'}`);
    ctx.print(
      `  ready       ${spec.ready ? `${spec.ready.check.kind}, within ${spec.ready.timeoutMs} ms` : 'when spawned'}`,
    );
  }
  for (const s of statuses) {
    ctx.print(`${s.name}`);
    ctx.print(`  state       ${s.state}${s.message ? ` (${s.message})` : ''}`);
    ctx.print(`  pid         ${s.pid ?? '-'}`);
    if (s.started_at && s.pid !== null)
      ctx.print(`  uptime      ${formatDuration(Date.now() - Date.parse(s.started_at))}`);
    ctx.print(`  restarts    ${s.restarts}`);
    if (s.last_exit) {
      const how = s.last_exit.signal
        ? `${s.last_exit.signal} (${s.last_exit.code})`
        : `code ${s.last_exit.code}`;
      ctx.print(`  last exit   ${how}, ${s.last_exit.reason}`);
    }
  }
  return 0;
}
