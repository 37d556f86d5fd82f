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
// - later samples are the average over a recent window: since the oldest sample of that process
//   taken within the last `internal.cpuWindowMs` and at least MIN_WINDOW_MS ago, else since the
//   last sample before that window (the last look, however long ago). So whoever else samples
//   (another `ps`, a scrape, the dashboard) only makes the window fill up, never shrinks it to
//   the time since their look. While no sample is MIN_WINDOW_MS old, the last value is repeated
//   (CPU time counts in 10 ms ticks, so a window of a few ms would read 0% or 500%).
// Cost: one scan of /proc per sample() call (one stat read per process of the machine),
// whatever the number of services; nothing runs between calls. A caller that can use figures a
// little old says how old (maxAgeMs): while every pid it asks for was read that recently, the
// kept figures answer and /proc is not read at all.
import { DEFAULTS } from '../defaults.js';
import { clockTicks, type ProcStat, pageSize, scanProcesses, uptimeSeconds } from './procfs.js';

export interface Usage {
  /** percent of one CPU core, one decimal */
  cpuPercent: number;
  /** resident memory of the process tree, bytes */
  rssBytes: number;
  /**
   * CPU time of the process tree since it started, seconds, as this sampler has counted it: it
   * only grows (a member reaped outside the tree takes its time away; that loss is not subtracted)
   */
  cpuSeconds: number;
}

/** The shortest window CPU% is measured over, ms. */
export const MIN_WINDOW_MS = 500;

/** One sample of a tree's CPU: when (ms, from `now`) and its ticks then. */
interface Point {
  at: number;
  ticks: number;
}

/** What is kept of the last samples of one process tree. */
interface Kept {
  startTimeTicks: number;
  /** the samples of the recent window, oldest first, and the last one before it */
  points: Point[];
  cpuPercent: number;
  /** the tree's CPU ticks at the last sample, and every increase counted since the first */
  lastTicks: number;
  countedTicks: number;
  rssBytes: number;
  /** ms, from `now`: when the tree was last read */
  sampledAt: number;
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

/**
 * Where the CPU% window of a sample at `at` starts: the oldest point at least MIN_WINDOW_MS old
 * within `windowMs`, else the newest one older than that window; null when none is MIN_WINDOW_MS old.
 */
function windowStart(points: readonly Point[], at: number, windowMs: number): Point | null {
  let before: Point | null = null;
  for (const p of points) {
    const age = at - p.at;
    if (age < MIN_WINDOW_MS) break;
    if (age <= windowMs) return p;
    before = p;
  }
  return before;
}

/** Drops the points no later window can start at: all but the newest one older than the window. */
function trim(points: Point[], at: number, windowMs: number): void {
  while (points.length > 1 && at - points[1].at > windowMs) points.shift();
}

// The figures a kept sample stands for.
function usageOf(k: Kept): Usage {
  return { cpuPercent: k.cpuPercent, rssBytes: k.rssBytes, cpuSeconds: k.countedTicks / clockTicks };
}

/**
 * Samples CPU and RSS of process trees; keeps the last sample of each, to compute CPU% from and
 * to answer again while it is recent enough (one sample serves every reader: `ps`, the API,
 * metrics, the usage stream and max_memory).
 */
export class UsageSampler {
  private readonly kept = new Map<number, Kept>();
  private readonly now: () => number;
  /** /proc scans made so far (what a reused sample saves) */
  scans = 0;

  private readonly windowMs: number;

  /** `now` in ms, monotonic; injectable for tests; `windowMs`: the recent window CPU% is measured over */
  constructor(now: () => number = () => performance.now(), windowMs: number = DEFAULTS.internal.cpuWindowMs) {
    this.now = now;
    this.windowMs = windowMs;
  }

  /**
   * Usage of each pid's process tree; pids that no longer exist are left out. When every pid was
   * sampled at most `maxAgeMs` ago, those figures are returned as they are, and /proc is not read.
   */
  sample(pids: number[], maxAgeMs = 0): Map<number, Usage> {
    const out = new Map<number, Usage>();
    if (pids.length === 0) return out;
    const at = this.now();
    if (maxAgeMs > 0 && pids.every((pid) => this.isFresh(pid, at, maxAgeMs))) {
      for (const pid of pids) out.set(pid, usageOf(this.kept.get(pid)!));
      return out;
    }
    this.scans += 1;
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
      const before = this.kept.get(pid);
      let k: Kept;
      if (before !== undefined && before.startTimeTicks === root.startTimeTicks) {
        k = before;
        // max(0, …): a member reaped outside the tree takes its time away with it
        k.countedTicks += Math.max(0, cpuTicks - k.lastTicks);
        k.lastTicks = cpuTicks;
        k.rssBytes = rssBytes;
        k.sampledAt = at;
        // no sample MIN_WINDOW_MS old yet: the last CPU% is repeated
        const base = windowStart(k.points, at, this.windowMs);
        if (base !== null) k.cpuPercent = percent(Math.max(0, cpuTicks - base.ticks), (at - base.at) / 1000);
        k.points.push({ at, ticks: cpuTicks });
        trim(k.points, at, this.windowMs);
      } else {
        uptime ??= uptimeSeconds();
        k = {
          startTimeTicks: root.startTimeTicks,
          points: [{ at, ticks: cpuTicks }],
          cpuPercent: percent(cpuTicks, uptime - root.startTimeTicks / clockTicks),
          lastTicks: cpuTicks,
          countedTicks: cpuTicks,
          rssBytes,
          sampledAt: at,
        };
        this.kept.set(pid, k);
      }
      out.set(pid, usageOf(k));
    }
    for (const pid of this.kept.keys()) if (!byPid.has(pid)) this.kept.delete(pid);
    return out;
  }

  // Whether `pid` was read at most `maxAgeMs` before `at`.
  private isFresh(pid: number, at: number, maxAgeMs: number): boolean {
    const k = this.kept.get(pid);
    return k !== undefined && at - k.sampledAt <= maxAgeMs;
  }
}
