// max_memory: the RSS of each process tree that has a limit, sampled once a second while any
// such process runs (and not at all otherwise); over the limit, the process is restarted.
import type { Clock, Timer } from '../clock.js';
import { DEFAULTS } from '../defaults.js';
import type { Instance } from './instance.js';
import { ProcessState } from './states.js';

export class MemoryGuard {
  private timer: Timer | null = null;
  private readonly clock: Clock;
  private readonly list: () => Instance[];
  private readonly measure: (pids: number[]) => Map<number, number>;

  /** `measure` gives the RSS in bytes of each pid's process tree. */
  constructor(clock: Clock, list: () => Instance[], measure: (pids: number[]) => Map<number, number>) {
    this.clock = clock;
    this.list = list;
    this.measure = measure;
  }

  /** Arms the next sample if a limited process runs; call after any change. */
  update(): void {
    if (this.timer !== null || this.limited().length === 0) return;
    this.timer = this.clock.after(DEFAULTS.internal.memorySampleMs, () => {
      this.timer = null;
      this.sample();
      this.update();
    });
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  private limited(): Instance[] {
    return this.list().filter(
      (i) => i.spec.maxMemoryBytes !== null && i.pid !== null && i.state === ProcessState.Running,
    );
  }

  private sample(): void {
    const targets = this.limited();
    if (targets.length === 0) return;
    const rss = this.measure(targets.map((i) => i.pid!));
    for (const inst of targets) {
      const used = rss.get(inst.pid!);
      const limit = inst.spec.maxMemoryBytes!;
      if (used !== undefined && used > limit) {
        inst.kill(
          'max-memory',
          `using ${Math.round(used / 1048576)} MB, over max_memory ${Math.round(limit / 1048576)} MB`,
        );
      }
    }
  }
}
