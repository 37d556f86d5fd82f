// What state.json keeps of one process, so that the next daemon can take up where this one left off.
import type { ExitStatus, ProcessState } from './states.js';

export interface ProcessRecord {
  name: string;
  project: string;
  service: string;
  instance: number;
  state: ProcessState;
  pid: number | null;
  /** starttime of the process in clock ticks after boot (/proc/PID/stat field 22) */
  start_time: number | null;
  boot_id: string | null;
  /** epoch ms */
  started_at: number | null;
  restarts: number;
  streak: number;
  /** epoch ms of the next start, in backoff */
  next_start_at: number | null;
  last_exit: ExitStatus | null;
  waiting: boolean;
  message: string | null;
  /** consecutive failed health checks (absent in state files of corral 0.1.0) */
  health_failures?: number;
  /** the process group (and session) of the service when `pid` is a main process it named (MAINPID=) */
  group?: number | null;
}

/** A live process a record stands for, as the daemon found it. */
export interface LiveProcess {
  pid: number;
  startTime: number;
}

/** What a record is made of: the instance's own fields. */
export interface Recordable {
  name: string;
  project: string;
  service: string;
  index: number;
  state: ProcessState;
  pid: number | null;
  startTime: number | null;
  startedAt: number | null;
  restarts: number;
  streak: number;
  nextStartAt: number | null;
  lastExit: ExitStatus | null;
  waiting: boolean;
  message: string | null;
  healthFailures: number;
  group: number | null;
}

/** The record of an instance; `bootId` is this boot's id while a process runs. */
export function recordOf(inst: Recordable, bootId: string | null): ProcessRecord {
  return {
    name: inst.name,
    project: inst.project,
    service: inst.service,
    instance: inst.index,
    state: inst.state,
    pid: inst.pid,
    start_time: inst.startTime,
    boot_id: bootId,
    started_at: inst.startedAt,
    restarts: inst.restarts,
    streak: inst.streak,
    next_start_at: inst.nextStartAt,
    last_exit: inst.lastExit,
    waiting: inst.waiting,
    message: inst.message,
    health_failures: inst.healthFailures,
    group: inst.group !== inst.pid ? inst.group : null,
  };
}
