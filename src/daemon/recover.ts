// Which live processes a starting daemon can prove are its predecessor's services, so that it
// adopts them (state.json and projects.json are read in state/state-file.ts).
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessRecord } from '../engine/instance.js';
import { homeProcesses } from '../process/ownership.js';
import { bootId, type ProcessIdentity, sameProcess } from '../process/procfs.js';

/**
 * Live processes that are provably this home's services, by instance name (`shop/web:0`): a
 * session leader (corral starts each service with setsid) whose environment has CORRAL_HOME set
 * to this home and whose stdout is one of this home's log FIFOs.
 */
export function findOwnProcesses(home: string, runDir: string): Map<string, ProcessIdentity[]> {
  const found = new Map<string, ProcessIdentity[]>();
  const fifoDir = `${join(runDir, 'logs')}/`;
  const boot = bootId();
  const stdoutIsOurFifo = (pid: number): boolean => {
    try {
      return readlinkSync(`/proc/${pid}/fd/1`).startsWith(fifoDir);
    } catch {
      return false; // gone, or not ours to read
    }
  };
  for (const p of homeProcesses(home, (p) => stdoutIsOurFifo(p.pid))) {
    const project = p.env('CORRAL_PROJECT');
    const service = p.env('CORRAL_SERVICE');
    const instance = p.env('CORRAL_INSTANCE');
    if (!project || !service || instance === undefined) continue;
    const key = `${project}/${service}:${instance}`;
    found.set(key, [
      ...(found.get(key) ?? []),
      { pid: p.pid, startTime: p.stat.startTimeTicks, bootId: boot },
    ]);
  }
  return found;
}

/**
 * The live process a record stands for: the recorded one if it is still the same process (pid,
 * start time, boot); else the one proven to be this instance's (a spawn the state file had not
 * caught up with when the daemon died). A reused pid never matches.
 */
export function liveProcessFor(
  rec: ProcessRecord,
  own: Map<string, ProcessIdentity[]>,
): { pid: number; startTime: number } | null {
  if (rec.pid !== null && rec.start_time !== null && rec.boot_id !== null) {
    const id = { pid: rec.pid, startTime: rec.start_time, bootId: rec.boot_id };
    if (sameProcess(id)) return { pid: rec.pid, startTime: rec.start_time };
  }
  const candidates = (own.get(rec.name) ?? []).filter((c) => sameProcess(c));
  if (candidates.length === 0) return null;
  candidates.sort((a, b) => a.startTime - b.startTime);
  return { pid: candidates[0].pid, startTime: candidates[0].startTime };
}
