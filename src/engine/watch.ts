// Restart on change (`watch:`): the files of a service are watched through the host, and a burst
// of changes (an editor's save, a build writing many files) restarts the service once: when the
// changes have been quiet for `watchQuietMs`, or `watchMaxWaitMs` after the first of a burst that
// goes on.
import { relative } from 'node:path';
import type { Clock, Timer } from '../clock.js';
import type { ServiceSpec } from '../config/types.js';
import { DEFAULTS } from '../defaults.js';
import type { EngineHost } from './host.js';

/** Collects changes into bursts; `fire` hears each burst once, with its first file and its size. */
export class ChangeBurst {
  private first: string | null = null;
  private count = 0;
  private quiet: Timer | null = null;
  private longest: Timer | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly fire: (first: string, count: number) => void,
    private readonly quietMs: number = DEFAULTS.internal.watchQuietMs,
    private readonly maxWaitMs: number = DEFAULTS.internal.watchMaxWaitMs,
  ) {}

  /** One more change. */
  add(path: string): void {
    this.count++;
    if (this.first === null) {
      this.first = path;
      this.longest = this.clock.after(this.maxWaitMs, () => this.flush());
    }
    this.quiet?.cancel();
    this.quiet = this.clock.after(this.quietMs, () => this.flush());
  }

  /** Drops a burst under way (the watch ends). */
  cancel(): void {
    this.quiet?.cancel();
    this.longest?.cancel();
    this.quiet = null;
    this.longest = null;
    this.first = null;
    this.count = 0;
  }

  private flush(): void {
    const first = this.first;
    const count = this.count;
    this.cancel();
    if (first !== null) this.fire(first, count);
  }
}

/** What a burst of changes says: the file that began it, relative to the service's cwd. */
export function changeMessage(spec: ServiceSpec, first: string, count: number): string {
  const rel = relative(spec.cwd, first);
  const shown = rel === '' ? first : rel.startsWith('..') ? first : rel;
  return count > 1 ? `${shown} changed (and ${count - 1} more changes)` : `${shown} changed`;
}

/** The `watch:` list of a definition (none in a definition recorded before it existed). */
export function watchList(spec: ServiceSpec): readonly string[] {
  return spec.watch ?? [];
}

/** A service's watch: its files, the bursts, and what to do with each burst. Null without one. */
export function watchService(
  host: EngineHost,
  spec: ServiceSpec,
  onBurst: (message: string) => void,
  onProblem: (message: string) => void,
): { close(): void } | null {
  const patterns = watchList(spec);
  if (patterns.length === 0 || !host.watchFiles) return null;
  const burst = new ChangeBurst(host.clock, (first, count) => onBurst(changeMessage(spec, first, count)));
  const stop = host.watchFiles(patterns, (path) => burst.add(path), onProblem);
  return {
    close: () => {
      stop();
      burst.cancel();
    },
  };
}
