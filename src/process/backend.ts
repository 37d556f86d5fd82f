// The engine's process backend on the real OS: spawning in a new session, signalling and stopping
// process groups, credentials, and telling a live process from a later one with the same pid.
// systemBackend spawns with Node's child_process (a fork of this process); the daemon's spawns
// go through spawnWithoutForkOr, posix_spawn with the exit watched in its EpollLoop.
import { readFileSync } from 'node:fs';
import type { Launched, LaunchRequest, ProcessBackend, RawExit } from '../engine/host.js';
import { credentialsFor } from './credentials.js';
import type { EpollLoop } from './event-loop.js';
import { killGroup, stopGroup } from './kill.js';
import { setNonBlocking } from './native/fd.js';
import { posixSpawnSupport, type SpawnSupport } from './native/spawn.js';
import { bootId, readProcStat, sameProcess } from './procfs.js';
import { fitsWithoutFork, spawnService, spawnWithoutFork } from './spawn.js';

/** Where the daemon says, once, that it spawns by forking (typed by shape: any logger with warn). */
export interface SpawnLog {
  warn(obj: object, msg: string): void;
}

// the passed sockets' mode belongs to the socket, shared with every process that has it: a
// service expects the blocking sockets systemd would give it
function blockingSockets(req: LaunchRequest): string | null {
  try {
    for (const fd of req.stdio.slice(3) as number[]) setNonBlocking(fd, false);
    return null;
  } catch (e) {
    return `could not pass its listening sockets: ${(e as Error).message}`;
  }
}

let saidFork = false;

/**
 * Starts a service's process without forking this one (posix_spawn), its exit watched through a
 * pidfd in `exits`; where libc cannot (`support`, probed once) or the request needs what only
 * Node's spawn does (pipes, uid/gid without setpriv), as systemBackend.spawn. The first time
 * libc cannot, `log` hears why, once.
 */
export function spawnWithoutForkOr(
  req: LaunchRequest,
  exits: EpollLoop,
  log: SpawnLog,
  support: SpawnSupport = posixSpawnSupport(),
): Launched | { error: string } {
  if (!support.ok) {
    if (!saidFork)
      log.warn(
        { component: 'spawn' },
        `services are started by forking the daemon (Node's child_process), which costs more the larger the daemon: ${support.reason}`,
      );
    saidFork = true;
    return spawn(req);
  }
  if (!fitsWithoutFork(req)) return spawn(req);
  const notPassed = blockingSockets(req);
  if (notPassed !== null) return { error: notPassed };
  const result = spawnWithoutFork(req, exits);
  if ('error' in result) return { error: result.error };
  return result;
}

/** Starts a service's process with Node's spawn; the passed sockets (fds 3, …) are set back to blocking first. */
function spawn(req: LaunchRequest): Launched | { error: string } {
  const notPassed = blockingSockets(req);
  if (notPassed !== null) return { error: notPassed };
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
