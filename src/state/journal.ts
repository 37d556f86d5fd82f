// The event journal: every transition, appended to events.jsonl and offered to followers.
import { EventEmitter } from 'node:events';
import { closeSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { type Clock, systemClock } from '../clock.js';
import { DEFAULTS } from '../defaults.js';
import type { CorralEvent } from '../engine/states.js';

export type EventInput = Partial<CorralEvent> & Pick<CorralEvent, 'type'>;

/** Emits 'event' (CorralEvent) for every event recorded. */
export class EventJournal extends EventEmitter {
  private fd: number | null;
  private size: number;
  private readonly path: string;
  private readonly clock: Clock;

  /** Appends to the file at `path`; events are stamped with `clock`'s time (default: the system clock). */
  constructor(path: string, clock: Clock = systemClock) {
    super();
    this.setMaxListeners(0);
    this.path = path;
    this.clock = clock;
    this.fd = openSync(path, 'a', 0o600);
    this.size = statSync(path).size;
  }

  /** Completes an event with its time and nulls, appends it, and tells followers. */
  record(input: EventInput): CorralEvent {
    const event: CorralEvent = {
      time: new Date(this.clock.now()).toISOString(),
      type: input.type,
      project: input.project ?? null,
      service: input.service ?? null,
      instance: input.instance ?? null,
      pid: input.pid ?? null,
      code: input.code ?? null,
      signal: input.signal ?? null,
      reason: input.reason ?? null,
      delay_ms: input.delay_ms ?? null,
      message: input.message ?? null,
    };
    this.append(`${JSON.stringify(event)}\n`);
    this.emit('event', event);
    return event;
  }

  /** Events recorded at or after `sinceMs` (all when null), oldest first, read from the file. */
  read(sinceMs: number | null): CorralEvent[] {
    const out: CorralEvent[] = [];
    for (const file of [`${this.path}.1`, this.path]) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n')) {
        if (line === '') continue;
        try {
          const event = JSON.parse(line) as CorralEvent;
          if (sinceMs === null || Date.parse(event.time) >= sinceMs) out.push(event);
        } catch {
          // a torn last line from a crash: skip it
        }
      }
    }
    return out;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private append(line: string): void {
    if (this.fd === null) return;
    const bytes = Buffer.from(line);
    try {
      if (this.size + bytes.length > DEFAULTS.internal.journalMaxBytes) this.rotate();
      writeSync(this.fd, bytes);
      this.size += bytes.length;
    } catch (e) {
      // a full disk must not take the daemon down; the event still reaches followers
      this.emit('write-error', e);
    }
  }

  private rotate(): void {
    closeSync(this.fd!);
    renameSync(this.path, `${this.path}.1`);
    this.fd = openSync(this.path, 'a', 0o600);
    this.size = 0;
  }
}
