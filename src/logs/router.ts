// The daemon's output router: every process writes into its own log channel (a FIFO that
// outlives the daemon), which the log hub moves into HOME/logs/PROJECT/SERVICE[.N].log.

import { EventEmitter } from 'node:events';
import { closeSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS } from '../defaults.js';
import { logStem } from '../engine/names.js';
import type { OutputKey, OutputRouter, OutputTarget } from '../engine/output.js';
import type { LogChannel, LogHub } from './index.js';
import type { FifoKeeper } from './keeper.js';
import type { LogPoint } from './position.js';

export interface LogLocation {
  id: string;
  fifoPath: string;
  logPath: string;
}

/** Where one process's log channel and log file live. */
export function logLocation(logsDir: string, runDir: string, key: Omit<OutputKey, 'logs'>): LogLocation {
  const stem = logStem(key.service, key.index, key.instances);
  return {
    id: `${key.project}/${stem}`,
    fifoPath: join(runDir, 'logs', key.project, `${stem}.fifo`),
    logPath: join(logsDir, key.project, `${stem}.log`),
  };
}

/** The soft limit on this process's open files (RLIMIT_NOFILE), or Infinity if it cannot be read. */
function openFileLimit(): number {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : Number.POSITIVE_INFINITY;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

let fileLimit: number | undefined;

/**
 * Refuses a new log channel (two fds for as long as the process runs: the FIFO and the log
 * file) that would leave the daemon fewer than `internal.fdReserve` free fds, which the API,
 * its /proc reads and the next spawns need: with no fd left the daemon could no longer answer.
 * The fds are counted (a readdir of /proc/self/fd) only when `channels` could bring the daemon
 * near its limit, counting 4 fds a process (FIFO, log file, pidfd, notify socket) and 64 more.
 */
function ensureFileRoom(channels: number, shed?: (fds: number) => number): void {
  fileLimit ??= openFileLimit();
  const limit = fileLimit;
  const reserve = DEFAULTS.internal.fdReserve;
  if ((channels + 1) * 4 + 64 + reserve <= limit) return;
  let open: number;
  try {
    open = readdirSync('/proc/self/fd').length - 1; // less the readdir's own
  } catch {
    return; // cannot tell: let the open itself say EMFILE
  }
  if (open + 2 + reserve <= limit) return;
  // fds held only to know exit statuses across the daemon's death go first: output matters more
  if (shed && shed(open + 2 + reserve - limit) > 0) {
    const now = readdirSync('/proc/self/fd').length - 1;
    if (now + 2 + reserve <= limit) return;
    open = now;
  }
  throw new Error(
    `the daemon has ${open} files open and may have ${limit} (ulimit -n); a log channel needs 2 more ` +
      `and ${reserve} are kept free for the API. Raise the daemon's open-file limit (ulimit -n, ` +
      'LimitNOFILE= under systemd), restart the daemon, then start this service again',
  );
}

export class DaemonOutput implements OutputRouter {
  private readonly hub: LogHub;
  private readonly logsDir: string;
  private readonly runDir: string;
  private readonly followers = new EventEmitter();
  /** the 'data' listener on each followed channel; a channel nobody follows has none, so it
   * moves its bytes with splice alone, never through user space */
  private readonly relays = new Map<
    string,
    { channel: LogChannel; relay: (chunk: Buffer, at: LogPoint) => void }
  >();
  private readonly keeper: FifoKeeper;
  /** the process of each open channel, by channel id (what a log failure is reported against) */
  private readonly keys = new Map<string, Omit<OutputKey, 'logs'>>();

  private readonly shedFds: ((fds: number) => number) | undefined;

  /** `shedFds(n)` lets go of up to n fds the daemon can do without, when fds run short; how many it did. */
  constructor(
    hub: LogHub,
    logsDir: string,
    runDir: string,
    keeper: FifoKeeper,
    opts: { shedFds?: (fds: number) => number } = {},
  ) {
    this.shedFds = opts.shedFds;
    this.hub = hub;
    this.keeper = keeper;
    this.logsDir = logsDir;
    this.runDir = runDir;
    this.followers.setMaxListeners(0);
  }

  prepare(key: OutputKey): OutputTarget {
    if (!this.hub.get(this.location(key).id)) ensureFileRoom(this.keys.size, this.shedFds);
    const channel = this.channel(key);
    const fd = channel.childFd();
    return { stdout: fd, stderr: fd, release: () => closeSync(fd) };
  }

  attach(): void {
    // children write straight into their FIFO: nothing to attach
  }

  reattach(key: OutputKey): void {
    this.channel(key);
  }

  flush(key: OutputKey): void {
    this.hub.get(this.location(key).id)?.flush();
  }

  /** `onChunk` gets every chunk once it is in the log file, with the place just after it there. */
  subscribe(key: OutputKey, onChunk: (chunk: Buffer, at: LogPoint) => void): () => void {
    const id = this.location(key).id;
    this.followers.on(id, onChunk);
    this.wire(id);
    return () => {
      this.followers.off(id, onChunk);
      this.wire(id);
    };
  }

  dispose(key: OutputKey): void {
    const id = this.location(key).id;
    this.unwire(id);
    this.hub.close(id, { drain: true, remove: true });
    this.keeper.release(this.location(key).fifoPath);
    this.keys.delete(id);
  }

  /** The process whose channel is `id` (project, service, instance), if one was opened. */
  processOf(id: string): Omit<OutputKey, 'logs'> | undefined {
    return this.keys.get(id);
  }

  /** A relay on the channel while someone follows it, none otherwise. */
  private wire(id: string): void {
    const wanted = this.followers.listenerCount(id) > 0;
    const channel = this.hub.get(id);
    const current = this.relays.get(id);
    if (current && (!wanted || current.channel !== channel)) this.unwire(id);
    if (!wanted || !channel || this.relays.has(id)) return;
    const relay = (chunk: Buffer, at: LogPoint): void => {
      this.followers.emit(id, chunk, at);
    };
    channel.on('data', relay);
    this.relays.set(id, { channel, relay });
  }

  private unwire(id: string): void {
    const current = this.relays.get(id);
    if (!current) return;
    current.channel.off('data', current.relay);
    this.relays.delete(id);
  }

  /** Opens (or re-opens after a daemon restart) the channel of a process. */
  channel(key: OutputKey): ReturnType<LogHub['open']> {
    const loc = this.location(key);
    // known before the channel opens: an open that fails is reported against this process
    this.keys.set(loc.id, {
      project: key.project,
      service: key.service,
      index: key.index,
      instances: key.instances,
    });
    let channel = this.hub.get(loc.id);
    if (!channel) {
      this.keeper.hold(loc.fifoPath);
      channel = this.hub.open({
        ...loc,
        timestamps: key.logs.timestamps,
        maxSizeBytes: key.logs.maxSizeBytes,
        keep: key.logs.keep,
      });
    } else {
      channel.reconfigure(key.logs);
    }
    this.wire(loc.id);
    return channel;
  }

  location(key: Omit<OutputKey, 'logs'>): LogLocation {
    return logLocation(this.logsDir, this.runDir, key);
  }
}
