// What a starting daemon takes up from its predecessor: the projects on disk (state.json, else
// projects.json) and the live processes it can prove are this home's.
import type { Supervisor } from '../engine/supervisor.js';
import { eventsAfter } from '../state/journal.js';
import { readState } from '../state/state-file.js';
import type { HomePaths } from './home.js';
import { findOwnProcesses, liveProcessFor } from './recover.js';

export interface TakenOver {
  /** processes adopted alive */
  adopted: string[];
  /** processes the state named with a pid that were found dead (handed to their restart policy) */
  foundDead: string[];
  /** what was wrong with state.json or projects.json (each set aside) */
  problems: string[];
}

/** Restores every project found on disk into the supervisor, adopting its live processes. */
export function takeOver(paths: HomePaths, supervisor: Supervisor): TakenOver {
  const found = readState(paths.stateFile, paths.projectsFile);
  const taken: TakenOver = { adopted: [], foundDead: [], problems: found.problems };
  if (found.projects.length === 0) return taken;
  // the snapshot may lag the journal (it is written off the event loop): restarts recorded after it
  // were made all the same, and count
  const later = found.journal ? eventsAfter(paths.eventsFile, found.journal) : null;
  for (const e of later ?? []) {
    if (e.type !== 'restart-scheduled') continue;
    const rec = found.records.find(
      (r) => r.project === e.project && r.service === e.service && r.instance === e.instance,
    );
    if (rec) {
      rec.restarts += 1;
      rec.streak += 1;
    }
  }
  const own = findOwnProcesses(paths.dir, paths.runDir);
  const before = new Map(found.records.map((r) => [r.name, r]));
  for (const project of found.projects) {
    const records = found.records.filter((r) => r.project === project.name);
    taken.adopted.push(...supervisor.restore(project, records, (rec) => liveProcessFor(rec, own)));
  }
  for (const inst of supervisor.list()) {
    const rec = before.get(inst.name);
    if (rec?.pid != null && !taken.adopted.includes(inst.name)) taken.foundDead.push(inst.name);
  }
  return taken;
}
