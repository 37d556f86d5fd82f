// What a starting daemon learns from its predecessor: state.json (set aside when it cannot be
// trusted), projects.json (the definitions, kept apart), and the live processes it can prove
// are its own.
import { readdirSync, readFileSync, readlinkSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { ProjectSpec } from '../config/types.js';
import { STATE_FILE_VERSION } from '../defaults.js';
import type { ProcessRecord } from '../engine/instance.js';
import { CorralError } from '../errors.js';
import { bootId, type ProcessIdentity, parseProcStat, sameProcess } from '../process/procfs.js';

export interface Recovered {
  projects: ProjectSpec[];
  records: ProcessRecord[];
  /** what was wrong with state.json, when it was set aside */
  problem: string | null;
}

interface StateFile {
  version: number;
  corral?: string;
  projects: ProjectSpec[];
  processes: ProcessRecord[];
}

/** Reads state.json; a torn or corrupt one is moved to state.json.corrupt-TIME and reported. */
export function readState(stateFile: string, projectsFile: string, now = new Date()): Recovered {
  let text: string;
  try {
    text = readFileSync(stateFile, 'utf8');
  } catch {
    return { projects: readProjects(projectsFile), records: [], problem: null }; // first start
  }
  const why = validate(text);
  if (typeof why !== 'string') {
    if (why.version > STATE_FILE_VERSION) {
      throw new CorralError(
        'HOME_UNUSABLE',
        `${stateFile} was written by corral ${why.corral ?? '?'} (state format ${why.version}), newer than this one (format ${STATE_FILE_VERSION}); run that version or later`,
      );
    }
    return { projects: why.projects, records: why.processes, problem: null };
  }
  const aside = `${stateFile}.corrupt-${now.toISOString().replace(/[:.]/g, '-')}`;
  renameSync(stateFile, aside);
  return {
    projects: readProjects(projectsFile),
    records: [],
    problem: `${stateFile} cannot be trusted (${why}); moved to ${aside}`,
  };
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
  for (const p of d.projects) {
    if (typeof p?.name !== 'string' || !Array.isArray(p.services)) return 'a project is malformed';
  }
  return d as StateFile;
}

function readProjects(projectsFile: string): ProjectSpec[] {
  try {
    const data = JSON.parse(readFileSync(projectsFile, 'utf8')) as { projects?: ProjectSpec[] };
    return Array.isArray(data.projects) ? data.projects : [];
  } catch {
    return [];
  }
}

/**
 * Live processes that are provably this home's services, by instance name (`shop/web:0`): a
 * session leader (corral starts each service with setsid) whose environment has CORRAL_HOME set
 * to this home and whose stdout is one of this home's log FIFOs.
 */
export function findOwnProcesses(home: string, runDir: string): Map<string, ProcessIdentity[]> {
  const found = new Map<string, ProcessIdentity[]>();
  const marker = `CORRAL_HOME=${home}\0`;
  const fifoDir = `${join(runDir, 'logs')}/`;
  const boot = bootId();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    try {
      const stat = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'latin1'));
      if (stat === null || stat.session !== pid || stat.state === 'Z') continue;
      const environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
      if (!environ.includes(marker)) continue;
      if (!readlinkSync(`/proc/${pid}/fd/1`).startsWith(fifoDir)) continue;
      const env = (key: string): string | undefined =>
        environ
          .split('\0')
          .find((kv) => kv.startsWith(`${key}=`))
          ?.slice(key.length + 1);
      const project = env('CORRAL_PROJECT');
      const service = env('CORRAL_SERVICE');
      const instance = env('CORRAL_INSTANCE');
      if (!project || !service || instance === undefined) continue;
      const key = `${project}/${service}:${instance}`;
      found.set(key, [...(found.get(key) ?? []), { pid, startTime: stat.startTimeTicks, bootId: boot }]);
    } catch {
      // gone, or not ours to read
    }
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
