// A LogSink that keeps what a logs follow sends (controller.followLogs in process), for tests.
import type { LogSink } from '../../src/api/follow.js';

/** What a sink was told, in order. */
export interface SinkRecord {
  sink: LogSink;
  /** the `line` entries' text */
  lines: string[];
  /** the `chunk` entries' text, concatenated */
  text: string;
  /** every id sent (entries' and positions'), the last one last */
  ids: string[];
  resets: Array<{ reason: string; name: string | null }>;
  /** every entry as `line NAME TEXT` / `chunk NAME TEXT`, in order */
  entries: string[];
}

/** A sink recording everything it is told. */
export function recordingSink(): SinkRecord {
  const r: SinkRecord = {
    lines: [],
    text: '',
    ids: [],
    resets: [],
    entries: [],
    sink: {
      begin: () => {},
      reset: (reason, name) => {
        r.resets.push({ reason, name });
      },
      line: (entry, id) => {
        r.lines.push(entry.line);
        r.entries.push(`line ${entry.name} ${entry.line}`);
        r.ids.push(id);
      },
      chunk: (name, text, id) => {
        r.text += text;
        r.entries.push(`chunk ${name} ${text}`);
        r.ids.push(id);
      },
      position: (id) => {
        r.ids.push(id);
      },
      drained: async () => true,
    },
  };
  return r;
}
