// corral events: what happened, in order; -f follows.

import type { CorralEvent } from '../../api/schemas.js';
import { parseSince } from '../../api/since.js';
import type { CliContext } from '../context.js';
import { reconnectNotes } from '../reconnect-notes.js';

export function formatEvent(e: CorralEvent): string {
  const who =
    e.service === null
      ? (e.project ?? '-')
      : `${e.project}/${e.service}${e.instance === null ? '' : `:${e.instance}`}`;
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
  const show = (e: CorralEvent): void => ctx.print(opts.json ? JSON.stringify(e) : formatEvent(e));
  if (!opts.follow) {
    const list = await client.events(opts.since);
    if (opts.json) ctx.json(list);
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
