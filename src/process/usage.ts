// CPU and memory of services, as `ps` and `max_memory` see them.
//
// A service is its whole process tree, not only the process corral started: every process of
// the service's session (each service runs in a session of its own, so this is its process
// group plus any group a shell inside it made, and children orphaned by a dead parent) plus
// every descendant by parent pid (which also catches a child that called setsid() while its
// parent lives). RSS is summed over that tree; pages shared between its processes count once
// per process, as in `ps` and PM2, so the sum can overstate a forking server a little.
//
// CPU is the tree's user + system time, including the time of children it has waited for
// (so a shell running short commands shows their work), over wall time, in percent of one
// core (up to 100 x cores, as in `top`):
// - the first sample of a process is its average since it started (as `ps` shows it);
// - later samples are the average since the previous sample of that process, once at least
//   MIN_WINDOW_MS has passed; a sample sooner than that repeats the last value (CPU time
//   counts in 10 ms ticks, so a window of a few ms would read 0% or 500%).
// Cost: one scan of /proc per sample() call (one stat read per process of the machine),
// whatever the number of services; nothing runs between calls.
import { clockTicks, type ProcStat, pageSize, scanProcesses, uptimeSeconds } from './procfs.js';

export interface Usage {
  /** percent of one CPU core, one decimal */
  cpuPercent: number;
  /** resident memory of the process tree, bytes */
  rssBytes: number;
}

/** The shortest window CPU% is measured over, ms. */
export const MIN_WINDOW_MS = 500;

interface Previous {
  startTimeTicks: number;
  cpuTicks: number;
  /** ms, from `now` */
  at: number;
  cpuPercent: number;
}

// Every process of the tree rooted at `root`: its session, and its descendants by ppid.
function treeOf(
  root: ProcStat,
  bySession: Map<number, ProcStat[]>,
  byParent: Map<number, ProcStat[]>,
): ProcStat[] {
  const seen = new Map<number, ProcStat>([[root.pid, root]]);
  if (root.session === root.pid) for (const p of bySession.get(root.pid) ?? []) seen.set(p.pid, p);
  const queue = [...seen.values()];
  while (queue.length > 0) {
    for (const child of byParent.get(queue.pop()!.pid) ?? []) {
      if (seen.has(child.pid)) continue;
      seen.set(child.pid, child);
      queue.push(child);
    }
  }
  return [...seen.values()];
}

// CPU ticks over wall seconds, in percent of one core, one decimal.
function percent(ticks: number, seconds: number): number {
  return seconds > 0 ? Math.round((ticks / clockTicks / seconds) * 1000) / 10 : 0;
}

function push(map: Map<number, ProcStat[]>, key: number, p: ProcStat): void {
  const list = map.get(key);
  if (list) list.push(p);
  else map.set(key, [p]);
}

/** Samples CPU and RSS of process trees; keeps the previous sample of each to compute CPU% from. */
export class UsageSampler {
  private readonly previous = new Map<number, Previous>();
  private readonly now: () => number;

  /** `now` in ms, monotonic; injectable for tests */
  constructor(now: () => number = () => performance.now()) {
    this.now = now;
  }

  /** Usage of each pid's process tree; pids that no longer exist are left out. */
  sample(pids: number[]): Map<number, Usage> {
    const out = new Map<number, Usage>();
    if (pids.length === 0) return out;
    const at = this.now();
    const all = scanProcesses();
    const byPid = new Map<number, ProcStat>();
    const bySession = new Map<number, ProcStat[]>();
    const byParent = new Map<number, ProcStat[]>();
    for (const p of all) {
      byPid.set(p.pid, p);
      push(bySession, p.session, p);
      push(byParent, p.ppid, p);
    }
    let uptime: number | null = null;
    for (const pid of pids) {
      const root = byPid.get(pid);
      if (root === undefined) continue;
      let cpuTicks = 0;
      let rssPages = 0;
      for (const p of treeOf(root, bySession, byParent)) {
        cpuTicks += p.utimeTicks + p.stimeTicks + p.childUtimeTicks + p.childStimeTicks;
        rssPages += p.rssPages;
      }
      const rssBytes = rssPages * pageSize;
      const before = this.previous.get(pid);
      const known = before !== undefined && before.startTimeTicks === root.startTimeTicks;
      if (known && at - before.at < MIN_WINDOW_MS) {
        out.set(pid, { cpuPercent: before.cpuPercent, rssBytes });
        continue;
      }
      let cpuPercent: number;
      if (known) {
        // max(0, …): a member reaped outside the tree takes its time away with it
        cpuPercent = percent(Math.max(0, cpuTicks - before.cpuTicks), (at - before.at) / 1000);
      } else {
        uptime ??= uptimeSeconds();
        cpuPercent = percent(cpuTicks, uptime - root.startTimeTicks / clockTicks);
      }
      out.set(pid, { cpuPercent, rssBytes });
      this.previous.set(pid, { startTimeTicks: root.startTimeTicks, cpuTicks, at, cpuPercent });
    }
    for (const pid of this.previous.keys()) if (!byPid.has(pid)) this.previous.delete(pid);
    return out;
  }
}
