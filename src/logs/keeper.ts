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
import { closeSync, constants, openSync } from 'node:fs';
import type { Logger } from 'pino';
import { spawnChild } from '../process/children.js';
import { killGroup } from '../process/kill.js';
import { homeProcesses } from '../process/ownership.js';

const KEEPER_MARK = 'CORRAL_FIFO_KEEPER=1';

export class FifoKeeper {
  private readonly fifos = new Set<string>();
  private pending = false;
  private current: number | null = null;
  private readonly home: string;
  private readonly env: Record<string, string>;
  private readonly logger: Logger;

  constructor(home: string, env: Record<string, string>, logger: Logger) {
    this.home = home;
    this.env = env;
    this.logger = logger;
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
    const previous = keepersOf(this.home);
    if (this.fifos.size > 0) {
      const fds: number[] = [];
      try {
        for (const path of this.fifos) {
          try {
            fds.push(openSync(path, constants.O_RDWR | constants.O_NONBLOCK));
          } catch (err) {
            this.logger.warn({ err, path }, 'the FIFO keeper cannot open a log FIFO');
          }
        }
        const child = spawnChild('sleep', ['2147483647'], {
          detached: true,
          stdio: ['ignore', 'ignore', 'ignore', ...fds],
          env: { ...this.env, [KEEPER_MARK.split('=')[0]]: '1' },
        });
        child.on('error', (err) => this.logger.error({ err }, 'cannot start the FIFO keeper'));
        child.unref();
        this.current = child.pid ?? null;
      } finally {
        for (const fd of fds) closeSync(fd);
      }
    } else {
      this.current = null;
    }
    for (const pid of previous) if (pid !== this.current) killGroup(pid, 'SIGKILL');
  }

  /** Kills the keeper (when the daemon stops its services: nothing is left to keep). */
  stop(): void {
    this.fifos.clear();
    for (const pid of keepersOf(this.home)) killGroup(pid, 'SIGKILL');
    this.current = null;
  }

  private schedule(): void {
    if (this.pending) return;
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
