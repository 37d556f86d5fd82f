// The daemon's log hub: every log channel, one epoll set, one parked wait, one retry timer.
// Errors never throw out of the pump: the channel stops, its bytes stay in the pipe (the
// writer blocks once the pipe is full: back-pressure, no loss) and a retry comes later.
import { EventEmitter } from 'node:events';
import { getSystemErrorMap } from 'node:util';
import { type Clock, systemClock, type Timer } from '../clock.js';
import { DEFAULTS } from '../defaults.js';
import { EpollLoop } from '../process/event-loop.js';
import { Channel, type ChannelHost, type LogChannel, type LogChannelOptions } from './channel.js';
import { Pump } from './pump.js';

export interface LogHubLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  /** where the end of a failure is said (optional: a logger without it is not told) */
  info?(obj: object, msg: string): void;
}

/** A channel's failure, reported once when it begins (and again only if its cause changes). */
export interface LogFailure {
  id: string;
  logPath: string;
  error: Error;
  /** the sentence daemon.log and the event carry */
  message: string;
}

/** A failed channel that moves bytes again. */
export interface LogRecovery {
  id: string;
  logPath: string;
  /** how long it could not write */
  failedForMs: number;
  message: string;
}

export interface LogHubOptions {
  logger?: LogHubLogger;
  /** first retry of a stalled channel (disk full, unwritable directory); doubles up to maxRetryMs */
  retryMs?: number;
  maxRetryMs?: number;
  /** pipe buffer asked of the kernel for every FIFO */
  pipeBytes?: number;
  /** a watcher shared with other owners (the daemon's one epoll set); the hub then neither creates nor closes one */
  watcher?: EpollLoop;
  /** the retry timer's clock (default: the system clock) */
  clock?: Clock;
}

const consoleLogger: LogHubLogger = {
  warn: (obj, msg) => console.warn(msg, obj),
  error: (obj, msg) => console.error(msg, obj),
  info: (obj, msg) => console.info(msg, obj),
};

/** `no space left on device (ENOSPC)` for an errno error; its message for any other. */
function describeError(error: Error): string {
  const e = error as Error & { code?: unknown; errno?: unknown };
  if (typeof e.code !== 'string' || !/^E[A-Z0-9]+$/.test(e.code)) return error.message;
  const known = typeof e.errno === 'number' ? getSystemErrorMap().get(e.errno) : undefined;
  return known && known[0] === e.code ? `${known[1]} (${e.code})` : e.code;
}

/** `1.2 s`, `45 s`, `3 min`. */
function duration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/**
 * Events: 'stalled' ({id, error}) every time a channel stops on an error; 'resumed' ({id})
 * every time a retry has re-opened its log file; 'failed' (LogFailure) once when a channel
 * begins to fail (again only if the cause changes), 'recovered' (LogRecovery) once when it
 * moves bytes again. daemon.log says the same: one error when the failure begins, one line
 * when it ends, however many retries (or chunks) fail in between.
 */
export class LogHub extends EventEmitter {
  private readonly logger: LogHubLogger;
  private readonly retryMs: number;
  private readonly maxRetryMs: number;
  private readonly clock: Clock;
  private readonly channels = new Map<string, Channel>();
  /** channels by the fd registered in epoll (stalled ones are not registered) */
  private readonly watched = new Map<number, Channel>();
  /** stalled channels, by when to retry them (the clock's ms) */
  private readonly stalls = new Map<Channel, number>();
  /** channels failing since they last moved bytes: when it began and the cause reported */
  private readonly failing = new Map<Channel, { since: number; code: string }>();
  private readonly host: ChannelHost;
  private watcher: EpollLoop | null = null;
  private readonly sharedWatcher: EpollLoop | null;
  private pump: Pump | null = null;
  private retryTimer: Timer | null = null;
  private closing: Promise<void> | null = null;

  constructor(opts: LogHubOptions = {}) {
    super();
    this.logger = opts.logger ?? consoleLogger;
    this.retryMs = opts.retryMs ?? DEFAULTS.internal.logRetryMs;
    this.maxRetryMs = opts.maxRetryMs ?? DEFAULTS.internal.logMaxRetryMs;
    this.clock = opts.clock ?? systemClock;
    this.sharedWatcher = opts.watcher ?? null;
    const pipeBytes = opts.pipeBytes ?? DEFAULTS.logPipeBytes;
    const hub = this;
    this.host = {
      get pump(): Pump {
        return hub.ensureStarted();
      },
      pipeBytes,
      stalled: (channel, error, action) => this.onStalled(channel, error, action),
      refd: (channel, oldFd) => this.onRefd(channel, oldFd),
      warnListener: (channel, error) =>
        this.logger.warn({ channel: channel.id, err: error }, 'A log listener threw; the log goes on.'),
      now: () => this.clock.now(),
    };
  }

  /**
   * Opens the channel `o.id`: creates the directories and the FIFO if missing (an existing
   * FIFO is reused: that is how a new daemon gets the bytes written while none ran), opens the
   * log file and starts pumping. Opening an open id again applies the new settings to it.
   */
  open(o: LogChannelOptions): LogChannel {
    const existing = this.channels.get(o.id);
    if (existing && existing.fifoPath === o.fifoPath && existing.logPath === o.logPath) {
      existing.reconfigure({ timestamps: o.timestamps, maxSizeBytes: o.maxSizeBytes, keep: o.keep });
      return existing;
    }
    if (existing) this.close(o.id);
    this.closing = null;
    this.ensureStarted();
    const channel = new Channel(o, this.host);
    this.channels.set(o.id, channel);
    if (!channel.isStalled) this.watch(channel);
    return channel;
  }

  get(id: string): LogChannel | undefined {
    return this.channels.get(id);
  }

  /**
   * Closes a channel: moves what is in the pipe to the file (unless drain is false), stops
   * watching it and closes its fds. The FIFO stays (a running process may still write to it)
   * unless `remove` is true.
   */
  close(id: string, opts: { drain?: boolean; remove?: boolean } = {}): void {
    const channel = this.channels.get(id);
    if (!channel) return;
    if (opts.drain !== false) {
      try {
        channel.flush();
      } catch (e) {
        this.logger.warn({ channel: id, err: e }, 'Could not drain a log channel before closing it.');
      }
    }
    this.unwatch(channel);
    this.stalls.delete(channel);
    this.failing.delete(channel);
    this.channels.delete(id);
    channel.closeFds(opts.remove === true);
    if (this.stalls.size === 0) this.clearRetry();
  }

  /** Drains and closes every channel, then the epoll set. Idempotent. */
  closeAll(): Promise<void> {
    if (this.closing) return this.closing;
    for (const id of [...this.channels.keys()]) this.close(id);
    this.clearRetry();
    const watcher = this.watcher;
    this.watcher = null;
    this.pump?.close();
    this.pump = null;
    this.closing = watcher && watcher !== this.sharedWatcher ? watcher.close() : Promise.resolve();
    return this.closing;
  }

  private ensureStarted(): Pump {
    if (!this.pump) this.pump = new Pump(this.host.pipeBytes);
    if (!this.watcher && this.sharedWatcher) this.watcher = this.sharedWatcher;
    if (!this.watcher) {
      this.watcher = new EpollLoop(
        (fd) => this.onReady(fd),
        (error) => this.logger.error({ err: error }, 'The log pump stopped.'),
      );
    }
    return this.pump;
  }

  private onReady(fd: number): void {
    const channel = this.watched.get(fd);
    if (!channel) return; // closed since the event was reported
    try {
      channel.pump(DEFAULTS.internal.logPumpBudgetBytes);
    } catch (e) {
      this.onStalled(channel, e instanceof Error ? e : new Error(String(e)), 'pump the log channel');
    }
    // bytes moved (failures reset): a failure reported before has ended
    if (channel.failures === 0 && !channel.isStalled) this.onRecovered(channel);
  }

  private onRecovered(channel: Channel): void {
    const failure = this.failing.get(channel);
    if (!failure) return;
    this.failing.delete(channel);
    const failedForMs = Math.max(0, this.clock.now() - failure.since);
    const message =
      `Writing the log file ${channel.logPath} again, after ${duration(failedForMs)}; ` +
      'the output that waited in the pipe is in it.';
    this.logger.info?.({ channel: channel.id, logPath: channel.logPath, failedForMs }, message);
    const recovery: LogRecovery = { id: channel.id, logPath: channel.logPath, failedForMs, message };
    this.emit('recovered', recovery);
  }

  private watch(channel: Channel): void {
    this.watcher?.add(channel.readFd, (fd) => this.onReady(fd));
    this.watched.set(channel.readFd, channel);
  }

  private unwatch(channel: Channel): void {
    if (this.watched.get(channel.readFd) !== channel) return;
    this.watcher?.remove(channel.readFd);
    this.watched.delete(channel.readFd);
  }

  private onRefd(channel: Channel, oldFd: number): void {
    if (this.watched.get(oldFd) !== channel) return;
    this.watcher?.remove(oldFd);
    this.watched.delete(oldFd);
    this.watch(channel);
  }

  private onStalled(channel: Channel, error: Error, action: string): void {
    channel.isStalled = true;
    this.unwatch(channel);
    channel.failures++;
    const delay = Math.min(this.retryMs * 2 ** (channel.failures - 1), this.maxRetryMs);
    this.stalls.set(channel, this.clock.now() + delay);
    this.emit('stalled', { id: channel.id, error });
    this.armRetry();
    // Reported once per failure, not once per retry or chunk: again only if the cause changes.
    const code = (error as { code?: unknown }).code;
    const cause = typeof code === 'string' ? code : error.message;
    const before = this.failing.get(channel);
    if (before && before.code === cause) return;
    this.failing.set(channel, { since: before?.since ?? this.clock.now(), code: cause });
    const message =
      `Could not ${action} ${channel.logPath}: ${describeError(error)}. The output waits in the ` +
      'pipe (the process blocks once it is full) and is written once the file can be written ' +
      `again (retried after ${duration(delay)}, then at most every ${duration(this.maxRetryMs)}).`;
    this.logger.error({ channel: channel.id, logPath: channel.logPath, err: error, retryMs: delay }, message);
    const failure: LogFailure = { id: channel.id, logPath: channel.logPath, error, message };
    this.emit('failed', failure);
  }

  /** One timer for all stalled channels, set for the earliest retry. */
  private armRetry(): void {
    this.clearRetry();
    let next = Number.POSITIVE_INFINITY;
    for (const retryAt of this.stalls.values()) next = Math.min(next, retryAt);
    if (next === Number.POSITIVE_INFINITY) return;
    this.retryTimer = this.clock.after(Math.max(0, next - this.clock.now()), () => this.retryDue());
  }

  private clearRetry(): void {
    this.retryTimer?.cancel();
    this.retryTimer = null;
  }

  private retryDue(): void {
    this.retryTimer = null;
    const now = this.clock.now();
    for (const [channel, retryAt] of [...this.stalls]) {
      if (retryAt > now) continue;
      if (channel.closed) {
        this.stalls.delete(channel);
        continue;
      }
      if (!channel.resume()) continue; // re-stalled: onStalled has pushed retryAt further
      // Watched again: level-triggered epoll reports it at once if bytes wait. A write that
      // fails again stalls it again with a longer delay (channel.failures counts on until
      // bytes move).
      this.stalls.delete(channel);
      this.watch(channel);
      this.emit('resumed', { id: channel.id });
      // Bytes already staged (timestamps) wait in a file, not in the pipe: epoll would not
      // report them.
      if (channel.hasStagedBytes()) this.onReady(channel.readFd);
    }
    this.armRetry();
  }
}
