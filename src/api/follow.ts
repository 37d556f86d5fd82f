// The follow streams (logs and events with follow=1): text/event-stream where every entry has an
// `id:`, and a client that comes back with `Last-Event-ID` (or `?last_event_id=`) gets exactly
// what it missed. An id the daemon cannot place gets `event: reset` first, then everything kept.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CorralEvent, LogEntry } from './schemas.js';

/** An event of the journal with its sequence number (the stream's id). */
export interface EventEntry {
  seq: number;
  event: CorralEvent;
}

/** Where an events stream starts: after a seq a client names, or at a time (all when null). */
export type EventsFrom = { lastEventId: string } | { sinceMs: number | null };

/** What an events stream sends before the live events. */
export interface EventsStart {
  /** why the named id could not be placed (everything kept follows), else null */
  reset: string | null;
  past: EventEntry[];
  /** the seq of the last event recorded: the stream's position when `past` is empty */
  lastSeq: number;
}

/** Where a logs stream starts: after the positions a client names, or the tail (lines, or since a time). */
export type LogsFrom = { lastEventId: string } | { lines: number; sinceMs: number | null };

/** What a logs stream is told, in order: begin, then resets and lines, then chunks as they come. */
export interface LogSink {
  /** the name resolved and the stream starts (nothing was refused) */
  begin(): void;
  /** a position could not be placed: that process (all when null) starts again from its oldest line kept */
  reset(reason: string, name: string | null): void;
  line(entry: LogEntry, id: string): void;
  chunk(name: string, text: string, id: string): void;
  /** the stream's position, when no entry carried it yet */
  position(id: string): void;
  /** resolves once what was sent so far has gone out (back-pressure for long replays); false once the client has gone */
  drained(): Promise<boolean>;
}

/** The id a client resumes from: the Last-Event-ID header, else `last_event_id` of the query; null when neither. */
export function lastEventId(req: IncomingMessage, query: { last_event_id?: string }): string | null {
  const header = req.headers['last-event-id'];
  if (typeof header === 'string') return header.trim();
  return query.last_event_id ?? null;
}

/** Answers with an event stream: headers now, entries as they come, until the client goes. */
export function startStream(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  res.flushHeaders();
}

/** One server-sent event, with its id when it has one; false when the client is behind (wait for 'drain'). */
export function sendEvent(res: ServerResponse, event: string, data: unknown, id?: string): boolean {
  const idLine = id === undefined ? '' : `id: ${id}\n`;
  return res.write(`event: ${event}\n${idLine}data: ${JSON.stringify(data)}\n\n`);
}

/** An id alone: sets the client's position without an entry (EventSource keeps it, dispatches nothing). */
export function sendPosition(res: ServerResponse, id: string): void {
  res.write(`id: ${id}\n\n`);
}

/** A sink that writes a logs stream to `res`. */
export function logSink(res: ServerResponse, begin: () => void): LogSink {
  return {
    begin,
    reset: (reason, name) => sendEvent(res, 'reset', name === null ? { reason } : { reason, name }),
    line: (entry, id) => sendEvent(res, 'line', entry, id),
    chunk: (name, text, id) => sendEvent(res, 'chunk', { name, text }, id),
    position: (id) => sendPosition(res, id),
    drained: () =>
      res.writableNeedDrain && !res.destroyed
        ? new Promise((resolve) => {
            const done = (): void => {
              res.off('drain', done);
              res.off('close', done);
              resolve(!res.destroyed);
            };
            res.on('drain', done);
            res.on('close', done);
          })
        : Promise.resolve(!res.destroyed),
  };
}

/** The stream of an events follow: reset if any, what was missed, then every event as it is recorded. */
export function streamEvents(
  res: ServerResponse,
  start: EventsStart,
  subscribe: (fn: (event: CorralEvent, seq: number) => void) => () => void,
): void {
  startStream(res);
  if (start.reset !== null) sendEvent(res, 'reset', { reason: start.reset });
  for (const { seq, event } of start.past) sendEvent(res, 'event', event, String(seq));
  if (start.past.length === 0) sendPosition(res, String(start.lastSeq));
  const off = subscribe((event, seq) => sendEvent(res, 'event', event, String(seq)));
  res.on('close', off);
}
