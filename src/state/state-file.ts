// What the next daemon finds on disk: state.json (every project and process, written atomically
// after changes, coalesced so many changes in one tick make one write) and projects.json (the
// definitions alone, rewritten on apply and remove). Read back at start; a torn or corrupt file
// is set aside and reported, never silently trusted.
import { readFileSync, renameSync } from 'node:fs';
import type { ProjectSpec } from '../config/types.js';
import { STATE_FILE_VERSION } from '../defaults.js';
import type { ProcessRecord } from '../engine/instance.js';
import type { Supervisor } from '../engine/supervisor.js';
import { CorralError } from '../errors.js';
import type { Logger } from '../log.js';
import { VERSION } from '../version.js';
import { writeFileAtomic, writeFileAtomicAsync } from './atomic.js';
import type { JournalPosition } from './journal.js';

export class StateWriter {
  private pending = false;
  private writing = false;
  private dirty = false;
  private inFlight: Promise<void> = Promise.resolve();
  private readonly path: string;
  private readonly supervisor: Supervisor;
  private readonly logger: Logger;

  private readonly journalAt: () => JournalPosition | null;

  /** `journalAt` says where the event journal stands, kept with each snapshot. */
  constructor(
    path: string,
    supervisor: Supervisor,
    logger: Logger,
    journalAt: () => JournalPosition | null = () => null,
  ) {
    this.path = path;
    this.supervisor = supervisor;
    this.logger = logger;
    this.journalAt = journalAt;
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
      // the events recorded after this point are not in this snapshot (see takeover.ts)
      journal: this.journalAt(),
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

export interface Recovered {
  projects: ProjectSpec[];
  records: ProcessRecord[];
  /** what was wrong with state.json or projects.json, each set aside; empty when nothing was */
  problems: string[];
  /** where the event journal stood when the snapshot was taken (absent in older state files) */
  journal?: JournalPosition | null;
}

interface StateFile {
  version: number;
  corral?: string;
  projects: ProjectSpec[];
  processes: ProcessRecord[];
  journal?: JournalPosition | null;
}

/**
 * Reads state.json, and projects.json (the definitions alone) when state.json is missing or
 * cannot be trusted. A torn or corrupt file is moved to FILE.corrupt-TIME and reported, never
 * read as empty.
 */
export function readState(stateFile: string, projectsFile: string, now = new Date()): Recovered {
  const problems: string[] = [];
  const fallback = (): Recovered => {
    const found = readProjects(projectsFile, now);
    if (found.problem) problems.push(found.problem);
    return { projects: found.projects, records: [], problems };
  };
  let text: string;
  try {
    text = readFileSync(stateFile, 'utf8');
  } catch {
    return fallback(); // first start
  }
  const why = validate(text);
  if (typeof why !== 'string') {
    if (why.version > STATE_FILE_VERSION) {
      throw new CorralError(
        'HOME_UNUSABLE',
        `${stateFile} was written by corral ${why.corral ?? '?'} (state format ${why.version}), newer than this one (format ${STATE_FILE_VERSION}); run that version or later`,
      );
    }
    return { projects: why.projects, records: why.processes, problems, journal: why.journal ?? null };
  }
  problems.push(setAside(stateFile, why, now));
  return fallback();
}

/** Moves an untrustworthy file to FILE.corrupt-TIME; says what was wrong and where it went. */
function setAside(file: string, why: string, now: Date): string {
  const aside = `${file}.corrupt-${now.toISOString().replace(/[:.]/g, '-')}`;
  renameSync(file, aside);
  return `${file} cannot be trusted (${why.replace(/\s+/g, ' ')}); moved to ${aside}`;
}

function validate(text: string): StateFile | string {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return `not JSON: ${(e as Error).message}`;
  }
  const d = data as Partial<StateFile> | null;
  if (d === null || typeof d !== 'object') return 'not an object';
  if (typeof d.version !== 'number') return 'no version';
  if (!Array.isArray(d.projects) || !Array.isArray(d.processes)) return 'no projects or processes';
  for (const p of d.processes) {
    if (typeof p?.name !== 'string' || typeof p.restarts !== 'number') return 'a process record is malformed';
  }
  const bad = badProject(d.projects);
  return bad ?? (d as StateFile);
}

/** What is wrong with a list of project definitions, or null. */
function badProject(projects: unknown[]): string | null {
  for (const p of projects as Array<Partial<ProjectSpec> | null>) {
    if (typeof p?.name !== 'string' || !Array.isArray(p.services)) return 'a project is malformed';
  }
  return null;
}

/** Reads projects.json: none is no project; a corrupt one is set aside and reported. */
function readProjects(projectsFile: string, now: Date): { projects: ProjectSpec[]; problem: string | null } {
  let text: string;
  try {
    text = readFileSync(projectsFile, 'utf8');
  } catch {
    return { projects: [], problem: null };
  }
  let data: { version?: unknown; projects?: unknown } | null;
  try {
    data = JSON.parse(text) as typeof data;
  } catch (e) {
    return { projects: [], problem: setAside(projectsFile, `not JSON: ${(e as Error).message}`, now) };
  }
  let why: string | null = null;
  if (data === null || typeof data !== 'object') why = 'not an object';
  else if (!Array.isArray(data.projects)) why = 'no projects';
  else why = badProject(data.projects);
  if (why !== null) return { projects: [], problem: setAside(projectsFile, why, now) };
  return { projects: (data as { projects: ProjectSpec[] }).projects, problem: null };
}
