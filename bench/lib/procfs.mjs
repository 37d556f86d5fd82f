// What the kernel says about processes: found by command line or marker, their memory and CPU.
import { readdirSync, readFileSync } from 'node:fs';

function pids() {
  return readdirSync('/proc').filter((n) => n.charCodeAt(0) >= 48 && n.charCodeAt(0) <= 57);
}

function read(path) {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return null;
  }
}

/** Every live process whose command line (argv, split) satisfies `match`. */
export function findProcs(match) {
  const out = [];
  for (const p of pids()) {
    const raw = read(`/proc/${p}/cmdline`);
    if (!raw) continue;
    const argv = raw.split('\0');
    if (argv[argv.length - 1] === '') argv.pop();
    if (match(argv)) out.push({ pid: Number(p), argv });
  }
  return out;
}

/** Every live pid whose environment holds BENCH_RUN=tag. */
export function markedPids(tag) {
  const needle = `BENCH_RUN=${tag}\0`;
  const out = [];
  for (const p of pids()) {
    const env = read(`/proc/${p}/environ`);
    if (env?.includes(needle)) out.push(Number(p));
  }
  return out;
}

export function alive(pid) {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === null) return false;
  return statFields(stat)[0] !== 'Z';
}

// Fields after the command name: state is [0], utime [11], stime [12], starttime [19].
function statFields(stat) {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

function statusKb(pid, key) {
  const text = read(`/proc/${pid}/status`);
  const m = text?.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
  return m ? Number(m[1]) : null;
}

/** Resident memory now, in bytes (null when the process is gone). */
export function rssBytes(pid) {
  const kb = statusKb(pid, 'VmRSS');
  return kb === null ? null : kb * 1024;
}

/** The process's peak resident memory so far (VmHWM), in bytes. */
export function peakRssBytes(pid) {
  const kb = statusKb(pid, 'VmHWM');
  return kb === null ? null : kb * 1024;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** utime + stime of /proc/PID/stat, in ms (10 ms resolution). */
export function cpuStatMs(pid) {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === null) return null;
  const f = statFields(stat);
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
}

/** Time on CPU of all the process's threads, in ms with ns precision (/proc/PID/task/N/schedstat). */
export function cpuPreciseMs(pid) {
  let tasks;
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  let ns = 0;
  for (const t of tasks) {
    const s = read(`/proc/${pid}/task/${t}/schedstat`);
    if (s) ns += Number(s.split(' ')[0]);
  }
  return ns / 1e6;
}

/** The sum of the resident memory of several processes, in bytes. */
export function rssOf(pidList) {
  return pidList.reduce((sum, pid) => sum + (rssBytes(pid) ?? 0), 0);
}

/** Proportional set size (shared pages divided among their users), in bytes; null when gone. */
export function pssBytes(pid) {
  const text = read(`/proc/${pid}/smaps_rollup`);
  const m = text?.match(/^Pss:\s+(\d+) kB/m);
  return m ? Number(m[1]) * 1024 : null;
}

/** The sum of the proportional set sizes of several processes, in bytes. */
export function pssOf(pidList) {
  return pidList.reduce((sum, pid) => sum + (pssBytes(pid) ?? 0), 0);
}

/** Every live pid whose environment satisfies `match` (given the raw NUL-separated block). */
export function pidsWhoseEnv(match) {
  const out = [];
  for (const p of pids()) {
    const env = read(`/proc/${p}/environ`);
    if (env !== null && alive(p) && match(env)) out.push(Number(p));
  }
  return out;
}
