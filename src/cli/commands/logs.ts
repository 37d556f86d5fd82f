// corral logs: the last lines of services' logs, or (-f) follow them as they are written.

import type { ProcessStatus } from '../../api/schemas.js';
import { parseSince } from '../../api/since.js';
import type { CorralClient } from '../../client/client.js';
import { parseTimestamp } from '../../logs/index.js';
import type { CliContext } from '../context.js';
import { PREFIX_COLOURS, paint } from '../format.js';
import { reconnectNotes } from '../reconnect-notes.js';

/** One line as --json prints it. */
interface LineJson {
  name: string;
  time: string | null;
  line: string;
}

export interface LogsOptions {
  follow?: boolean;
  lines?: number;
  since?: string;
  timestamps?: boolean;
  json?: boolean;
}

/** Every service name known to the daemon, project-qualified, when the user named none. */
async function allServices(client: CorralClient): Promise<string[]> {
  const names = (await client.services()).map((s) => `${s.project}/${s.service}`);
  return [...new Set(names)];
}

export async function logs(ctx: CliContext, names: string[], opts: LogsOptions): Promise<number> {
  if (opts.since !== undefined) parseSince(opts.since, Date.now()); // a usage error before anything else
  const client = await ctx.daemon();
  const targets = names.length > 0 ? names : await allServices(client);
  const colours = new Map<string, string>();
  let multi = targets.length > 1;
  const prefix = (name: string): string => {
    if (!multi) return '';
    if (!colours.has(name)) colours.set(name, PREFIX_COLOURS[colours.size % PREFIX_COLOURS.length]);
    return `${paint(ctx.color, colours.get(name) as never, name)} | `;
  };
  // --json: the lines of a finite read as one array; a follow stream prints one object a line
  const collected: LineJson[] = [];
  const show = (name: string, line: string, arrived: Date | null): void => {
    if (opts.json) {
      const at = parseTimestamp(line);
      const entry = {
        name,
        time: at === null ? (arrived?.toISOString() ?? null) : new Date(at).toISOString(),
        line: stripStamp(line),
      };
      if (opts.follow) ctx.print(JSON.stringify(entry));
      else collected.push(entry);
      return;
    }
    let text = opts.timestamps ? line : stripStamp(line);
    if (opts.timestamps && arrived && parseTimestamp(line) === null)
      text = `${arrived.toISOString()} ${line}`;
    ctx.print(prefix(name) + text);
  };

  if (opts.follow && !multi) multi = await severalProcesses(client, targets);
  if (opts.since !== undefined) await noteUnstamped(ctx, client, targets);

  const tail = opts.lines;
  const pending = new Map<string, string>();
  const streams: Promise<void>[] = [];
  const abort = new AbortController();
  const connection = reconnectNotes(ctx);
  for (const target of targets) {
    if (!opts.follow) {
      const { entries } = await client.logs(target, { tail, since: opts.since });
      if (new Set(entries.map((e) => e.name)).size > 1) multi = true;
      for (const e of entries) show(e.name, e.line, null);
      continue;
    }
    const query = [
      `follow=1`,
      `tail=${tail ?? 10}`,
      opts.since ? `since=${encodeURIComponent(opts.since)}` : '',
    ]
      .filter(Boolean)
      .join('&');
    streams.push(
      client.follow(
        `/v1/services/${encodeURIComponent(target)}/logs?${query}`,
        (event, data) => {
          const d = data as { name?: string; line?: string; text?: string; reason?: string };
          const name = d.name ?? '';
          if (event === 'reset') ctx.note(`corral: ${d.reason}`);
          if (event === 'line') {
            // after a reconnect, the first line of a process may finish a partial one a chunk began
            show(name, (pending.get(name) ?? '') + (d.line ?? ''), null);
            pending.delete(name);
          }
          if (event !== 'chunk') return;
          const text = (pending.get(name) ?? '') + (d.text ?? '');
          const lines = text.split('\n');
          pending.set(name, lines.pop() ?? '');
          for (const line of lines) show(name, line, new Date());
        },
        { signal: abort.signal, ...connection },
      ),
    );
  }
  if (opts.json && !opts.follow) ctx.json(collected);
  if (opts.follow) {
    const stop = (): void => abort.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await Promise.all(streams);
  }
  return 0;
}

/** Whether the names stand for more than one process (a multi-instance service): lines then get prefixes. */
async function severalProcesses(client: CorralClient, targets: string[]): Promise<boolean> {
  let n = 0;
  for (const t of targets) n += (await client.service(t)).length; // one at a time: the first may start a daemon
  return n > 1;
}

/** Says on stderr which services keep no timestamps, so --since cannot filter their lines. */
async function noteUnstamped(ctx: CliContext, client: CorralClient, targets: string[]): Promise<void> {
  const statuses: ProcessStatus[] = [];
  for (const t of targets) statuses.push(...(await client.service(t))); // one at a time, as above
  const projects = await client.projects();
  const unstamped = new Set<string>();
  for (const s of statuses) {
    const spec = projects.find((p) => p.name === s.project)?.services.find((v) => v.name === s.service);
    if (spec && !spec.logs.timestamps) unstamped.add(`${s.project}/${s.service}`);
  }
  if (unstamped.size === 0) return;
  const names = [...unstamped].join(', ');
  ctx.note(
    `corral: ${names} ${unstamped.size > 1 ? 'keep' : 'keeps'} no timestamps (logs.timestamps: false): --since cannot filter ${unstamped.size > 1 ? 'their' : 'its'} lines, so all of them are shown`,
  );
}

/** A line without the timestamp corral wrote in front of it, if any. */
function stripStamp(line: string): string {
  return parseTimestamp(line) === null ? line : line.slice(line.indexOf(' ') + 1);
}
