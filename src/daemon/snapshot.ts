// state.json: what the daemon knows of every project and process, written atomically after
// changes (coalesced: many changes in one tick make one write).
import type { Logger } from 'pino';
import { STATE_FILE_VERSION } from '../defaults.js';
import type { Supervisor } from '../engine/supervisor.js';
import { writeFileAtomic, writeFileAtomicAsync } from '../state/atomic.js';
import { VERSION } from '../version.js';

export class StateWriter {
  private pending = false;
  private writing = false;
  private dirty = false;
  private inFlight: Promise<void> = Promise.resolve();
  private readonly path: string;
  private readonly supervisor: Supervisor;
  private readonly logger: Logger;

  constructor(path: string, supervisor: Supervisor, logger: Logger) {
    this.path = path;
    this.supervisor = supervisor;
    this.logger = logger;
  }

  /**
   * Writes soon, once for all changes made until then, off the event loop (the fsyncs must not
   * hold up a restart); a change made while a write is under way gets a write of its own after it.
   */
  schedule(): void {
    if (this.writing) {
      this.dirty = true;
      return;
    }
    if (this.pending) return;
    this.pending = true;
    setImmediate(() => void this.write());
  }

  private write(): Promise<void> {
    this.inFlight = this.writeNow();
    return this.inFlight;
  }

  /** Resolves once no write is under way (before the final synchronous flush). */
  settled(): Promise<void> {
    return this.inFlight;
  }

  private async writeNow(): Promise<void> {
    this.pending = false;
    this.dirty = false;
    this.writing = true;
    try {
      await writeFileAtomicAsync(this.path, `${JSON.stringify(this.snapshot(), null, 1)}\n`);
    } catch (err) {
      this.logger.error({ err, path: this.path }, 'cannot write state file');
    } finally {
      this.writing = false;
    }
    if (this.dirty) this.schedule();
  }

  /** Writes now, synchronously (at shutdown). A failure is logged; the daemon goes on. */
  flush(): void {
    this.pending = false;
    try {
      writeFileAtomic(this.path, `${JSON.stringify(this.snapshot(), null, 1)}\n`);
    } catch (err) {
      this.logger.error({ err, path: this.path }, 'cannot write state file');
    }
  }

  snapshot(): object {
    return {
      version: STATE_FILE_VERSION,
      corral: VERSION,
      daemon: { pid: process.pid, written_at: new Date().toISOString() },
      projects: [...this.supervisor.projects.values()].map((p) => p.spec),
      processes: this.supervisor.list().map((i) => i.record()),
    };
  }
}

/** Writes projects.json: the definitions alone, so a corrupt state.json does not lose them. */
export function writeProjects(path: string, supervisor: Supervisor): void {
  const projects = [...supervisor.projects.values()].map((p) => p.spec);
  writeFileAtomic(path, `${JSON.stringify({ version: STATE_FILE_VERSION, projects }, null, 1)}\n`);
}
