// What `stop`, `restart` and `down` say while a stop takes long: a line on stderr for each
// process still stopping `internal.stopProgressAfterMs` after its stop began ("waiting for
// day1/stubborn:0 to stop (SIGKILL in 3s)"), and which processes had to be SIGKILLed. A command
// whose stops end sooner opens nothing: the events are followed only once that time has passed
// (from the command's start on, so no stop that began before is missed).
import type { CorralEvent } from '../api/schemas.js';
import type { CorralClient } from '../client/client.js';
import { DEFAULTS } from '../defaults.js';
import { eventName } from './commands/events.js';
import type { CliContext } from './context.js';

export interface StopProgress {
  /** when the watch began (ISO 8601): the events of the operation are those since */
  since: string;
  /** ends the watch */
  finish(): void;
}

/** Watches the stops of an operation that is about to be asked for. */
export function watchStops(ctx: CliContext, client: CorralClient): StopProgress {
  const since = new Date().toISOString();
  const abort = new AbortController();
  const timers = new Map<string, NodeJS.Timeout>();
  let timeouts: Promise<Map<string, number>> | null = null;
  // each service's stop.timeout, asked once, when a first stop is slow
  const stopTimeout = async (e: CorralEvent): Promise<number | null> => {
    timeouts ??= client.projects().then(
      (list) =>
        new Map(list.flatMap((p) => p.services.map((s) => [`${p.name}/${s.name}`, s.stop.timeoutMs]))),
      () => new Map(),
    );
    return (await timeouts).get(`${e.project}/${e.service}`) ?? null;
  };
  const slow = async (name: string, e: CorralEvent): Promise<void> => {
    const timeout = await stopTimeout(e);
    if (!timers.has(name)) return; // stopped meanwhile
    const left = timeout === null ? null : Date.parse(e.time) + timeout - Date.now();
    const kill =
      left === null ? '' : left > 0 ? ` (SIGKILL in ${Math.ceil(left / 1000)}s)` : ' (SIGKILL sent)';
    ctx.note(`corral: waiting for ${name} to stop${kill}`);
  };
  const onEvent = (type: string, data: unknown): void => {
    if (type !== 'event') return;
    const e = data as CorralEvent;
    const name = eventName(e);
    if (name === null) return;
    if (e.type === 'stopping') {
      clearTimeout(timers.get(name));
      // a stop that began a while ago (replayed from the command's start) is said at once
      const wait = Math.max(0, Date.parse(e.time) + DEFAULTS.internal.stopProgressAfterMs - Date.now());
      timers.set(
        name,
        setTimeout(() => void slow(name, e), wait),
      );
    } else if (e.type === 'stopped' || e.type === 'failed') {
      clearTimeout(timers.get(name));
      timers.delete(name);
    }
  };
  const start = setTimeout(() => {
    // a watch that cannot be had leaves the operation as it is, only quieter
    client
      .stream(`/v1/events?follow=1&since=${encodeURIComponent(since)}`, onEvent, abort.signal)
      .catch(() => {});
  }, DEFAULTS.internal.stopProgressAfterMs);
  return {
    since,
    finish(): void {
      clearTimeout(start);
      abort.abort();
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}

/** The processes whose stop ended in SIGKILL among the events since `since`. */
export async function killedSince(client: CorralClient, since: string): Promise<string[]> {
  const events = await client.events(since);
  const killed = events.filter((e) => e.type === 'stopped' && e.reason === 'killed-after-timeout');
  return [...new Set(killed.flatMap((e) => eventName(e) ?? []))];
}
