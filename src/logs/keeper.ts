// The FIFO keeper: one tiny process per home that holds every log FIFO open.
//
// A pipe's buffered bytes live only while some process has it open. A service holds its own
// FIFO, so while it runs, output written with no daemon reading waits in the pipe. But if the
// service then exits before a daemon is back, the last holder is gone and the kernel drops
// what was still buffered. The keeper (`sleep`, started in a session of its own with an
// O_RDWR fd on every FIFO) outlives both, so those bytes wait for the next daemon.
//
// The set of FIFOs changes when services are added or removed: the keeper is then replaced by
// a new one holding the new set (once per event-loop turn, however many changed), and the old
// one is killed after the new one holds its fds, so no FIFO is ever left unheld.
//
// It holds the pidfd of every live service too (where the kernel keeps a reaped process's status
// for its pidfds, Linux 6.15 and later): a service that ends while no daemon runs is reaped by
// someone else, and its status is then only kept for a pidfd opened before. Its environment says
// which of its fds is whose (CORRAL_KEEPER_PIDFDS_0, _1, …: `fd:pid:start-time:pidfs-inode`,
// comma separated), and the next daemon reads each status through /proc/KEEPER/fd/N (ptrace-read
// access to a process of its own uid: no root, no CAP_SYS_PTRACE, whatever Yama says). A spawn
// replaces the keeper as well, at most once every internal.keeperPidfdRefreshMs.
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { type Clock, systemClock, type Timer } from '../clock.js';
import { DEFAULTS } from '../defaults.js';
import type { RawExit } from '../engine/host.js';
import type { Logger } from '../log.js';
import { spawnChild } from '../process/children.js';
import { exitStatusOf } from '../process/exit-status.js';
import { killGroup } from '../process/kill.js';
import { homeProcesses } from '../process/ownership.js';
import type { HeldPidfd } from '../process/pidwatch.js';
import type { ProcessIdentity } from '../process/procfs.js';

const KEEPER_MARK = 'CORRAL_FIFO_KEEPER=1';
const PIDFDS_VAR = 'CORRAL_KEEPER_PIDFDS';
/** entries per variable: each stays far below the kernel's 128 KiB limit on one env string */
const PIDFDS_PER_VAR = 2_000;

/**
 * Starts a keeper: `argv` in a session of its own, with `fds` as its fds 3, 4, …; its pid, and
 * when it has ended (and been reaped).
 */
export type KeeperSpawn = (
  argv: string[],
  env: Record<string, string>,
  fds: number[],
) => { pid: number; exited: Promise<unknown> } | { error: string };

/** A keeper started with Node's spawn (a fork of the daemon). */
function forkKeeper(
  argv: string[],
  env: Record<string, string>,
  fds: number[],
): { pid: number; exited: Promise<unknown> } | { error: string } {
  const [command, ...args] = argv;
  const child = spawnChild(command as string, args, {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', ...fds],
    env,
  });
  const exited = new Promise<unknown>((resolve) => {
    child.once('exit', resolve);
    child.once('error', resolve);
  });
  child.unref();
  if (child.pid === undefined) return { error: `could not start ${command}` };
  return { pid: child.pid, exited };
}

/** One pidfd a keeper holds, as its environment describes it. */
interface KeptPidfd {
  keeper: number;
  fd: number;
  ino: bigint;
}

export class FifoKeeper {
  private readonly fifos = new Set<string>();
  private pending = false;
  private current: number | null = null;
  private readonly home: string;
  private readonly env: Record<string, string>;
  private readonly logger: Logger;
  private readonly pidfds: () => HeldPidfd[];
  private readonly clock: Clock;
  /**
   * the keepers to retire at the next refresh (our own child, while it lives): null until the
   * first refresh has looked for those of earlier daemons in /proc
   */
  private known: number[] | null = null;
  private lastRefresh = Number.NEGATIVE_INFINITY;
  private later: Timer | null = null;
  /** the pidfds the keepers of the daemon before hold, by `pid:start-time`; read once, on demand */
  private inherited: Map<string, KeptPidfd> | null = null;
  private frozen = false;
  private readonly spawn: KeeperSpawn;

  /**
   * `pidfds`: the pidfds of live services to hold along with the FIFOs; `spawn`: how a keeper is
   * started (the daemon's own spawn without a fork, where it has one).
   */
  constructor(
    home: string,
    env: Record<string, string>,
    logger: Logger,
    pidfds: () => HeldPidfd[] = () => [],
    clock: Clock = systemClock,
    spawn: KeeperSpawn = forkKeeper,
  ) {
    this.spawn = spawn;
    this.home = home;
    this.env = env;
    this.logger = logger;
    this.pidfds = pidfds;
    this.clock = clock;
  }

  /** A pidfd was added: the keeper is replaced soon (next turn, or once the minimum interval has passed). */
  pidfdsChanged(): void {
    if (this.pending || this.later || this.frozen) return;
    const wait = this.lastRefresh + DEFAULTS.internal.keeperPidfdRefreshMs - this.clock.now();
    if (wait <= 0) {
      this.schedule();
      return;
    }
    this.later = this.clock.after(wait, () => {
      this.later = null;
      this.schedule();
    });
  }

  /**
   * How the process `id` names ended, read through the pidfd a keeper of the daemon before held
   * for it (checked by its pidfs inode); null when none did, or the kernel does not say.
   */
  inheritedStatus(id: ProcessIdentity): RawExit | null {
    this.inherited ??= inheritedPidfds(this.home);
    const kept = this.inherited.get(`${id.pid}:${id.startTime}`);
    if (!kept) return null;
    let fd: number;
    try {
      fd = openSync(`/proc/${kept.keeper}/fd/${kept.fd}`, constants.O_RDONLY);
    } catch {
      return null; // that keeper is gone
    }
    try {
      if (fstatSync(fd, { bigint: true }).ino !== kept.ino) return null; // not that pidfd
      return exitStatusOf(fd, id);
    } catch {
      return null;
    } finally {
      closeSync(fd);
    }
  }

  hold(fifoPath: string): void {
    if (this.fifos.has(fifoPath)) return;
    this.fifos.add(fifoPath);
    this.schedule();
  }

  release(fifoPath: string): void {
    if (this.fifos.delete(fifoPath)) this.schedule();
  }

  /** Replaces the keeper now; the old ones (of this or an earlier daemon) go once it holds the set. */
  refresh(): void {
    this.pending = false;
    this.later?.cancel();
    this.later = null;
    this.lastRefresh = this.clock.now();
    const previous = this.known ?? keepersOf(this.home);
    const pidfds = this.pidfds();
    if (this.fifos.size > 0 || pidfds.length > 0) {
      const fds: number[] = [];
      try {
        for (const path of this.fifos) {
          try {
            fds.push(openSync(path, constants.O_RDWR | constants.O_NONBLOCK));
          } catch (err) {
            this.logger.warn({ err, path }, 'the FIFO keeper cannot open a log FIFO');
          }
        }
        // the child's fd N is fds[N - 3]: the pidfds follow the FIFOs
        const env: Record<string, string> = { ...this.env, [KEEPER_MARK.split('=')[0]]: '1' };
        const entries = pidfds.map((p, i) => `${3 + fds.length + i}:${p.pid}:${p.startTime}:${p.ino}`);
        for (let i = 0; i * PIDFDS_PER_VAR < entries.length; i++)
          env[`${PIDFDS_VAR}_${i}`] = entries.slice(i * PIDFDS_PER_VAR, (i + 1) * PIDFDS_PER_VAR).join(',');
        const started = this.spawn(['sleep', '2147483647'], env, [...fds, ...pidfds.map((p) => p.fd)]);
        if ('error' in started) {
          this.logger.error({ err: started.error }, 'cannot start the FIFO keeper');
          this.current = null;
        } else {
          // once reaped, its pid may name another process: never signal it again
          void started.exited.then(() => {
            this.known = this.known?.filter((pid) => pid !== started.pid) ?? null;
          });
          this.current = started.pid;
        }
      } finally {
        for (const fd of fds) closeSync(fd);
      }
      // no new keeper: the old ones go on holding what they hold
      if (this.current === null) return;
    } else {
      this.current = null;
    }
    for (const pid of previous) if (pid !== this.current) killGroup(pid, 'SIGKILL');
    this.known = this.current === null ? [] : [this.current];
    this.inherited = null; // the keepers it was read from are gone
  }

  /**
   * The daemon is leaving: a replacement still due is made now, while every pidfd is open, and
   * none after (one then would hold the FIFOs without the pidfds the daemon is closing).
   */
  freeze(): void {
    if (this.frozen) return;
    if (this.pending || this.later) this.refresh();
    this.frozen = true;
  }

  /**
   * Kills the keeper (when the daemon stops its services: nothing is left to keep); returns the
   * pids it killed, for a caller that waits for them to be gone.
   */
  stop(): number[] {
    this.fifos.clear();
    this.later?.cancel();
    this.later = null;
    const killed = keepersOf(this.home);
    for (const pid of killed) killGroup(pid, 'SIGKILL');
    this.current = null;
    this.known = [];
    return killed;
  }

  private schedule(): void {
    if (this.pending || this.frozen) return;
    this.pending = true;
    setImmediate(() => {
      if (this.pending) this.refresh();
    });
  }
}

/** Live keepers of this home: `sleep` session leaders whose environment carries the keeper mark and the home. */
function keepersOf(home: string): number[] {
  const [key, value] = KEEPER_MARK.split('=');
  return homeProcesses(home, (p) => p.stat.comm === 'sleep' && p.env(key) === value).map((p) => p.pid);
}

/**
 * The start time of each process whose pidfd the live keepers of this home hold, by pid: what
 * identifies a process the state file did not have yet (see daemon/takeover.ts).
 */
export function keptStartTimes(home: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const key of inheritedPidfds(home).keys()) {
    const [pid, start] = key.split(':').map(Number);
    if (Number.isInteger(pid) && Number.isInteger(start)) out.set(pid, start);
  }
  return out;
}

/** The pidfds the live keepers of this home hold, by `pid:start-time` of the process each names. */
function inheritedPidfds(home: string): Map<string, KeptPidfd> {
  const [key, value] = KEEPER_MARK.split('=');
  const out = new Map<string, KeptPidfd>();
  for (const p of homeProcesses(home, (p) => p.stat.comm === 'sleep' && p.env(key) === value)) {
    for (let i = 0; ; i++) {
      const list = p.env(`${PIDFDS_VAR}_${i}`);
      if (list === undefined) break;
      for (const entry of list.split(',')) {
        const [fd, pid, start, ino] = entry.split(':');
        if (!/^\d+$/.test(fd ?? '') || !/^\d+$/.test(ino ?? '')) continue;
        out.set(`${pid}:${start}`, { keeper: p.pid, fd: Number(fd), ino: BigInt(ino) });
      }
    }
  }
  return out;
}
