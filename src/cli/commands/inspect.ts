// corral inspect: everything known of one service: its definition (as written in the file), each
// process's status, the last results of its probes, and where its logs are.
import { join } from 'node:path';
import type { CorralEvent, ProcessStatus, ServiceDefinition } from '../../api/schemas.js';
import { logStem, parseAddress } from '../../engine/names.js';
import type { CliContext } from '../context.js';
import { definitionJson } from '../definition-json.js';
import { formatBytes, formatDuration, writtenCommand, writtenDuration } from '../format.js';

/** The width of the label column: the longest label ("max restarts") and two spaces. */
const LABEL_WIDTH = 14;

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
  const service = statuses[0]?.service ?? address.service;
  const spec = (await client.projects({ secrets: opts.showSecrets === true }))
    .find((p) => p.name === project)
    ?.services.find((s) => s.name === service);
  if (opts.json) {
    ctx.json({ definition: spec ? definitionJson(spec) : null, processes: statuses });
    return 0;
  }
  if (spec) for (const line of definitionLines(spec, ctx.paths.logsDir)) ctx.print(line);
  const events = await recentEvents(ctx, statuses);
  const now = Date.now();
  for (const s of statuses) {
    ctx.print(`${s.name}`);
    for (const [label, value] of processLines(s, spec, events, now, ctx.paths.logsDir))
      ctx.print(`  ${label.padEnd(LABEL_WIDTH)}${value}`);
  }
  return 0;
}

/** The definition, one `label value` line each, durations and sizes as a file writes them. */
function definitionLines(spec: ServiceDefinition, logsDir: string): string[] {
  const rows: [string, string][] = [];
  rows.push(['command', writtenCommand(spec.command)]);
  rows.push(['cwd', spec.cwd]);
  if (spec.user !== null || spec.group !== null)
    rows.push(['user', [spec.user ?? '-', spec.group === null ? '' : ` (group ${spec.group})`].join('')]);
  const env = Object.entries(spec.env);
  rows.push(['env', env.length === 0 ? '-' : `${env[0][0]}=${env[0][1]}`]);
  for (const [key, value] of env.slice(1)) rows.push(['', `${key}=${value}`]);
  rows.push(['instances', String(spec.instances)]);
  rows.push(['restart', `${spec.restart} (success codes ${spec.successCodes.join(', ')})`]);
  const b = spec.backoff;
  rows.push([
    'backoff',
    `${b.free} at once, then ${writtenDuration(b.initialMs)} x${b.factor} up to ${writtenDuration(b.maxMs)}; resets after ${writtenDuration(b.resetAfterMs)}`,
  ]);
  rows.push(['max restarts', spec.maxRestarts === 0 ? 'no limit' : String(spec.maxRestarts)]);
  rows.push(['stop', `${spec.stop.signal}, SIGKILL after ${writtenDuration(spec.stop.timeoutMs)}`]);
  const deps = Object.entries(spec.dependsOn).map(([d, c]) => `${d} (${c})`);
  rows.push(['depends on', deps.join(', ') || '-']);
  rows.push([
    'ready',
    spec.ready
      ? `${probe(spec.ready.check)}, every ${writtenDuration(spec.ready.intervalMs)}, within ${writtenDuration(spec.ready.timeoutMs)}`
      : 'when spawned',
  ]);
  const h = spec.health;
  rows.push([
    'health',
    h
      ? `${probe(h.check)}, every ${writtenDuration(h.intervalMs)}, timeout ${writtenDuration(h.timeoutMs)}, unhealthy after ${h.failures} failures`
      : '-',
  ]);
  rows.push(['max memory', spec.maxMemoryBytes === null ? '-' : formatBytes(spec.maxMemoryBytes)]);
  rows.push(['sockets', spec.sockets.join(', ') || '-']);
  rows.push(['watch', (spec.watch ?? []).join(', ') || '-']);
  const l = spec.logs;
  const files =
    spec.instances > 1
      ? join(logsDir, spec.project, `${spec.name}.N.log`)
      : join(logsDir, spec.project, `${spec.name}.log`);
  rows.push([
    'logs',
    `${files} (timestamps ${l.timestamps ? 'on' : 'off'}; rotated at ${formatBytes(l.maxSizeBytes)}, ${l.keep} kept)`,
  ]);
  return [
    `${spec.project}/${spec.name}`,
    ...rows.map(([label, value]) => `  ${label.padEnd(LABEL_WIDTH)}${value}`),
  ];
}

/** A probe in words: its kind and target. */
function probe(check: Record<string, unknown>): string {
  switch (check.kind) {
    case 'http':
      return `http ${check.url}${check.status === undefined ? '' : ` (status ${check.status})`}`;
    case 'tcp':
      return `tcp ${check.host}:${check.port}`;
    case 'exec':
      return `exec ${writtenCommand(check.command as string[])}`;
    case 'log':
      return `log /${check.pattern}/`;
    default:
      return String(check.kind);
  }
}

/** One process's status, with its probes' last results and its log file. */
function processLines(
  s: ProcessStatus,
  spec: ServiceDefinition | undefined,
  events: CorralEvent[],
  now: number,
  logsDir: string,
): [string, string][] {
  const rows: [string, string][] = [];
  // in backoff, the time left now (the message says the delay as it was chosen)
  const left =
    s.state === 'backoff' && s.backoff_ms !== null
      ? `, next start in ${Math.ceil(s.backoff_ms / 1000)}s`
      : '';
  rows.push(['state', `${s.state}${left}${s.message ? ` (${s.message})` : ''}`]);
  rows.push(['pid', s.pid === null ? '-' : String(s.pid)]);
  if (s.started_at && s.pid !== null) rows.push(['uptime', formatDuration(now - Date.parse(s.started_at))]);
  rows.push(['restarts', String(s.restarts)]);
  const mine = events.filter(
    (e) => e.project === s.project && e.service === s.service && e.instance === s.instance,
  );
  const ago = (e: CorralEvent): string => `${formatDuration(Math.max(0, now - Date.parse(e.time)))} ago`;
  if (spec?.ready) {
    const ready = mine.findLast((e) => e.type === 'ready');
    const spawned = mine.findLast((e) => e.type === 'spawned');
    if (ready && (!spawned || ready.time >= spawned.time)) rows.push(['ready', `passed ${ago(ready)}`]);
    else rows.push(['ready', s.state === 'starting' ? 'not yet' : '-']);
  }
  if (spec?.health) {
    const failed = mine.findLast((e) => e.type === 'health-failed');
    const last = failed ? `; last failure ${ago(failed)}: ${failed.message}` : '';
    rows.push(['health', `${s.health}${last}`]);
  }
  if (s.last_exit) {
    const how = s.last_exit.signal
      ? `${s.last_exit.signal} (${s.last_exit.code})`
      : `code ${s.last_exit.code}`;
    rows.push(['last exit', `${how}, ${s.last_exit.reason}`]);
  }
  if (spec && spec.instances > 1)
    rows.push([
      'log file',
      join(logsDir, s.project, `${logStem(s.service, s.instance, spec.instances)}.log`),
    ]);
  return rows;
}

/** The events since the oldest of these processes last started (for their probes' last results). */
async function recentEvents(ctx: CliContext, statuses: ProcessStatus[]): Promise<CorralEvent[]> {
  const starts = statuses.flatMap((s) => (s.started_at === null ? [] : [Date.parse(s.started_at)]));
  if (starts.length === 0) return [];
  const client = await ctx.daemon();
  return client.events(new Date(Math.min(...starts) - 1_000).toISOString());
}
