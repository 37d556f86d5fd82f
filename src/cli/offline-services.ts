// What runs of a home while no daemon does: the projects on disk (state.json, else projects.json)
// and the live processes provably the home's (by their recorded identity, and by the same /proc
// scan a starting daemon uses). Used by `down` and `daemon stop` when no daemon answers.
import type { ProjectSpec } from '../config/types.js';
import type { HomePaths } from '../daemon/home.js';
import { findOwnProcesses, liveProcessFor } from '../daemon/recover.js';
import type { ProcessRecord } from '../engine/record.js';
import { sameProcess } from '../process/procfs.js';
import { readState } from '../state/state-file.js';

/** One live process of the home. */
export interface LiveService {
  /** shop/web:0 */
  name: string;
  project: string;
  service: string;
  instance: number;
  pid: number;
  startTime: number;
}

export interface HomeOnDisk {
  projects: ProjectSpec[];
  records: ProcessRecord[];
  live: LiveService[];
  /** what was wrong with state.json or projects.json (each set aside, as a daemon would) */
  problems: string[];
}

// shop/web:0 split into its parts, or null.
function parseInstanceName(name: string): { project: string; service: string; instance: number } | null {
  const slash = name.indexOf('/');
  const colon = name.lastIndexOf(':');
  if (slash <= 0 || colon <= slash + 1) return null;
  const instance = Number(name.slice(colon + 1));
  if (!Number.isInteger(instance) || instance < 0) return null;
  return { project: name.slice(0, slash), service: name.slice(slash + 1, colon), instance };
}

/** The home's projects and records, and every live process of it, each once. */
export function homeOnDisk(paths: HomePaths): HomeOnDisk {
  const found = readState(paths.stateFile, paths.projectsFile);
  const own = findOwnProcesses(paths.dir, paths.runDir);
  const live: LiveService[] = [];
  const seen = new Set<number>();
  const add = (name: string, pid: number, startTime: number): void => {
    const parts = parseInstanceName(name);
    if (parts === null || seen.has(pid)) return;
    seen.add(pid);
    live.push({ name, ...parts, pid, startTime });
  };
  for (const rec of found.records) {
    const p = liveProcessFor(rec, own);
    if (p !== null) add(rec.name, p.pid, p.startTime);
  }
  // proven the home's but not (or no longer) in a record: spawned just before a daemon died, or a
  // second process of one instance; they are stopped too
  for (const [name, ids] of own) {
    for (const id of ids) if (sameProcess(id)) add(name, id.pid, id.startTime);
  }
  return { projects: found.projects, records: found.records, live, problems: found.problems };
}
