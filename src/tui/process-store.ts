// What `top` knows of the daemon's processes: every status, read once, then kept live from the
// event stream (an event names a process, a service or a project, and only that is read again,
// batched; many names at once read the whole list instead), and CPU and memory from the usage
// stream. It tells its owner when something changed; the owner decides when to draw.
import type { CorralEvent, ProcessStatus, UsageReport } from '../api/schemas.js';

/** The reads the store needs of the daemon. */
export interface StatusSource {
  services(): Promise<ProcessStatus[]>;
  service(name: string): Promise<ProcessStatus[]>;
}

export interface ProcessStoreOptions {
  source: StatusSource;
  /** something changed (a row, the list) */
  onChange(): void;
  /** a read failed (other than a name gone) */
  onError(e: unknown): void;
  /** reads in flight at once */
  concurrency: number;
  /** more pending names than this read the whole list once */
  wholeListOver: number;
  /** ms to gather the names of a burst of events before reading */
  batchMs: number;
}

/** Whether `name` (a process, service or project name) covers the process `p`. */
export function covers(name: string, p: ProcessStatus): boolean {
  return name === p.name || name === p.project || name === `${p.project}/${p.service}`;
}

/** The process, service or project an event is about; null when it names none. */
export function eventTarget(e: CorralEvent): string | null {
  if (e.project === null) return null;
  if (e.service === null) return e.project;
  return e.instance === null ? `${e.project}/${e.service}` : `${e.project}/${e.service}:${e.instance}`;
}

// when each status was read: a backoff's time left counts down from there
const readAt = new WeakMap<ProcessStatus, number>();

/** When status `p` was read (ms since the epoch); null for one the store did not read. */
export function readTime(p: ProcessStatus): number | null {
  return readAt.get(p) ?? null;
}

export class ProcessStore {
  private readonly o: ProcessStoreOptions;
  /** name -> status */
  readonly procs = new Map<string, ProcessStatus>();
  private pending = new Set<string>();
  private wholeList = false;
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;

  constructor(opts: ProcessStoreOptions) {
    this.o = opts;
  }

  /** Reads every process again (at start, after a reconnect, when another daemon took over). */
  async reloadAll(): Promise<void> {
    const list = await this.o.source.services();
    this.procs.clear();
    const now = Date.now();
    for (const p of list) {
      readAt.set(p, now);
      this.procs.set(p.name, p);
    }
    this.o.onChange();
  }

  /** An event of the journal that happened while `top` looks: re-reads what it names. */
  onEvent(e: CorralEvent): void {
    const name = eventTarget(e);
    if (name !== null) this.refresh(name);
  }

  /** Asks the daemon again about `name`, batched with the other asks of the next batchMs. */
  refresh(name: string): void {
    this.pending.add(name);
    if (this.pending.size > this.o.wholeListOver) this.wholeList = true;
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.pump();
    }, this.o.batchMs);
  }

  /** Reads the whole list at the next batch. */
  refreshAll(): void {
    this.wholeList = true;
    this.refresh('');
  }

  /** CPU and memory of the running processes (the usage stream). */
  applyUsage(report: UsageReport): void {
    let changed = false;
    for (const u of report.processes) {
      const p = this.procs.get(u.name);
      if (p === undefined || p.pid !== u.pid) continue;
      if (p.cpu !== u.cpu || p.memory !== u.memory) {
        p.cpu = u.cpu;
        p.memory = u.memory;
        changed = true;
      }
    }
    if (changed) this.o.onChange();
  }

  /** Stops the batch timer. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  // Sends the pending reads: the whole list, or each name (at most `concurrency` at once).
  private pump(): void {
    if (this.wholeList) {
      this.wholeList = false;
      this.pending.clear();
      this.inFlight++;
      this.reloadAll()
        .catch((e) => this.o.onError(e))
        .finally(() => this.done());
      return;
    }
    while (this.inFlight < this.o.concurrency && this.pending.size > 0) {
      const name = this.pending.values().next().value as string;
      this.pending.delete(name);
      if (name === '') continue;
      this.inFlight++;
      this.read(name).finally(() => this.done());
    }
  }

  private done(): void {
    this.inFlight--;
    if ((this.pending.size > 0 || this.wholeList) && this.timer === null) this.pump();
  }

  // One read of a name; gone (404): the processes it covered are gone too.
  private async read(name: string): Promise<void> {
    let list: ProcessStatus[];
    try {
      list = await this.o.source.service(name);
    } catch (e) {
      const status = (e as { code?: string }).code;
      if (status !== 'SERVICE_NOT_FOUND' && status !== 'PROJECT_NOT_FOUND' && status !== 'NOT_FOUND') {
        this.o.onError(e);
        return;
      }
      list = [];
    }
    const seen = new Set(list.map((p) => p.name));
    for (const p of list) {
      const before = this.procs.get(p.name);
      // the usage stream's figures are newer than a read's when the process is the same
      if (before !== undefined && before.pid === p.pid && p.cpu === null) {
        p.cpu = before.cpu;
        p.memory = before.memory;
      }
      readAt.set(p, Date.now());
      this.procs.set(p.name, p);
    }
    for (const [n, p] of this.procs) {
      if (!seen.has(n) && covers(name, p)) this.procs.delete(n);
    }
    this.o.onChange();
  }
}
