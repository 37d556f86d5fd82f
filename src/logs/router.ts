// The daemon's output router: every process writes into its own log channel (a FIFO that
// outlives the daemon), which the log hub moves into HOME/logs/PROJECT/SERVICE[.N].log.

import { EventEmitter } from 'node:events';
import { closeSync } from 'node:fs';
import { join } from 'node:path';
import { logStem } from '../engine/names.js';
import type { OutputKey, OutputRouter, OutputTarget } from '../engine/output.js';
import type { LogChannel, LogHub } from './index.js';
import type { FifoKeeper } from './keeper.js';

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

export class DaemonOutput implements OutputRouter {
  private readonly hub: LogHub;
  private readonly logsDir: string;
  private readonly runDir: string;
  private readonly followers = new EventEmitter();
  /** the 'data' listener on each followed channel; a channel nobody follows has none, so it
   * moves its bytes with splice alone, never through user space */
  private readonly relays = new Map<string, { channel: LogChannel; relay: (chunk: Buffer) => void }>();
  private readonly keeper: FifoKeeper;
  /** the process of each open channel, by channel id (what a log failure is reported against) */
  private readonly keys = new Map<string, Omit<OutputKey, 'logs'>>();

  constructor(hub: LogHub, logsDir: string, runDir: string, keeper: FifoKeeper) {
    this.hub = hub;
    this.keeper = keeper;
    this.logsDir = logsDir;
    this.runDir = runDir;
    this.followers.setMaxListeners(0);
  }

  prepare(key: OutputKey): OutputTarget {
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

  subscribe(key: OutputKey, onChunk: (chunk: Buffer) => void): () => void {
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
    const relay = (chunk: Buffer): void => {
      this.followers.emit(id, chunk);
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
