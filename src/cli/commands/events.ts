// corral events: what happened, in order; -f follows. --json: one array, or with -f one object a line.

import type { CorralEvent } from '../../api/schemas.js';
import { parseSince } from '../../api/since.js';
import type { CliContext } from '../context.js';
import { reconnectNotes } from '../reconnect-notes.js';

/** The process an event is about, named as ps and logs name it (shop/web:0); null for a project's or the daemon's. */
export function eventName(e: CorralEvent): string | null {
  if (e.service === null) return null;
  return e.instance === null ? `${e.project}/${e.service}` : `${e.project}/${e.service}:${e.instance}`;
}

/** An event as --json prints it: its fields, with `name` first. */
export function eventJson(e: CorralEvent): CorralEvent & { name: string | null } {
  return { name: eventName(e), ...e };
}

export function formatEvent(e: CorralEvent): string {
  const who = eventName(e) ?? e.project ?? '-';
  const parts = [e.time, e.type.padEnd(17), who];
  if (e.pid !== null) parts.push(`pid=${e.pid}`);
  if (e.code !== null) parts.push(`code=${e.code}`);
  if (e.signal !== null) parts.push(`signal=${e.signal}`);
  if (e.reason !== null) parts.push(`reason=${e.reason}`);
  if (e.delay_ms !== null) parts.push(`delay=${e.delay_ms}ms`);
  if (e.message !== null) parts.push(e.message);
  return parts.join(' ');
}

export async function events(
  ctx: CliContext,
  opts: { follow?: boolean; since?: string; json?: boolean },
): Promise<number> {
  if (opts.since !== undefined) parseSince(opts.since, Date.now());
  const client = await ctx.daemon();
  const show = (e: CorralEvent): void => ctx.print(opts.json ? JSON.stringify(eventJson(e)) : formatEvent(e));
  if (!opts.follow) {
    const list = await client.events(opts.since);
    if (opts.json) ctx.json(list.map(eventJson));
    else for (const e of list) show(e);
    return 0;
  }
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  process.once('SIGTERM', () => abort.abort());
  const since = opts.since
    ? `&since=${encodeURIComponent(opts.since)}`
    : `&since=${encodeURIComponent(new Date().toISOString())}`;
  await client.follow(
    `/v1/events?follow=1${since}`,
    (event, data) => {
      if (event === 'reset') ctx.note(`corral: ${(data as { reason: string }).reason}`);
      else show(data as CorralEvent);
    },
    { signal: abort.signal, ...reconnectNotes(ctx) },
  );
  return 0;
}
