// Following the logs of the processes a name means, resumably: the tail (or what came after the
// positions a client names) read from the files as they were when following began, then every
// chunk written after it; each entry carries the position of every process followed (its id).
import type { LogSink, LogsFrom } from '../api/follow.js';
import type { Instance } from '../engine/instance.js';
import type { OutputKey } from '../engine/output.js';
import {
  formatLogId,
  type LogFileState,
  type LogPoint,
  logFileStates,
  parseLogId,
  sameFile,
} from '../logs/position.js';
import { type ReplayStart, replayLines, sinceStart, tailStart } from '../logs/reader.js';

/** What following needs of the logs: the daemon's output router provides it. */
export interface FollowAccess {
  flush(key: OutputKey): void;
  location(key: OutputKey): { logPath: string };
  subscribe(key: OutputKey, onChunk: (chunk: Buffer, at: LogPoint) => void): () => void;
}

/** One process followed: its log files as they were when following began, and its subscription. */
interface Followed {
  name: string;
  logPath: string;
  keep: number;
  files: LogFileState[];
  stop: () => void;
}

/**
 * Follows `instances` into `sink` (see LogSink for the order). Everything up to the subscription
 * happens in one turn of the loop, so the chunks after it are exactly what the files did not hold
 * yet. Resolves to the unsubscribe once the replay is sent and the live chunks flow.
 */
export async function followLogs(
  logs: FollowAccess,
  instances: readonly Instance[],
  from: LogsFrom,
  sink: LogSink,
): Promise<() => void> {
  let live = false;
  const held: Array<{ name: string; chunk: Buffer; at: LogPoint }> = [];
  const points = new Map<string, LogPoint | null>();
  const chunkOut = (name: string, chunk: Buffer, at: LogPoint): void => {
    points.set(name, at);
    sink.chunk(name, chunk.toString('utf8'), formatLogId(points));
  };
  const followed: Followed[] = instances.map((inst) => {
    const key = inst.outputKey;
    logs.flush(key); // what the pipe holds now goes into the file, and so into the replay
    const { logPath } = logs.location(key);
    const files = logFileStates(logPath, key.logs.keep);
    const stop = logs.subscribe(key, (chunk, at) => {
      if (live) chunkOut(inst.name, chunk, at);
      else held.push({ name: inst.name, chunk, at });
    });
    return { name: inst.name, logPath, keep: key.logs.keep, files, stop };
  });
  const stopAll = (): void => {
    for (const f of followed) f.stop();
  };
  try {
    sink.begin();
    const starts = await startsOf(followed, from, sink);
    for (const f of followed) {
      const start = starts.get(f.name)!;
      const file = f.files[start.index];
      points.set(f.name, file ? { ino: file.ino, btime: file.btime, offset: start.offset } : null);
    }
    let sent = false;
    for (const f of followed) {
      const whole = await replayLines(
        f.logPath,
        f.keep,
        f.files,
        starts.get(f.name)!,
        (line, at) => {
          points.set(f.name, at);
          sink.line({ name: f.name, line }, formatLogId(points));
          sent = true;
        },
        sink.drained,
      );
      if (!whole) {
        stopAll(); // the client went away during the replay
        return () => {};
      }
    }
    if (!sent && held.length === 0) sink.position(formatLogId(points));
  } catch (e) {
    stopAll();
    throw e;
  }
  live = true;
  for (const h of held.splice(0)) chunkOut(h.name, h.chunk, h.at);
  return stopAll;
}

/** Where each process's replay starts: after the position the client names, or its tail. */
async function startsOf(
  followed: readonly Followed[],
  from: LogsFrom,
  sink: LogSink,
): Promise<Map<string, ReplayStart>> {
  const out = new Map<string, ReplayStart>();
  const oldest: ReplayStart = { index: 0, offset: 0 };
  if (!('lastEventId' in from)) {
    for (const f of followed) {
      out.set(
        f.name,
        from.sinceMs === null
          ? await tailStart(f.logPath, f.keep, f.files, from.lines)
          : await sinceStart(
              f.logPath,
              f.keep,
              f.files,
              from.sinceMs,
              from.lines > 0 ? from.lines : undefined,
            ),
      );
    }
    return out;
  }
  const named = parseLogId(from.lastEventId);
  if (named === null) {
    sink.reset(
      `Last-Event-ID "${from.lastEventId.slice(0, 80)}" is not a position in these logs; starting from the oldest line kept`,
      null,
    );
    for (const f of followed) out.set(f.name, oldest);
    return out;
  }
  for (const f of followed) {
    // a process the id does not name is new to this client: all of its lines are
    const p = named.get(f.name);
    if (p === undefined || p === null) {
      out.set(f.name, oldest);
      continue;
    }
    const index = f.files.findIndex((file) => sameFile(file, p));
    if (index < 0 || p.offset > f.files[index].size) {
      const why =
        index < 0 ? 'is in a log file no longer kept (rotated away)' : 'is past the end of its log file';
      sink.reset(`${f.name}: the position ${why}; starting from the oldest line kept`, f.name);
      out.set(f.name, oldest);
      continue;
    }
    out.set(f.name, { index, offset: p.offset });
  }
  return out;
}
