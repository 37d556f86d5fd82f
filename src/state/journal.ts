// The event journal: every transition, appended to events.jsonl and offered to followers.
import { EventEmitter } from 'node:events';
import { closeSync, fstatSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { type Clock, systemClock } from '../clock.js';
import { DEFAULTS } from '../defaults.js';
import { type CorralEvent, completeEvent, type EventInput } from '../engine/states.js';

export type { EventInput };

/** A place in the journal: the inode of the events.jsonl it was in, and the byte offset. */
export interface JournalPosition {
  ino: number;
  offset: number;
}

/**
 * The events recorded after `position` (read from events.jsonl, and from events.jsonl.1 when the
 * journal was rotated since), oldest first; null when the position cannot be found any more.
 */
export function eventsAfter(path: string, position: JournalPosition): CorralEvent[] | null {
  const files: Array<{ file: string; from: number }> = [];
  const inode = (file: string): number | null => {
    try {
      return statSync(file).ino;
    } catch {
      return null;
    }
  };
  if (inode(path) === position.ino) files.push({ file: path, from: position.offset });
  else if (inode(`${path}.1`) === position.ino) {
    files.push({ file: `${path}.1`, from: position.offset }, { file: path, from: 0 });
  } else return null;
  const out: CorralEvent[] = [];
  for (const { file, from } of files) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch {
      continue;
    }
    for (const line of bytes.subarray(from).toString('utf8').split('\n')) {
      if (line === '') continue;
      try {
        out.push(JSON.parse(line) as CorralEvent);
      } catch {
        // a torn last line from a crash: skip it
      }
    }
  }
  return out;
}

/** Emits 'event' (CorralEvent) for every event recorded. */
export class EventJournal extends EventEmitter {
  private fd: number | null;
  private size: number;
  private readonly path: string;
  private readonly clock: Clock;
  /** lines (or the rest of one) a failed write left to write, oldest first */
  private backlog: Buffer[] = [];
  private backlogBytes = 0;
  private failing = false;

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
    const event = completeEvent(input, this.clock.now());
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

  /**
   * Where the journal stands: the identity of events.jsonl and how many bytes it holds. A state
   * snapshot keeps it, so that the next daemon can find the events recorded after the snapshot.
   */
  position(): JournalPosition | null {
    if (this.fd === null) return null;
    try {
      return { ino: fstatSync(this.fd).ino, offset: this.size };
    } catch {
      return null;
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /**
   * Appends a line. A write that fails (a full disk) keeps the line, and whatever part of an
   * earlier one was not written, and writes them ahead of the next line (up to
   * `internal.journalBacklogBytes`; past that, new lines are dropped); one 'write-error' per
   * run of failures. The event still reaches followers either way.
   */
  private append(line: string): void {
    if (this.fd === null) return;
    const bytes = Buffer.from(line);
    if (this.backlogBytes + bytes.length <= DEFAULTS.internal.journalBacklogBytes) {
      this.backlog.push(bytes);
      this.backlogBytes += bytes.length;
    }
    try {
      if (this.size + this.backlogBytes > DEFAULTS.internal.journalMaxBytes) this.rotate();
      while (this.backlog.length > 0) {
        const head = this.backlog[0];
        const n = writeSync(this.fd!, head);
        if (n <= 0) throw new Error(`no byte of ${this.path} could be written`);
        this.size += n;
        this.backlogBytes -= n;
        if (n === head.length) this.backlog.shift();
        else this.backlog[0] = head.subarray(n);
      }
      this.failing = false;
    } catch (e) {
      if (!this.failing) this.emit('write-error', e);
      this.failing = true;
    }
  }

  private rotate(): void {
    closeSync(this.fd!);
    renameSync(this.path, `${this.path}.1`);
    this.fd = openSync(this.path, 'a', 0o600);
    this.size = 0;
  }
}
