// Which live processes a starting daemon can prove are its predecessor's services, so that it
// adopts them (state.json and projects.json are read in state/state-file.ts).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessRecord } from '../engine/instance.js';
import { bootId, type ProcessIdentity, parseProcStat, sameProcess } from '../process/procfs.js';

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
