// The states of one process (one instance of a service) and why it last ended.
//
//                 start
//   stopped ───────────────► starting ──ready──► running
//      ▲                        │                   │
//      │                        │ exit / ready      │ exit, health or
//      │                        │ timeout           │ memory failure
//      │                        ▼                   ▼
//      │                  ┌──── policy decides ◄────┘
//      │                  │        │        │
//      │         restart  │  no restart   give up / cannot spawn
//      │                  ▼        ▼        ▼
//      │               backoff   exited   failed
//      │                  │ delay over
//      │                  └──────────► starting
//      │
//   stopping ◄── stop (from starting, running or backoff; backoff goes straight to stopped)
//
// `stopping` ends in `stopped` once the whole process group is gone.
//
// `waiting`: a start asked for while a dependency does not yet meet its condition. A process with
// none running (stopped, exited or failed) waits there, its message saying for what, and goes to
// `starting` as soon as its dependencies hold; a stop takes it back to `stopped`.

export const ProcessState = {
  Stopped: 'stopped',
  Waiting: 'waiting',
  Starting: 'starting',
  Running: 'running',
  Stopping: 'stopping',
  Backoff: 'backoff',
  Exited: 'exited',
  Failed: 'failed',
} as const;
export type ProcessState = (typeof ProcessState)[keyof typeof ProcessState];

/** Why a process last ended. */
export const ExitReason = {
  Exited: 'exited',
  Crashed: 'crashed',
  KilledAfterTimeout: 'killed-after-timeout',
  HealthFailed: 'health-failed',
  ReadyTimeout: 'ready-timeout',
  MaxMemory: 'max-memory',
  StoppedByUser: 'stopped-by-user',
  SpawnFailed: 'spawn-failed',
  Unknown: 'unknown',
} as const;
export type ExitReason = (typeof ExitReason)[keyof typeof ExitReason];

export interface ExitStatus {
  /** exit code, or 128+N for signal N; null when not known */
  code: number | null;
  signal: NodeJS.Signals | null;
  reason: ExitReason;
  /** epoch ms */
  at: number;
}

export const EventType = {
  Spawned: 'spawned',
  Ready: 'ready',
  Exited: 'exited',
  RestartScheduled: 'restart-scheduled',
  HealthFailed: 'health-failed',
  Stopping: 'stopping',
  Stopped: 'stopped',
  Failed: 'failed',
  Adopted: 'adopted',
  ConfigApplied: 'config-applied',
  DaemonStarted: 'daemon-started',
  DaemonStopped: 'daemon-stopped',
  LogFailed: 'log-failed',
  LogResumed: 'log-resumed',
  WatchFailed: 'watch-failed',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/** What the engine emits: the type, and whichever fields apply. */
export type EventInput = Partial<CorralEvent> & Pick<CorralEvent, 'type'>;

/** An event with its time and every field it does not set as null. */
export function completeEvent(input: EventInput, timeMs: number): CorralEvent {
  return {
    time: new Date(timeMs).toISOString(),
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
}

/** One line of events.jsonl and of GET /v1/events. */
export interface CorralEvent {
  /** ISO 8601 with milliseconds */
  time: string;
  type: EventType;
  project: string | null;
  service: string | null;
  instance: number | null;
  pid: number | null;
  code: number | null;
  signal: string | null;
  reason: string | null;
  delay_ms: number | null;
  message: string | null;
}
