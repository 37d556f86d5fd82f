// One process of a service: spawns it, waits for it to be ready, records how it ended,
// and lets the restart policy decide what comes next. Driven by the child's exit event only.
import { readFileSync } from 'node:fs';
import type { Clock, Timer } from '../clock.js';
import type { ServiceSpec } from '../config/types.js';
import { credentialsFor } from '../process/credentials.js';
import { killGroup, stopGroup } from '../process/kill.js';
import { type ListenSocket, listenEnv, listenFds } from '../process/listen-sockets.js';
import type { NotifyMessage } from '../process/notify-socket.js';
import { bootId, type ProcessIdentity, readProcStat, sameProcess } from '../process/procfs.js';
import { spawnService } from '../process/spawn.js';
import { wrapArgv } from '../process/wrapper.js';
import { watchHealth } from './health.js';
import { instanceName } from './names.js';
import type { OutputKey, OutputRouter } from './output.js';
import { decide, exitCode } from './policy.js';
import { waitUntilReady } from './readiness.js';
import { type CorralEvent, type ExitReason, type ExitStatus, ProcessState } from './states.js';

export interface InstanceHost {
  clock: Clock;
  output: OutputRouter;
  /** the environment every service starts from (the daemon's, less its own variables) */
  baseEnv: Record<string, string>;
  emit(event: Partial<CorralEvent> & Pick<CorralEvent, 'type'>): void;
  /** calls onExit once the process (not a child of ours) has exited; only daemons adopt */
  watchPid?(id: ProcessIdentity, onExit: () => void): () => void;
  /**
   * An sd_notify socket for a process (`ready: { notify: true }`): its path goes into the
   * process's NOTIFY_SOCKET, each datagram to onMessage. Without it, notify readiness means
   * ready as soon as spawned.
   */
  openNotify?(
    key: OutputKey,
    onMessage: (m: NotifyMessage) => void,
    opts: { otherUser: boolean },
  ): { path: string; close(): void };
  /**
   * The listening sockets of a service with `sockets:`, bound once and kept across restarts;
   * `holder` is an adopted process to take them back from. Throws when they cannot be bound.
   */
  listeners?(spec: ServiceSpec, holder?: { pid: number; isSameProcess: () => boolean }): ListenSocket[];
  /** closes a removed service's listening sockets */
  releaseListeners?(spec: ServiceSpec): void;
  /** called after every change of state, restart count or pid */
  changed(instance: Instance): void;
}

/** What `ps` and the API show of one process. */
export interface InstanceStatus {
  project: string;
  service: string;
  instance: number;
  name: string;
  state: ProcessState;
  pid: number | null;
  restarts: number;
  started_at: string | null;
  health: string;
  last_exit: { code: number | null; signal: string | null; reason: string } | null;
  /** ms until the next start, in backoff */
  backoff_ms: number | null;
  message: string | null;
  /** runs an older definition and waits for its turn in a rolling restart */
  outdated: boolean;
  /** the last STATUS= the process sent (sd_notify) */
  status_text: string | null;
}

/** What state.json keeps of one process, for the next daemon. */
export interface ProcessRecord {
  name: string;
  project: string;
  service: string;
  instance: number;
  state: ProcessState;
  pid: number | null;
  /** starttime of the process in clock ticks after boot (/proc/PID/stat field 22) */
  start_time: number | null;
  boot_id: string | null;
  /** epoch ms */
  started_at: number | null;
  restarts: number;
  streak: number;
  /** epoch ms of the next start, in backoff */
  next_start_at: number | null;
  last_exit: ExitStatus | null;
  waiting: boolean;
  message: string | null;
  /** consecutive failed health checks (absent in state files of corral 0.1.0) */
  health_failures?: number;
}

export class Instance {
  readonly project: string;
  readonly service: string;
  readonly index: number;
  spec: ServiceSpec;
  state: ProcessState = ProcessState.Stopped;
  pid: number | null = null;
  /** starttime of the process in clock ticks, to tell it apart from a later one with the same pid */
  startTime: number | null = null;
  startedAt: number | null = null;
  /** restarts the policy made since the instance was created */
  restarts = 0;
  /** consecutive restarts, for backoff and max_restarts */
  streak = 0;
  lastExit: ExitStatus | null = null;
  message: string | null = null;
  nextStartAt: number | null = null;
  /** to be started as soon as its dependencies allow */
  waiting = false;

  /** bumped at every spawn or adoption, so that a late exit of an earlier process is ignored */
  private generation = 0;
  private unwatch: (() => void) | null = null;
  private exited: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | null = null;
  private backoffTimer: Timer | null = null;
  /** set when corral itself kills the process, to name the reason of the exit */
  private killReason: ExitReason | null = null;
  /** why corral killed it, in words, for the state's message */
  private killCause: string | null = null;
  private cancelReady: (() => void) | null = null;
  /** gives a starting process more time (sd_notify EXTEND_TIMEOUT_USEC) */
  private extendReady: ((ms: number) => void) | null = null;
  private cancelHealth: (() => void) | null = null;
  private notify: { path: string; close(): void } | null = null;
  /** the last STATUS= of sd_notify */
  statusText: string | null = null;
  /** the pid a service named with sd_notify MAINPID= (recorded; the process corral started still counts) */
  mainPid: number | null = null;
  /** 'none' (no check), 'starting' (none answered yet), 'healthy', 'unhealthy' */
  health: 'none' | 'starting' | 'healthy' | 'unhealthy' = 'none';
  /** consecutive failed health checks */
  healthFailures = 0;
  private readonly host: InstanceHost;

  constructor(spec: ServiceSpec, index: number, host: InstanceHost) {
    this.project = spec.project;
    this.service = spec.name;
    this.index = index;
    this.spec = spec;
    this.host = host;
  }

  get name(): string {
    return instanceName(this.project, this.service, this.index);
  }

  get outputKey(): OutputKey {
    return {
      project: this.project,
      service: this.service,
      index: this.index,
      instances: this.spec.instances,
      logs: this.spec.logs,
    };
  }

  /** true while a process exists or is about to */
  get active(): boolean {
    return (
      this.state === ProcessState.Starting ||
      this.state === ProcessState.Running ||
      this.state === ProcessState.Stopping ||
      this.state === ProcessState.Backoff
    );
  }

  /** Starts the process unless one is already running or starting. */
  start(): void {
    if (this.state === ProcessState.Starting || this.state === ProcessState.Running) return;
    if (this.state === ProcessState.Stopping) return;
    this.cancelBackoff();
    this.streak = 0;
    this.spawn();
  }

  /** Stops the process: stop.signal to its group, SIGKILL after stop.timeout. Resolves once it is gone. */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    if (this.state === ProcessState.Backoff) {
      this.cancelBackoff();
      this.setState(ProcessState.Stopped, 'stopped while waiting to restart');
      this.host.emit({ type: 'stopped', ...this.eventBase(), reason: 'stopped-by-user' });
      return Promise.resolve();
    }
    if (this.state !== ProcessState.Starting && this.state !== ProcessState.Running) {
      if (this.state === ProcessState.Failed || this.state === ProcessState.Exited) {
        this.setState(ProcessState.Stopped, null);
      }
      return Promise.resolve();
    }
    this.stopping = this.stopProcess().finally(() => {
      this.stopping = null;
    });
    return this.stopping;
  }

  /** Sends a signal to the process group; a no-op with an error when nothing runs. */
  signal(sig: NodeJS.Signals): boolean {
    if (this.pid === null) return false;
    killGroup(this.pid, sig);
    return true;
  }

  /** Takes a new definition; the caller restarts the process if it must. */
  update(spec: ServiceSpec): void {
    this.spec = spec;
  }

  status(now: number): InstanceStatus {
    return {
      project: this.project,
      service: this.service,
      instance: this.index,
      name: this.name,
      state: this.state,
      pid: this.pid,
      restarts: this.restarts,
      started_at: this.startedAt === null ? null : new Date(this.startedAt).toISOString(),
      health:
        this.health === 'unhealthy' && this.spec.health
          ? `unhealthy (${this.healthFailures}/${this.spec.health.failures})`
          : this.health,
      last_exit: this.lastExit
        ? { code: this.lastExit.code, signal: this.lastExit.signal, reason: this.lastExit.reason }
        : null,
      backoff_ms: this.nextStartAt === null ? null : Math.max(0, this.nextStartAt - now),
      message: this.message,
      outdated: false,
      status_text: this.statusText,
    };
  }

  /** What state.json keeps of this process. */
  record(): ProcessRecord {
    return {
      name: this.name,
      project: this.project,
      service: this.service,
      instance: this.index,
      state: this.state,
      pid: this.pid,
      start_time: this.startTime,
      boot_id: this.pid === null ? null : bootId(),
      started_at: this.startedAt,
      restarts: this.restarts,
      streak: this.streak,
      next_start_at: this.nextStartAt,
      last_exit: this.lastExit,
      waiting: this.waiting,
      message: this.message,
      health_failures: this.healthFailures,
    };
  }

  /**
   * Takes up where a previous daemon left off. `alive` says whether the recorded process (or one
   * proven to be this instance's) still runs; `pid`/`startTime` name it. Nothing is restarted
   * that still runs; a process that died meanwhile is handled by the policy, once.
   */
  restore(rec: ProcessRecord, live: { pid: number; startTime: number } | null): void {
    const now = this.host.clock.now();
    this.restarts = rec.restarts;
    this.streak = rec.streak;
    this.lastExit = rec.last_exit;
    this.waiting = rec.waiting;
    this.startedAt = rec.started_at;
    if (live !== null) {
      this.adopt(rec, live);
      return;
    }
    if (rec.pid !== null) {
      // it ended while no daemon was watching: its status is lost, its last output is not
      this.host.output.reattach(this.outputKey);
      this.pid = rec.pid;
      this.state = rec.state;
      const generation = ++this.generation;
      this.onExit(generation, null, null, true, false);
      if (rec.state === ProcessState.Stopping && this.state !== ProcessState.Stopped) {
        this.cancelBackoff();
        this.setState(ProcessState.Stopped, null);
      }
      return;
    }
    if (rec.state === ProcessState.Backoff && rec.next_start_at !== null) {
      const delayMs = Math.max(0, rec.next_start_at - now);
      this.nextStartAt = now + delayMs;
      this.setState(ProcessState.Backoff, rec.message);
      this.backoffTimer = this.host.clock.after(delayMs, () => {
        this.backoffTimer = null;
        if (this.state === ProcessState.Backoff) this.spawn();
      });
      return;
    }
    const settled: ProcessState[] = [ProcessState.Stopped, ProcessState.Exited, ProcessState.Failed];
    this.setState(settled.includes(rec.state) ? rec.state : ProcessState.Stopped, rec.message);
  }

  private adopt(rec: ProcessRecord, live: { pid: number; startTime: number }): void {
    const generation = ++this.generation;
    this.pid = live.pid;
    this.startTime = live.startTime;
    this.host.output.reattach(this.outputKey);
    if (this.spec.sockets.length > 0) {
      const id = { pid: live.pid, startTime: live.startTime, bootId: bootId() };
      try {
        // the running process kept them; take copies back for its next start
        this.host.listeners?.(this.spec, { pid: live.pid, isSameProcess: () => sameProcess(id) });
      } catch {
        // bound afresh at the next start
      }
    }
    this.exited = new Promise((resolve) => {
      const onExit = (): void => {
        this.onExit(generation, null, null, true);
        resolve();
      };
      this.unwatch =
        this.host.watchPid?.({ pid: live.pid, startTime: live.startTime, bootId: bootId() }, onExit) ?? null;
    });
    this.host.emit({ type: 'adopted', ...this.eventBase(), message: `was ${rec.state}` });
    if (rec.state === ProcessState.Starting) {
      this.setState(ProcessState.Starting, null);
      this.awaitReady(generation);
    } else {
      this.setState(ProcessState.Running, null);
      this.startHealth(rec.health_failures ?? 0); // the failure count carries over
    }
    if (rec.state === ProcessState.Stopping) void this.stop();
  }

  /** Lets go of what the instance holds (its notify socket) once it is removed for good. */
  dispose(): void {
    this.notify?.close();
    this.notify = null;
  }

  /** Stops watching an adopted process without touching it (the daemon leaves, keeping services). */
  detach(): void {
    this.unwatch?.();
    this.unwatch = null;
    this.stopHealth();
    this.cancelReady?.();
    this.cancelReady = null;
    this.cancelBackoff();
  }

  /** The path of this process's sd_notify socket, opened once and kept across restarts; null without notify. */
  private notifySocket(): string | null {
    if (this.spec.ready?.check.kind !== 'notify' || !this.host.openNotify) {
      this.notify?.close();
      this.notify = null;
      return null;
    }
    this.notify ??= this.host.openNotify(this.outputKey, (m) => this.onNotify(m), {
      otherUser: this.spec.user !== null || this.spec.group !== null,
    });
    return this.notify.path;
  }

  /** A datagram on the notify socket: READY=1, STATUS=, MAINPID=, STOPPING=1, EXTEND_TIMEOUT_USEC=. */
  private onNotify(m: NotifyMessage): void {
    if (this.pid === null) return;
    if (!this.speaksForService(m)) return;
    const f = m.fields;
    let changed = false;
    if (f.STATUS !== undefined) {
      this.statusText = f.STATUS;
      changed = true;
    }
    if (f.MAINPID !== undefined && /^\d+$/.test(f.MAINPID) && Number(f.MAINPID) !== this.pid) {
      this.mainPid = Number(f.MAINPID);
    }
    if (f.EXTEND_TIMEOUT_USEC !== undefined && /^\d+$/.test(f.EXTEND_TIMEOUT_USEC)) {
      this.extendReady?.(Math.ceil(Number(f.EXTEND_TIMEOUT_USEC) / 1000));
    }
    if (f.STOPPING === '1' && this.state === ProcessState.Running) {
      this.message = 'stopping (the service said so)';
      changed = true;
    }
    if (f.READY === '1' && this.state === ProcessState.Starting) {
      this.cancelReady?.();
      this.cancelReady = null;
      this.becomeReady();
      return;
    }
    if (changed) this.host.changed(this);
  }

  /**
   * Only the process and what it started (its session) speak for the service. A sender that has
   * already exited (`systemd-notify` from a script is gone by the time its datagram is read)
   * is accepted when it ran as the service's own user.
   */
  private speaksForService(m: NotifyMessage): boolean {
    if (m.pid === this.pid) return true;
    const sender = readProcStat(m.pid);
    if (sender !== null) return sender.session === this.pid;
    return this.pid !== null && m.uid === uidOf(this.pid);
  }

  private spawn(): void {
    const spec = this.spec;
    const target = this.host.output.prepare(this.outputKey);
    const env: Record<string, string> = {
      ...this.host.baseEnv,
      ...spec.env,
      CORRAL_PROJECT: this.project,
      CORRAL_SERVICE: this.service,
      CORRAL_INSTANCE: String(this.index),
    };
    const creds = credentialsFor(spec.user, spec.group);
    if ('error' in creds) {
      target.release();
      this.failToStart(creds.error);
      return;
    }
    // the user's own HOME/USER/LOGNAME, unless the service's env sets them
    for (const [k, v] of Object.entries(creds.env)) if (spec.env[k] === undefined) env[k] = v;
    let sockets: ListenSocket[] = [];
    if (spec.sockets.length > 0) {
      try {
        if (!this.host.listeners)
          throw new Error('sockets: are passed by the daemon only, not by corral run');
        sockets = this.host.listeners(spec);
      } catch (e) {
        target.release();
        this.failToStart(`could not listen: ${(e as Error).message}`);
        return;
      }
      Object.assign(env, listenEnv(sockets));
    }
    const notifyPath = this.notifySocket();
    if (notifyPath !== null) env.NOTIFY_SOCKET = notifyPath;
    else delete env.NOTIFY_SOCKET;
    this.statusText = null;
    this.mainPid = null;
    const result = spawnService({
      argv: [
        ...creds.argvPrefix,
        ...wrapArgv(spec.command, { oomScoreAdj: spec.oomScoreAdj, listenPid: sockets.length > 0 }),
      ],
      cwd: spec.cwd,
      env,
      stdio: ['ignore', target.stdout, target.stderr, ...listenFds(sockets)],
      umask: spec.umask ?? undefined,
      uid: creds.uid,
      gid: creds.gid,
    });
    target.release();
    if ('error' in result) {
      this.failToStart(result.error);
      return;
    }
    const { child, pid, startTime } = result;
    const generation = ++this.generation;
    this.pid = pid;
    this.startTime = startTime;
    this.startedAt = this.host.clock.now();
    this.nextStartAt = null;
    this.killReason = null;
    this.killCause = null;
    if (target.stdout === 'pipe' || target.stderr === 'pipe') this.host.output.attach(this.outputKey, child);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.onExit(generation, code, signal, false);
        resolve();
      });
    });
    // events go out before the state changes, because a change can start dependents
    this.host.emit({ type: 'spawned', ...this.eventBase() });
    this.setState(ProcessState.Starting, null);
    this.awaitReady(generation);
  }

  /** Runs the ready check of a starting process; kills it with reason ready-timeout if it fails. */
  private awaitReady(generation: number): void {
    const spec = this.spec;
    if (spec.ready === null) {
      this.becomeReady();
      return;
    }
    const wait = waitUntilReady(spec, this.host, this.outputKey, (error) => {
      this.cancelReady = null;
      this.extendReady = null;
      if (this.generation !== generation || this.state !== ProcessState.Starting) return;
      if (error === null) {
        this.becomeReady();
        return;
      }
      this.kill('ready-timeout', error);
    });
    this.cancelReady = wait.cancel;
    this.extendReady = wait.extend;
  }

  /** The process could not be started (no such command, no such user, address in use): `failed`. */
  private failToStart(message: string): void {
    this.pid = null;
    this.lastExit = { code: null, signal: null, reason: 'spawn-failed', at: this.host.clock.now() };
    this.setState(ProcessState.Failed, message);
    this.host.emit({ type: 'failed', ...this.eventBase(), reason: 'spawn-failed', message });
  }

  private becomeReady(): void {
    this.host.emit({ type: 'ready', ...this.eventBase() });
    this.setState(ProcessState.Running, null);
    this.startHealth(0);
  }

  /** Liveness checks while running; `failures` consecutive failures kill the process (reason health-failed). */
  private startHealth(failures: number): void {
    this.stopHealth();
    const health = this.spec.health;
    if (health === null) {
      this.health = 'none';
      return;
    }
    this.healthFailures = failures;
    this.health = failures > 0 ? 'unhealthy' : 'starting';
    const generation = this.generation;
    this.cancelHealth = watchHealth(this.spec, this.host.clock, failures, (r) => {
      if (this.generation !== generation || this.state !== ProcessState.Running) return;
      const was = this.health;
      this.healthFailures = r.failures;
      this.health = r.healthy ? 'healthy' : 'unhealthy';
      if (!r.healthy) {
        this.host.emit({
          type: 'health-failed',
          ...this.eventBase(),
          message: `check ${r.failures}/${health.failures} failed: ${r.error}`,
        });
      }
      if (r.failures >= health.failures && this.pid !== null) {
        this.stopHealth();
        this.kill('health-failed', `${health.failures} health checks failed in a row: ${r.error}`);
      }
      if (was !== this.health || !r.healthy) this.host.changed(this);
    });
  }

  /**
   * Stops the process for a reason of corral's own (ready-timeout, health-failed, max-memory):
   * stop.signal to the group, SIGKILL after stop.timeout; the exit then goes to the policy.
   */
  kill(reason: ExitReason, cause: string): void {
    if (this.pid === null || this.state === ProcessState.Stopping || this.killReason !== null) return;
    this.stopHealth();
    this.killReason = reason;
    this.killCause = cause;
    void stopGroup(this.pid, {
      signal: this.spec.stop.signal,
      timeoutMs: this.spec.stop.timeoutMs,
      exited: this.exited,
    });
  }

  private stopHealth(): void {
    this.cancelHealth?.();
    this.cancelHealth = null;
  }

  /** The process ended: record how, then let the policy decide. `unknown`: an adopted process, status lost. */
  private onExit(
    generation: number,
    rawCode: number | null,
    signal: NodeJS.Signals | null,
    unknown: boolean,
    groupSafe = true,
  ): void {
    if (this.generation !== generation) return;
    this.unwatch = null;
    this.stopHealth();
    this.health = this.spec.health ? 'starting' : 'none';
    this.host.output.flush(this.outputKey);
    this.cancelReady?.();
    this.cancelReady = null;
    const now = this.host.clock.now();
    const pid = this.pid;
    const runMs = this.startedAt === null ? 0 : now - this.startedAt;
    const code = exitCode(rawCode, signal);
    this.pid = null;
    this.startTime = null;
    const clean = signal === null && rawCode !== null && this.spec.successCodes.includes(rawCode);
    const reason: ExitReason = this.killReason ?? (unknown ? 'unknown' : clean ? 'exited' : 'crashed');
    this.lastExit = { code, signal, reason, at: now };
    this.host.emit({ type: 'exited', ...this.eventBase(), pid, code, signal, reason });
    if (this.state === ProcessState.Stopping) return; // stopProcess() finishes the story
    // a leader that died may leave members of its group behind: they go too (not when the
    // leader died unseen: its pid, and so the group id, may belong to someone else by now)
    if (pid !== null && groupSafe) killGroup(pid, 'SIGKILL');
    const decided = decide(this.spec, { code: rawCode, signal, reason, runMs }, { restarts: this.streak });
    const decision = this.killCause
      ? { ...decided, message: `${this.killCause}; ${decided.message}` }
      : decided;
    this.streak = decision.restarts;
    if (decision.action === 'exit') {
      this.setState(ProcessState.Exited, decision.message);
      return;
    }
    if (decision.action === 'fail') {
      this.setState(ProcessState.Failed, decision.message);
      this.host.emit({ type: 'failed', ...this.eventBase(), reason, message: decision.message });
      return;
    }
    this.restarts += 1;
    this.host.emit({ type: 'restart-scheduled', ...this.eventBase(), reason, delay_ms: decision.delayMs });
    if (decision.delayMs === 0) {
      this.spawn();
      return;
    }
    this.nextStartAt = now + decision.delayMs;
    this.setState(ProcessState.Backoff, decision.message);
    this.backoffTimer = this.host.clock.after(decision.delayMs, () => {
      this.backoffTimer = null;
      if (this.state === ProcessState.Backoff) this.spawn();
    });
  }

  private async stopProcess(): Promise<void> {
    const pid = this.pid!;
    this.cancelReady?.();
    this.cancelReady = null;
    this.stopHealth();
    this.setState(ProcessState.Stopping, null);
    this.host.emit({ type: 'stopping', ...this.eventBase() });
    const { killed } = await stopGroup(pid, {
      signal: this.spec.stop.signal,
      timeoutMs: this.spec.stop.timeoutMs,
      exited: this.exited,
    });
    await this.exited;
    const reason: ExitReason = killed ? 'killed-after-timeout' : 'stopped-by-user';
    if (this.lastExit) this.lastExit = { ...this.lastExit, reason };
    this.setState(ProcessState.Stopped, killed ? `killed after ${this.spec.stop.timeoutMs} ms` : null);
    this.host.emit({
      type: 'stopped',
      ...this.eventBase(),
      pid,
      code: this.lastExit?.code ?? null,
      signal: this.lastExit?.signal ?? null,
      reason,
    });
  }

  private cancelBackoff(): void {
    this.backoffTimer?.cancel();
    this.backoffTimer = null;
    this.nextStartAt = null;
  }

  private setState(state: ProcessState, message: string | null): void {
    this.state = state;
    this.message = message;
    this.host.changed(this);
  }

  private eventBase(): Pick<CorralEvent, 'project' | 'service' | 'instance' | 'pid'> {
    return { project: this.project, service: this.service, instance: this.index, pid: this.pid };
  }
}

/** The real uid of a process, from /proc/PID/status; null once it is gone. */
function uidOf(pid: number): number | null {
  try {
    const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}
