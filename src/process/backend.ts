// The engine's process backend on the real OS: spawning in a new session, signalling and stopping
// process groups, credentials, and telling a live process from a later one with the same pid.
import { readFileSync } from 'node:fs';
import type { Launched, LaunchRequest, ProcessBackend, RawExit } from '../engine/host.js';
import { credentialsFor } from './credentials.js';
import { killGroup, stopGroup } from './kill.js';
import { setNonBlocking } from './native/fd.js';
import { bootId, readProcStat, sameProcess } from './procfs.js';
import { spawnService } from './spawn.js';

/** Starts a service's process; the passed sockets (fds 3, …) are set back to blocking first. */
function spawn(req: LaunchRequest): Launched | { error: string } {
  // the mode belongs to the socket, shared with every process that has it: a service expects
  // the blocking sockets systemd would give it
  try {
    for (const fd of req.stdio.slice(3) as number[]) setNonBlocking(fd, false);
  } catch (e) {
    return { error: `could not pass its listening sockets: ${(e as Error).message}` };
  }
  const result = spawnService(req);
  if ('error' in result) return { error: result.error };
  const { child, pid, startTime } = result;
  const exited = new Promise<RawExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const piped = req.stdio[1] === 'pipe' || req.stdio[2] === 'pipe';
  return piped ? { pid, startTime, exited, child } : { pid, startTime, exited };
}

/** Signals a group; a group we may not signal (EPERM) counts as not signalled. */
function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    return killGroup(pgid, signal);
  } catch {
    return false;
  }
}

/** The real uid of a process, from /proc/PID/status; null once it is gone. */
function uidOf(pid: number): number | null {
  try {
    const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export const systemBackend: ProcessBackend = {
  spawn,
  signalGroup,
  stopGroup: async (pgid, opts) => {
    const { killed, failure } = await stopGroup(pgid, opts);
    return failure ? { killed, error: failure.message } : { killed };
  },
  credentials: credentialsFor,
  bootId,
  isSameProcess: sameProcess,
  sessionOf: (pid) => readProcStat(pid)?.session ?? null,
  describe: (pid) => {
    const stat = readProcStat(pid);
    if (stat === null || stat.state === 'Z') return null;
    return { group: stat.pgrp, session: stat.session, startTime: stat.startTimeTicks };
  },
  uidOf,
};
