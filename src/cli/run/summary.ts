// What `corral run` says when it ends: one line per service, its exits and restarts (by
// reason) and how it last ended, counted from the events of the run.
import type { EventInput } from '../../engine/states.js';

interface Tally {
  exits: number;
  restarts: Map<string, number>;
  last: { code: number | null; signal: string | null; reason: string | null } | null;
}

export class RunSummary {
  private readonly services = new Map<string, Tally>();

  /** `names`: every service of the run, in file order (a service never started is listed too). */
  constructor(names: readonly string[]) {
    for (const n of names) this.services.set(n, { exits: 0, restarts: new Map(), last: null });
  }

  /** Counts an event of the run. */
  record(event: EventInput): void {
    const tally = event.service == null ? undefined : this.services.get(event.service);
    if (tally === undefined) return;
    if (event.type === 'exited') {
      tally.exits++;
      tally.last = { code: event.code ?? null, signal: event.signal ?? null, reason: event.reason ?? null };
    } else if (event.type === 'restart-scheduled') {
      const reason = event.reason ?? 'unknown';
      tally.restarts.set(reason, (tally.restarts.get(reason) ?? 0) + 1);
    }
  }

  /** One line per service: `api: 3 exits, 2 restarts (crashed 1, file-changed 1); last exit code 143 (stopped-by-user)`. */
  lines(): string[] {
    const width = Math.max(0, ...[...this.services.keys()].map((n) => n.length));
    return [...this.services].map(([name, t]) => {
      const restarts = [...t.restarts.values()].reduce((a, b) => a + b, 0);
      const why = [...t.restarts].map(([r, n]) => `${r} ${n}`).join(', ');
      const parts = [
        `${t.exits} ${t.exits === 1 ? 'exit' : 'exits'}`,
        `${restarts} ${restarts === 1 ? 'restart' : 'restarts'}${why === '' ? '' : ` (${why})`}`,
      ];
      const last = t.last;
      const ended =
        last === null
          ? ''
          : `; last exit ${last.code === null ? 'unknown' : `code ${last.code}`}${last.signal ? ` ${last.signal}` : ''}${last.reason ? ` (${last.reason})` : ''}`;
      return `${`${name}:`.padEnd(width + 1)} ${parts.join(', ')}${ended}`;
    });
  }
}
