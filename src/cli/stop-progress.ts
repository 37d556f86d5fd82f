// What `stop`, `restart` and `down` say while a stop takes long: from the events, a line on
// stderr for each process still stopping after `internal.stopProgressAfterMs` ("waiting for
// day1/stubborn:0 to stop (SIGKILL in 3s)"), and which processes had to be SIGKILLed.
import type { CorralEvent } from '../api/schemas.js';
import type { CorralClient } from '../client/client.js';
import { DEFAULTS } from '../defaults.js';
import { eventName } from './commands/events.js';
import type { CliContext } from './context.js';

export interface StopProgress {
  /** ends the watch; the processes whose stop ended in SIGKILL, by name */
  finish(): string[];
}

/** Watches the events from now on while an operation that stops processes runs. */
export function watchStops(ctx: CliContext, client: CorralClient): StopProgress {
  const abort = new AbortController();
  const timers = new Map<string, NodeJS.Timeout>();
  const killed: string[] = [];
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
      const timer = setTimeout(() => void slow(name, e), DEFAULTS.internal.stopProgressAfterMs);
      timers.set(name, timer);
    } else if (e.type === 'stopped' || e.type === 'failed') {
      clearTimeout(timers.get(name));
      timers.delete(name);
      if (e.reason === 'killed-after-timeout' && !killed.includes(name)) killed.push(name);
    }
  };
  const since = encodeURIComponent(new Date().toISOString());
  // a watch that cannot be had leaves the operation as it is, only quieter
  client.stream(`/v1/events?follow=1&since=${since}`, onEvent, abort.signal).catch(() => {});
  return {
    finish(): string[] {
      abort.abort();
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      return killed;
    },
  };
}
