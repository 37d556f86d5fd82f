// The event feed: the newest events of the journal, kept in a bounded list, each drawn as one
// short line (local time, the process, what happened and why).
import type { CorralEvent } from '../api/schemas.js';
import { sanitize } from './width.js';

export class EventFeed {
  private readonly kept: number;
  readonly events: CorralEvent[] = [];

  constructor(kept: number) {
    this.kept = kept;
  }

  add(e: CorralEvent): void {
    this.events.push(e);
    if (this.events.length > this.kept + this.kept / 4) this.events.splice(0, this.events.length - this.kept);
  }

  /** Forgets every event (the daemon could not place where the stream stood: it sends them again). */
  clear(): void {
    this.events.length = 0;
  }

  /** The newest `n` events, oldest first; only those about process `name` when given. */
  newest(n: number, name: string | null): CorralEvent[] {
    const out: CorralEvent[] = [];
    for (let i = this.events.length - 1; i >= 0 && out.length < n; i--) {
      const e = this.events[i];
      if (name === null || about(e, name)) out.push(e);
    }
    return out.reverse();
  }
}

/** Whether event `e` is about process `name` (shop/web:0): its own, its service's or its project's. */
function about(e: CorralEvent, name: string): boolean {
  if (e.project === null) return true;
  const [project, rest] = [name.slice(0, name.indexOf('/')), name.slice(name.indexOf('/') + 1)];
  if (e.project !== project) return false;
  if (e.service === null) return true;
  const colon = rest.lastIndexOf(':');
  if (e.service !== rest.slice(0, colon)) return false;
  return e.instance === null || String(e.instance) === rest.slice(colon + 1);
}

/** One event as a line: 12:03:04 shop/web:0 exited code=1 crashed: message */
export function eventLine(e: CorralEvent): string {
  const d = new Date(e.time);
  const time = Number.isNaN(d.getTime())
    ? e.time
    : [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  const who =
    e.project === null
      ? 'daemon'
      : e.service === null
        ? e.project
        : `${e.project}/${e.service}${e.instance === null ? '' : `:${e.instance}`}`;
  const parts = [time, who, e.type];
  if (e.pid !== null && e.type !== 'exited') parts.push(`pid ${e.pid}`);
  if (e.code !== null) parts.push(`code ${e.code}`);
  if (e.signal !== null) parts.push(e.signal);
  if (e.reason !== null) parts.push(e.reason);
  if (e.delay_ms !== null) parts.push(`in ${e.delay_ms} ms`);
  let line = parts.join(' ');
  if (e.message !== null) line += `: ${e.message}`;
  return sanitize(line);
}
