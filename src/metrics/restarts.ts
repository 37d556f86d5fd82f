// Restarts by reason, per process, counted from the `restart-scheduled` events this daemon
// records (the journal tells every one). Counted since the daemon started: a new daemon starts
// from 0, which Prometheus reads as a counter reset, as after any restart of an exporter.

import type { CorralEvent } from '../api/schemas.js';
import { instanceName } from '../engine/names.js';

/**
 * The reasons a restart can have (the exit reasons the restart policy acts on, and a change of a
 * file of its `watch:` list), each exported from the start so that a first restart shows as an
 * increase from 0.
 */
export const RESTART_REASONS = [
  'crashed',
  'exited',
  'file-changed',
  'health-failed',
  'max-memory',
  'ready-timeout',
  'unknown',
] as const;

export class RestartCounter {
  /** by process name (`shop/web:0`), then reason */
  private readonly counts = new Map<string, Map<string, number>>();

  /** Counts the event if it is a restart. */
  record(event: CorralEvent): void {
    if (event.type !== 'restart-scheduled' || event.project === null || event.service === null) return;
    const name = instanceName(event.project, event.service, event.instance ?? 0);
    const reason = event.reason ?? 'unknown';
    let byReason = this.counts.get(name);
    if (byReason === undefined) {
      byReason = new Map();
      this.counts.set(name, byReason);
    }
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
  }

  /** The restarts of one process by reason: every known reason (0 when none), and any other seen. */
  of(name: string): Array<[reason: string, count: number]> {
    const seen = this.counts.get(name);
    const out: Array<[string, number]> = RESTART_REASONS.map((r) => [r, seen?.get(r) ?? 0]);
    for (const [reason, n] of seen ?? [])
      if (!(RESTART_REASONS as readonly string[]).includes(reason)) out.push([reason, n]);
    return out;
  }

  /** Forgets the processes that are not in `names` (removed services). */
  keepOnly(names: ReadonlySet<string>): void {
    for (const name of this.counts.keys()) if (!names.has(name)) this.counts.delete(name);
  }
}
