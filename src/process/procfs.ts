// Reading processes from /proc (Linux): status fields, identity (pid + start time + boot id)
// and process-group membership. One small read per process, no shelling out.
//
// /proc/<pid>/stat is `pid (comm) state ppid pgrp session ...`. comm is the executable's name
// (up to 15 bytes) and may hold spaces and parentheses, so fields are counted after the LAST
// `)`. Times are in clock ticks (USER_HZ) and sizes in pages; both units are read once from
// the kernel's auxiliary vector (/proc/self/auxv), which is where libc's sysconf() gets them.
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { endianness } from 'node:os';

/** The fields of /proc/<pid>/stat that corral uses. */
export interface ProcStat {
  pid: number;
  /** executable name, at most 15 bytes; may contain spaces and parentheses */
  comm: string;
  /** R running, S sleeping, D disk wait, Z zombie, T stopped, … */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  utimeTicks: number;
  stimeTicks: number;
  /** CPU time of children this process has waited for */
  childUtimeTicks: number;
  childStimeTicks: number;
  /** when the process started, in clock ticks after boot: with the boot id, what tells two processes with one pid apart */
  startTimeTicks: number;
  rssPages: number;
}

/** A process as it can be recognised later, even by another daemon: pid reuse does not fool it. */
export interface ProcessIdentity {
  pid: number;
  startTime: number;
  bootId: string;
}

const AT_PAGESZ = 6;
const AT_CLKTCK = 17;

// Reads one entry of this process's auxiliary vector (pairs of native words), or null.
function auxv(type: number): number | null {
  try {
    const buf = readFileSync('/proc/self/auxv');
    const word = /64/.test(process.arch) ? 8 : 4;
    const le = endianness() === 'LE';
    const at = (offset: number): number => {
      if (word === 4) return le ? buf.readUInt32LE(offset) : buf.readUInt32BE(offset);
      return Number(le ? buf.readBigUInt64LE(offset) : buf.readBigUInt64BE(offset));
    };
    for (let offset = 0; offset + 2 * word <= buf.length; offset += 2 * word) {
      if (at(offset) === type) return at(offset + word);
    }
  } catch {
    // not Linux, or /proc not mounted: the callers' fallbacks apply
  }
  return null;
}

/** Clock ticks per second of /proc times (USER_HZ: `getconf CLK_TCK`, 100 on Linux x86_64 and arm64). */
export const clockTicks: number = auxv(AT_CLKTCK) ?? 100;

/** Bytes per page of /proc sizes (`getconf PAGESIZE`: 4096 on x86_64; arm64 kernels may use 16 or 64 KiB). */
export const pageSize: number = auxv(AT_PAGESZ) ?? 4096;

// One buffer for every stat read: a stat line is a few hundred bytes.
const statBuffer = Buffer.alloc(4096);

// The text of /proc/<pid>/stat, or null when there is no such process (any more).
function readStatText(pid: number): string | null {
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/stat`, 'r');
  } catch {
    return null;
  }
  try {
    const n = readSync(fd, statBuffer, 0, statBuffer.length, 0);
    return statBuffer.toString('latin1', 0, n);
  } catch {
    // ESRCH: the process was reaped between open and read
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Parses one /proc/<pid>/stat line; null when it is not one. */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  // after ") ": state is field 3 of proc(5), so field N is at index N - 3
  const f = text.slice(close + 2).split(' ');
  if (f.length < 22) return null;
  return {
    pid: Number(text.slice(0, open)),
    comm: text.slice(open + 1, close),
    state: f[0],
    ppid: Number(f[1]),
    pgrp: Number(f[2]),
    session: Number(f[3]),
    utimeTicks: Number(f[11]),
    stimeTicks: Number(f[12]),
    childUtimeTicks: Number(f[13]),
    childStimeTicks: Number(f[14]),
    startTimeTicks: Number(f[19]),
    rssPages: Number(f[21]),
  };
}

/** The status of one process, or null when it does not exist. Zombies exist (state 'Z'). */
export function readProcStat(pid: number): ProcStat | null {
  const text = readStatText(pid);
  return text === null ? null : parseProcStat(text);
}

/** Every process of the machine (of this pid namespace), one stat read each. */
export function scanProcesses(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue; // not a pid directory
    const stat = readProcStat(Number(name));
    if (stat !== null) out.push(stat);
  }
  return out;
}

/** The live (non-zombie) members of a process group. */
export function groupMembers(pgid: number): number[] {
  return scanProcesses()
    .filter((p) => p.pgrp === pgid && p.state !== 'Z')
    .map((p) => p.pid);
}

let cachedBootId: string | null = null;

/** The kernel's id of the current boot: start times only compare within one boot. */
export function bootId(): string {
  cachedBootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim();
  return cachedBootId;
}

/** The identity of a process that exists now (zombies included), or null. */
export function processIdentity(pid: number): ProcessIdentity | null {
  const stat = readProcStat(pid);
  return stat === null ? null : { pid, startTime: stat.startTimeTicks, bootId: bootId() };
}

/** True when the very process `id` names still runs: same pid, start time and boot, not a zombie. */
export function sameProcess(id: ProcessIdentity): boolean {
  if (id.bootId !== bootId()) return false;
  const stat = readProcStat(id.pid);
  return stat !== null && stat.state !== 'Z' && stat.startTimeTicks === id.startTime;
}

/** Seconds since boot, from /proc/uptime. */
export function uptimeSeconds(): number {
  return Number(readFileSync('/proc/uptime', 'latin1').split(' ')[0]);
}
