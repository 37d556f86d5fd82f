// What the engine needs from the world around it, and nothing more: a clock, a way to start and
// stop processes, where their output goes, and where events go. The daemon and `corral run`
// provide the real ones; tests provide fakes and drive the engine without a single process.
import type { ChildProcess } from 'node:child_process';
import type { Clock } from '../clock.js';
import type { HealthSpec, ServiceSpec } from '../config/types.js';
import type { ListenSocket } from '../process/listen-sockets.js';
import type { NotifyMessage } from '../process/notify-socket.js';
import type { OutputKey, OutputRouter } from './output.js';
import type { CorralEvent } from './states.js';

/** Everything a process is started with: built by launch.ts, carried out by the backend. */
export interface LaunchRequest {
  /** argv[0] is looked up in env.PATH when it has no slash */
  argv: string[];
  cwd: string;
  /** the child's whole environment */
  env: Record<string, string>;
  /** stdin, stdout, stderr, then the fds passed as 3, 4, … */
  stdio: ['ignore', number | 'pipe', number | 'pipe', ...number[]];
  umask?: number;
  uid?: number;
  gid?: number;
}

/** How a process ended: its exit code, or the signal that ended it. */
export interface RawExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A process the backend started. */
export interface Launched {
  /** also its process group id and session id */
  pid: number;
  /** start time in clock ticks after boot, to tell it from a later process with the same pid */
  startTime: number;
  /** settles once, when the process has exited */
  exited: Promise<RawExit>;
  /** the Node child, when output goes through pipes (`corral run`) */
  child?: ChildProcess;
}

/** What the backend needs to tell a process apart from a later one with the same pid. */
export interface ProcessIdentity {
  pid: number;
  startTime: number;
  bootId: string;
}

/** The user's credentials for a service with `user:`/`group:`, or why they cannot be had. */
export type CredentialsResult =
  | { argvPrefix: string[]; uid?: number; gid?: number; env: Record<string, string> }
  | { error: string };

/** Starting, signalling and stopping processes: the OS edge, or a fake in tests. */
export interface ProcessBackend {
  /** starts a process in its own session and group; never throws: the result says why it failed */
  spawn(req: LaunchRequest): Launched | { error: string };
  /** signals every process of a group; false when the group no longer exists */
  signalGroup(pgid: number, signal: NodeJS.Signals): boolean;
  /**
   * Stops a group: `signal`, up to `timeoutMs` for it to go, then SIGKILL. `killed` says whether
   * SIGKILL was needed; `error` that the group could not be signalled (EPERM) and why.
   */
  stopGroup(
    pgid: number,
    opts: { signal: NodeJS.Signals; timeoutMs: number; exited: Promise<unknown> },
  ): Promise<{ killed: boolean; error?: string }>;
  /** the credentials of `user`/`group` for a spawn */
  credentials(user: string | null, group: string | null): CredentialsResult;
  /** this boot's id (part of a process's identity) */
  bootId(): string;
  /** true while the process `id` names is still alive (and is the same process) */
  isSameProcess(id: ProcessIdentity): boolean;
  /** the session of a live process, or null once it is gone */
  sessionOf(pid: number): number | null;
  /** the process group, session and start time of a live process, or null once it is gone */
  describe(pid: number): { group: number; session: number; startTime: number } | null;
  /** the real uid of a live process, or null once it is gone */
  uidOf(pid: number): number | null;
}

/** Runs one ready or health check; resolves with null when it passed, else why not. */
export type CheckRunner = (
  check: HealthSpec['check'],
  spec: ServiceSpec,
  timeoutMs: number,
) => Promise<string | null>;

/** What an instance and the supervisor are given by whoever runs them. */
export interface EngineHost {
  clock: Clock;
  process: ProcessBackend;
  output: OutputRouter;
  /** runs http/tcp/exec checks (ready and health) */
  check: CheckRunner;
  /** the environment every service starts from (the daemon's, less its own variables) */
  baseEnv: Record<string, string>;
  emit(event: Partial<CorralEvent> & Pick<CorralEvent, 'type'>): void;
  /**
   * Calls onExit once an adopted process (not a child of ours) has exited, with its status when
   * it can be known (null: lost); only daemons adopt. Throws when its exit cannot be watched
   * (the process is alive, but no pidfd could be had).
   */
  watchPid?(id: ProcessIdentity, onExit: (status: RawExit | null) => void): () => void;
  /**
   * How a process that ended while no daemon watched it ended, when that can still be known
   * (null: lost). Asked once, at recovery, for a recorded process found dead.
   */
  exitStatusOf?(id: ProcessIdentity): RawExit | null;
  /**
   * An sd_notify socket for a process (`ready: { notify: true }`): its path goes into the
   * process's NOTIFY_SOCKET, each datagram to onMessage. Without it, notify readiness means
   * ready as soon as spawned.
   */
  openNotify?(
    key: OutputKey,
    onMessage: (m: NotifyMessage) => void,
    opts: { otherUser: boolean },
  ): { path: string; close(): void; drain?(): void };
  /**
   * The listening sockets of a service with `sockets:`, bound once and kept across restarts;
   * `holder` is an adopted process to take them back from. Throws when they cannot be bound.
   */
  listeners?(spec: ServiceSpec, holder?: { pid: number; isSameProcess: () => boolean }): ListenSocket[];
  /** closes a removed service's listening sockets */
  releaseListeners?(spec: ServiceSpec): void;
  /** RSS in bytes of each pid's process tree, for max_memory; without it max_memory is not enforced */
  measureMemory?: (pids: number[]) => Map<number, number>;
  /**
   * Watches the files of a `watch:` list (absolute patterns, `!` to ignore): each change of one
   * goes to onChange, a directory that cannot be watched to onProblem. Returns the function that
   * stops watching. Without it, `watch:` does nothing.
   */
  watchFiles?(
    patterns: readonly string[],
    onChange: (path: string) => void,
    onProblem: (message: string) => void,
  ): () => void;
}
