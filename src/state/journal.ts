// The event journal: every transition, appended to events.jsonl and offered to followers. Each
// line carries a sequence number (`seq`, first in the line), counted on across rotations and
// daemon restarts: what a follower's `Last-Event-ID` names.
import { EventEmitter } from 'node:events';
import {
  closeSync,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
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
      const entry = parseLine(line); // null: a torn last line from a crash
      if (entry) out.push(entry.event);
    }
  }
  return out;
}

/** How a journal line begins: its seq, then the event's own fields. */
const SEQ_PREFIX = '{"seq":';

/** One event of the journal with its sequence number (0 for a line written before lines had one). */
export interface JournalEntry {
  seq: number;
  event: CorralEvent;
}

/** A journal line's event and its seq; the seq is not part of the event's wire shape. */
function parseLine(line: string): JournalEntry | null {
  try {
    // the seq is written first: cut it off the text rather than out of the parsed object
    if (line.startsWith(SEQ_PREFIX)) {
      const comma = line.indexOf(',', SEQ_PREFIX.length);
      const seq = Number(line.slice(SEQ_PREFIX.length, comma));
      if (comma > 0 && Number.isSafeInteger(seq)) {
        return { seq, event: JSON.parse(`{${line.slice(comma + 1)}`) as CorralEvent };
      }
    }
    return { seq: 0, event: JSON.parse(line) as CorralEvent };
  } catch {
    return null; // a torn last line from a crash
  }
}

/** The seq of the last whole event line of `file` (read backwards), 0 when it has none; null when there is no such line. */
function lastSeqIn(file: string): number | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    let end = fstatSync(fd).size;
    let rest = Buffer.alloc(0); // the start of a line whose beginning is in an earlier block
    while (end > 0) {
      const len = Math.min(64 * 1024, end);
      const block = Buffer.alloc(len);
      readSync(fd, block, 0, len, end - len);
      end -= len;
      const bytes = Buffer.concat([block, rest]);
      const lines = bytes.toString('utf8').split('\n');
      // the first piece may be the end of a line that starts before this block
      rest = end > 0 ? bytes.subarray(0, bytes.indexOf(0x0a) + 1 || bytes.length) : Buffer.alloc(0);
      for (let i = lines.length - 1; i >= (end > 0 ? 1 : 0); i--) {
        if (lines[i].trim() === '') continue;
        const entry = parseLine(lines[i]);
        if (entry) return entry.seq;
      }
    }
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Emits 'event' (CorralEvent, seq) for every event recorded. */
export class EventJournal extends EventEmitter {
  private fd: number | null;
  private size: number;
  private readonly path: string;
  private readonly clock: Clock;
  /** lines (or the rest of one) a failed write left to write, oldest first */
  private backlog: Buffer[] = [];
  private backlogBytes = 0;
  private failing = false;
  /** the seq of the last event recorded (or found in the files at open) */
  private seq: number;

  /** Appends to the file at `path`; events are stamped with `clock`'s time (default: the system clock). */
  constructor(path: string, clock: Clock = systemClock) {
    super();
    this.setMaxListeners(0);
    this.path = path;
    this.clock = clock;
    this.fd = openSync(path, 'a', 0o600);
    this.size = statSync(path).size;
    this.seq = lastSeqIn(path) ?? lastSeqIn(`${path}.1`) ?? 0;
  }

  /** The seq of the last event recorded: the position of a follower that has seen everything. */
  get lastSeq(): number {
    return this.seq;
  }

  /** Completes an event with its time and nulls, appends it with the next seq, and tells followers. */
  record(input: EventInput): CorralEvent {
    const event = completeEvent(input, this.clock.now());
    const seq = ++this.seq;
    this.append(`${SEQ_PREFIX}${seq},${JSON.stringify(event).slice(1)}\n`);
    this.emit('event', event, seq);
    return event;
  }

  /** Events recorded at or after `sinceMs` (all when null), oldest first, read from the file. */
  read(sinceMs: number | null): CorralEvent[] {
    const out: CorralEvent[] = [];
    this.scan(sinceMs, (_seq, event) => out.push(event));
    return out;
  }

  /** The same as read(), each event with its seq. */
  entries(sinceMs: number | null): JournalEntry[] {
    const out: JournalEntry[] = [];
    this.scan(sinceMs, (seq, event) => out.push({ seq, event }));
    return out;
  }

  /** Calls `fn` with each event (and its seq) of events.jsonl.1 then events.jsonl, at or after `sinceMs`. */
  private scan(sinceMs: number | null, fn: (seq: number, event: CorralEvent) => void): void {
    for (const file of [`${this.path}.1`, this.path]) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n')) {
        if (line === '') continue;
        const entry = parseLine(line);
        if (entry && (sinceMs === null || Date.parse(entry.event.time) >= sinceMs))
          fn(entry.seq, entry.event);
      }
    }
  }

  /**
   * The events recorded after the one numbered `seq`, oldest first; null when the files kept
   * cannot say: `seq` is older than the oldest event kept (rotated away) or newer than the last.
   */
  after(seq: number): JournalEntry[] | null {
    if (seq > this.seq) return null;
    const all = this.entries(null).filter((e) => e.seq > 0);
    if (seq === this.seq) return [];
    if (all.length === 0 || all[0].seq > seq + 1) return null;
    return all.filter((e) => e.seq > seq);
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
