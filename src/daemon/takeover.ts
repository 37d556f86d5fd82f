// What a starting daemon takes up from its predecessor: the projects on disk (state.json, else
// projects.json) and the live processes it can prove are this home's.
import type { CorralEvent } from '../api/schemas.js';
import type { ProcessRecord } from '../engine/record.js';
import { type ExitStatus, ProcessState } from '../engine/states.js';
import type { Supervisor } from '../engine/supervisor.js';
import { keptStartTimes } from '../logs/keeper.js';
import { bootId } from '../process/procfs.js';
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
  // the snapshot may lag the journal (it is written off the event loop): what was recorded after
  // it happened all the same, and is brought into the records before they are restored
  const later = found.journal ? eventsAfter(paths.eventsFile, found.journal) : null;
  if (later && later.length > 0) replay(found.records, later, keptStartTimes(paths.dir), bootId());
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

/**
 * Brings state.json's records up to the journal's events after it: restarts counted; a process
 * spawned after the snapshot becomes the record's (its start time from the keeper that holds its
 * pidfd, when one does), so that it is adopted if it lives and its end is recorded once if not;
 * a process whose exit was recorded is not found dead a second time.
 */
export function replay(
  records: ProcessRecord[],
  events: CorralEvent[],
  startTimes: Map<number, number>,
  boot: string,
): void {
  for (const e of events) {
    const rec = records.find(
      (r) => r.project === e.project && r.service === e.service && r.instance === e.instance,
    );
    if (!rec) continue;
    const at = Date.parse(e.time);
    switch (e.type) {
      case 'restart-scheduled':
        rec.restarts += 1;
        rec.streak += 1;
        rec.pid = null;
        rec.state = ProcessState.Backoff;
        rec.next_start_at = at + (e.delay_ms ?? 0);
        break;
      case 'spawned':
        if (e.pid === null) break;
        rec.pid = e.pid;
        rec.start_time = startTimes.get(e.pid) ?? null;
        rec.boot_id = rec.start_time === null ? null : boot;
        rec.group = null;
        rec.state = ProcessState.Starting;
        rec.started_at = at;
        rec.next_start_at = null;
        break;
      case 'ready':
        if (rec.pid !== null && e.pid === rec.pid) rec.state = ProcessState.Running;
        break;
      case 'stopping':
        if (rec.pid !== null) rec.state = ProcessState.Stopping;
        break;
      case 'exited':
        if (rec.pid === null || e.pid !== rec.pid) break;
        rec.pid = null;
        rec.start_time = null;
        rec.last_exit = {
          code: e.code,
          signal: e.signal as ExitStatus['signal'],
          reason: (e.reason ?? 'unknown') as ExitStatus['reason'],
          at,
        };
        rec.state = ProcessState.Exited;
        break;
      case 'stopped':
        rec.pid = null;
        rec.state = ProcessState.Stopped;
        rec.next_start_at = null;
        break;
      case 'failed':
        rec.state = ProcessState.Failed;
        break;
    }
  }
}
