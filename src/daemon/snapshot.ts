// state.json: what the daemon knows of every project and process, written atomically after
// changes (coalesced: many changes in one tick make one write).
import type { Logger } from 'pino';
import { STATE_FILE_VERSION } from '../defaults.js';
import type { Supervisor } from '../engine/supervisor.js';
import { writeFileAtomic } from '../state/atomic.js';
import { VERSION } from '../version.js';

export class StateWriter {
  private pending = false;
  private readonly path: string;
  private readonly supervisor: Supervisor;
  private readonly logger: Logger;

  constructor(path: string, supervisor: Supervisor, logger: Logger) {
    this.path = path;
    this.supervisor = supervisor;
    this.logger = logger;
  }

  /** Writes soon, once for all changes made until then. */
  schedule(): void {
    if (this.pending) return;
    this.pending = true;
    setImmediate(() => this.flush());
  }

  /** Writes now. A failure is logged; the daemon goes on with what it has in memory. */
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
