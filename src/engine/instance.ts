// One process of a service, as a state machine (diagram in states.ts): it is started, becomes
// ready, ends, and the restart policy decides what follows. Driven by events only (the process's
// exit, the clock's timers, probe results, notify datagrams); every effect goes through the host.
import type { Timer } from '../clock.js';
import type { ServiceSpec } from '../config/types.js';
import { DEFAULTS } from '../defaults.js';
import type { NotifyMessage } from '../process/notify-socket.js';
import { takeOver } from './adopt.js';
import { shellExitHint } from './exit-hint.js';
import { watchHealth } from './health.js';
import type { EngineHost, Launched, RawExit } from './host.js';
import { prepareLaunch } from './launch.js';
import { followMain, type MainProcess } from './main-pid.js';
import { instanceName } from './names.js';
import { readNotify, speaksForService } from './notify.js';
import type { OutputKey } from './output.js';
import { decide, exitCode } from './policy.js';
import { checkNothingAnswers, waitUntilReady } from './readiness.js';
import { type LiveProcess, type ProcessRecord, recordOf } from './record.js';
import { type CorralEvent, type ExitReason, type ExitStatus, ProcessState } from './states.js';
import { type StopOutcome, stopAndWait } from './stopping.js';

export type { ProcessRecord } from './record.js';

/** Called after every change of state, restart count or pid. */
export type ChangeListener = (instance: Instance) => void;

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
  /** the last STATUS= of sd_notify */
  statusText: string | null = null;
  /** the pid a service named with sd_notify MAINPID= */
  mainPid: number | null = null;
  /** the service's process group (and session): the pid corral started; signals go to it */
  group: number | null = null;
  /** 'none' (no check), 'starting' (none answered yet), 'healthy', 'unhealthy' */
  health: 'none' | 'starting' | 'healthy' | 'unhealthy' = 'none';
  /** consecutive failed health checks */
  healthFailures = 0;

  /** bumped at every spawn, adoption or cancelled start, so that late news of an earlier one is ignored */
  private generation = 0;
  private unwatch: (() => void) | null = null;
  /** settles when the current process has exited (and onExit has run) */
  private exited: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | null = null;
  /** a start asked for while stopping: carried out once the stop ends */
  private startAfterStop = false;
  /** a stop gave up waiting for the exit: when it comes after all, the process stays stopped */
  private stopAbandoned = false;
  /** a start waiting for the check that nothing else answers on the ready target */
  private preflight = false;
  /** an adopted process whose exit cannot be watched (no pidfd): a stop looks whether it is gone */
  private unwatched = false;
  /** the exit event of a process being stopped waits until the stop knows whether it had to kill */
  private heldExit: ExitStatus | null = null;
  private backoffTimer: Timer | null = null;
  /** set when corral itself kills the process, to name the reason of the exit */
  private killReason: ExitReason | null = null;
  /** why corral killed it, in words, for the state's message */
  private killCause: string | null = null;
  private cancelReady: (() => void) | null = null;
  /** gives a starting process more time (sd_notify EXTEND_TIMEOUT_USEC) */
  private extendReady: ((ms: number) => void) | null = null;
  /** epoch ms the current process became ready by an http/tcp check, to tell a check another process answered */
  private readyByProbeAt: number | null = null;
  private cancelHealth: (() => void) | null = null;
  private notify: { path: string; close(): void; drain?(): void } | null = null;
  /** the main process the service named (MAINPID=), while it is followed */
  private main: MainProcess | null = null;
  private readonly host: EngineHost;
  private readonly changed: ChangeListener;

  constructor(spec: ServiceSpec, index: number, host: EngineHost, changed: ChangeListener) {
    this.project = spec.project;
    this.service = spec.name;
    this.index = index;
    this.spec = spec;
    this.host = host;
    this.changed = changed;
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

  /**
   * Starts the process unless one is already running or starting. While it is stopping, the start
   * is kept and carried out once the stop ends.
   */
  start(): void {
    if (this.state === ProcessState.Starting || this.state === ProcessState.Running) return;
    if (this.stopAbandoned) {
      // a second process next to one that may still run would be worse than none
      this.message = `pid ${this.pid} could not be stopped and may still run; not started again (stop it first)`;
      this.changed(this);
      return;
    }
    if (this.state === ProcessState.Stopping) {
      this.startAfterStop = true;
      this.message = 'stopping; starts again once stopped';
      this.changed(this);
      return;
    }
    this.cancelBackoff();
    this.streak = 0;
    // a first start checks that nothing else answers where its ready check looks
    const generation = ++this.generation;
    const where = checkNothingAnswers(this.host, this.spec, this.name, (problem) => {
      if (this.generation !== generation || !this.preflight) return;
      this.preflight = false;
      if (problem === null) this.spawn();
      else this.failToStart(problem);
    });
    if (where === null) {
      this.spawn();
      return;
    }
    this.preflight = true;
    this.setState(ProcessState.Starting, `checking that nothing else answers on ${where}`);
  }

  /** Stops the process: stop.signal to its group, SIGKILL after stop.timeout. Resolves once it is gone. */
  stop(): Promise<void> {
    this.startAfterStop = false;
    if (this.stopping) return this.stopping;
    if (this.preflight) {
      this.preflight = false;
      this.generation++;
      this.settle(ProcessState.Stopped, null);
      return Promise.resolve();
    }
    if (this.state === ProcessState.Backoff) {
      this.cancelBackoff();
      this.settle(ProcessState.Stopped, 'stopped while waiting to restart');
      return Promise.resolve();
    }
    if (this.stopAbandoned && this.pid !== null) {
      // a stop that gave up before: try again
    } else if (
      this.state === ProcessState.Failed ||
      this.state === ProcessState.Exited ||
      this.state === ProcessState.Waiting
    ) {
      this.settle(ProcessState.Stopped, null);
      return Promise.resolve();
    }
    if (this.state !== ProcessState.Starting && this.state !== ProcessState.Running && !this.stopAbandoned) {
      return Promise.resolve();
    }
    this.stopping = this.stopProcess().finally(() => {
      this.stopping = null;
      // not after a stop that gave up: the old process may still be there
      if (this.startAfterStop && !this.stopAbandoned) this.start();
      this.startAfterStop = false;
    });
    return this.stopping;
  }

  /**
   * Says what a start asked for waits for: a process with none running is `waiting`, with `why`
   * as its message; one that runs (or is on its way) keeps its state and only takes the message.
   */
  wait(why: string): void {
    const idle =
      this.state === ProcessState.Stopped ||
      this.state === ProcessState.Waiting ||
      this.state === ProcessState.Exited ||
      (this.state === ProcessState.Failed && !this.stopAbandoned);
    if (idle && this.state !== ProcessState.Waiting) {
      this.setState(ProcessState.Waiting, why);
      return;
    }
    if (this.message === why) return;
    this.message = why;
    this.changed(this);
  }

  /** A start no longer asked for (a new definition without autostart): `waiting` goes back to `stopped`. */
  unwait(): void {
    if (this.state === ProcessState.Waiting) this.settle(ProcessState.Stopped, null);
  }

  /** Sends a signal to the process group; false when nothing runs. */
  signal(sig: NodeJS.Signals): boolean {
    if (this.group === null) return false;
    return this.host.process.signalGroup(this.group, sig);
  }

  /** Takes a new definition; the caller restarts the process if it must. */
  update(spec: ServiceSpec): void {
    this.spec = spec;
  }

  /** What state.json keeps of this process. */
  record(): ProcessRecord {
    return recordOf(this, this.pid === null ? null : this.host.process.bootId());
  }

  /**
   * Takes up where a previous daemon left off. `live` is the recorded process (or one proven to be
   * this instance's) if it still runs. Nothing is restarted that still runs; a process that died
   * meanwhile is handled by the policy, once.
   */
  restore(rec: ProcessRecord, live: LiveProcess | null): void {
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
      const status =
        rec.start_time !== null && rec.boot_id !== null
          ? (this.host.exitStatusOf?.({ pid: rec.pid, startTime: rec.start_time, bootId: rec.boot_id }) ??
            null)
          : null;
      if (!stopWasUnderWay(rec)) {
        this.state = rec.state;
        const raw = status ?? { code: null, signal: null };
        this.onExit(++this.generation, raw, { unknown: status === null, groupSafe: false });
        return;
      }
      // it was being stopped, and it is gone: the stop is over
      this.host.output.flush(this.outputKey);
      this.pid = null;
      const code = status ? exitCode(status.code, status.signal) : null;
      const signal = status?.signal ?? null;
      const reason = status ? 'stopped-by-user' : 'unknown';
      this.lastExit = { code, signal, reason, at: now };
      this.host.emit({ type: 'exited', ...this.eventBase(), pid: rec.pid, code, signal, reason });
      this.setState(ProcessState.Stopped, null);
      this.host.emit({ type: 'stopped', ...this.eventBase(), pid: rec.pid, code, signal, reason });
      return;
    }
    // a first start that was checking its ready target: start it again
    if (rec.state === ProcessState.Starting) this.waiting = true;
    if (rec.state === ProcessState.Backoff && rec.next_start_at !== null) {
      this.scheduleRestart(Math.max(0, rec.next_start_at - now), rec.message);
      return;
    }
    const settled: ProcessState[] = [ProcessState.Stopped, ProcessState.Exited, ProcessState.Failed];
    // a waiting one is stopped until the scan of what it waits for says `waiting` again
    if (settled.includes(rec.state)) this.setState(rec.state, rec.message);
    else this.setState(ProcessState.Stopped, rec.state === ProcessState.Waiting ? null : rec.message);
  }

  private adopt(rec: ProcessRecord, live: LiveProcess): void {
    const generation = ++this.generation;
    this.pid = live.pid;
    this.startTime = live.startTime;
    this.group = rec.group ?? live.pid;
    this.host.output.reattach(this.outputKey);
    this.unwatched = false;
    const taken = takeOver(this.host, this.spec, live, (status) =>
      this.onExit(generation, status ?? { code: null, signal: null }, { unknown: status === null }),
    );
    this.exited = taken.exited;
    this.unwatched = !taken.watched;
    try {
      this.notifySocket(); // the process still has its NOTIFY_SOCKET path: listen there again
    } catch (e) {
      taken.problems.push(`its notify socket could not be opened again (${(e as Error).message})`);
    }
    this.unwatch = taken.unwatch;
    const problems = taken.problems.join('; ') || null;
    const note = problems ? `; ${problems}` : '';
    this.host.emit({ type: 'adopted', ...this.eventBase(), message: `was ${rec.state}${note}` });
    if (rec.state === ProcessState.Starting) {
      this.setState(ProcessState.Starting, problems);
      this.awaitReady(generation);
    } else {
      this.setState(ProcessState.Running, problems);
      this.startHealth(rec.health_failures ?? 0); // the failure count carries over
    }
    if (stopWasUnderWay(rec)) void this.stop();
  }

  /** Lets go of what the instance holds (its notify socket) once it is removed for good. */
  dispose(): void {
    this.notify?.close();
    this.notify = null;
  }

  /** Stops watching an adopted process without touching it (the daemon leaves, keeping services). */
  detach(): void {
    this.preflight = false;
    this.unwatch?.();
    this.unwatch = null;
    this.stopHealth();
    this.cancelReady?.();
    this.cancelReady = null;
    this.cancelBackoff();
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
    const pid = this.pid;
    const startTime = this.startTime;
    void stopAndWait(this.host, this.group ?? pid, this.spec, this.exited).then((outcome) => {
      // the exit came and went to the policy: nothing left to do
      if (this.pid !== pid || this.stopAbandoned) return;
      if (!this.confirmGone(outcome, pid, startTime)) this.abandon(pid, outcome.why);
    });
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

  /** A datagram on the notify socket, from the process or its session. */
  private onNotify(m: NotifyMessage): void {
    if (this.pid === null || !speaksForService(m, this.pid, this.host.process)) return;
    const asked = readNotify(m.fields);
    if (asked.mainPid !== undefined && asked.mainPid !== this.pid) this.follow(asked.mainPid);
    if (asked.extendMs !== undefined) this.extendReady?.(asked.extendMs);
    if (asked.status !== undefined) this.statusText = asked.status;
    if (asked.stopping && this.state === ProcessState.Running)
      this.message = 'stopping (the service said so)';
    if (asked.ready && this.state === ProcessState.Starting) {
      this.cancelReady?.();
      this.cancelReady = null;
      this.becomeReady();
    } else if (asked.status !== undefined || asked.stopping) {
      this.changed(this);
    }
  }

  private spawn(): void {
    const prepared = prepareLaunch(this.host, this.spec, this.index, () => this.notifySocket());
    if ('error' in prepared) {
      this.failToStart(prepared.error);
      return;
    }
    this.statusText = null;
    this.mainPid = null;
    const result = this.host.process.spawn(prepared.request);
    prepared.release();
    if ('error' in result) {
      this.failToStart(result.error);
      return;
    }
    this.launched(result);
  }

  private launched(proc: Launched): void {
    const generation = ++this.generation;
    this.pid = proc.pid;
    this.group = proc.pid;
    this.startTime = proc.startTime;
    this.startedAt = this.host.clock.now();
    this.nextStartAt = null;
    this.killReason = null;
    this.killCause = null;
    this.readyByProbeAt = null;
    if (proc.child) this.host.output.attach(this.outputKey, proc.child);
    this.exited = proc.exited.then((raw) => this.onLeaderExit(generation, proc.pid, raw));
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
        const kind = spec.ready?.check.kind;
        if (kind === 'http' || kind === 'tcp') this.readyByProbeAt = this.host.clock.now();
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
    this.cancelHealth = watchHealth(this.spec, this.host, failures, (r) => {
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
      if (was !== this.health || !r.healthy) this.changed(this);
    });
  }

  private stopHealth(): void {
    this.cancelHealth?.();
    this.cancelHealth = null;
  }

  /**
   * The process ended: record how, then let the policy decide. `unknown`: its status was lost
   * (an adopted process, or one that ended while no daemon ran). `groupSafe: false`: the leader
   * died unseen, so its pid (and group id) may belong to someone else by now.
   */
  private onExit(generation: number, raw: RawExit, opts: { unknown?: boolean; groupSafe?: boolean }): void {
    if (this.generation !== generation) return;
    this.unwatch = null;
    this.stopHealth();
    this.health = this.spec.health ? 'starting' : 'none';
    this.host.output.flush(this.outputKey);
    this.cancelReady?.();
    this.cancelReady = null;
    const now = this.host.clock.now();
    const pid = this.pid;
    const group = this.group;
    const runMs = this.startedAt === null ? 0 : now - this.startedAt;
    const code = exitCode(raw.code, raw.signal);
    this.pid = null;
    this.group = null;
    this.startTime = null;
    this.main?.unwatch();
    this.main = null;
    if (this.state === ProcessState.Stopping) {
      // stopProcess() tells the rest once it knows whether the stop had to kill
      this.lastExit = { code, signal: raw.signal, reason: 'stopped-by-user', at: now };
      this.heldExit = this.lastExit;
      return;
    }
    if (this.stopAbandoned) {
      // a stop that had given up waiting: the process is gone now, and stays stopped
      this.stopAbandoned = false;
      this.recordExit(pid, { code, signal: raw.signal, reason: 'stopped-by-user', at: now }, null);
      this.setState(ProcessState.Stopped, null);
      this.host.emit({
        type: 'stopped',
        ...this.eventBase(),
        pid,
        code,
        signal: raw.signal,
        reason: 'stopped-by-user',
      });
      return;
    }
    const clean = raw.signal === null && raw.code !== null && this.spec.successCodes.includes(raw.code);
    const reason: ExitReason = this.killReason ?? (opts.unknown ? 'unknown' : clean ? 'exited' : 'crashed');
    const suspect = this.suspectReady(now);
    const hint = shellExitHint(this.spec, raw.code, raw.signal);
    const note = [hint, suspect].filter((c) => c !== null).join('; ') || null;
    this.recordExit(pid, { code, signal: raw.signal, reason, at: now }, note);
    // a leader that died may leave members of its group behind: they go too
    if (group !== null && opts.groupSafe !== false) this.host.process.signalGroup(group, 'SIGKILL');
    const decided = decide(
      this.spec,
      { code: raw.code, signal: raw.signal, reason, runMs },
      { restarts: this.streak },
    );
    const causes = [this.killCause, hint, suspect].filter((c) => c !== null);
    const decision =
      causes.length > 0 ? { ...decided, message: `${causes.join('; ')}; ${decided.message}` } : decided;
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
    this.host.emit({
      type: 'restart-scheduled',
      ...this.eventBase(),
      reason,
      delay_ms: decision.delayMs,
      message: suspect,
    });
    if (decision.delayMs === 0) {
      this.spawn();
      return;
    }
    this.scheduleRestart(decision.delayMs, decision.message);
  }

  /** Keeps how the process ended and says so in an `exited` event. */
  private recordExit(pid: number | null, exit: ExitStatus, message: string | null): void {
    this.lastExit = exit;
    const { code, signal, reason } = exit;
    this.host.emit({ type: 'exited', ...this.eventBase(), pid, code, signal, reason, message });
  }

  /** A process that dies right after an http/tcp ready check passed: the check may have reached another process. */
  private suspectReady(now: number): string | null {
    const at = this.readyByProbeAt;
    this.readyByProbeAt = null;
    if (at === null || now - at > DEFAULTS.internal.readyThenExitSuspectMs) return null;
    return `it exited ${now - at} ms after its ready check passed: another process may be answering that check`;
  }

  /**
   * The process corral started ended. With a main process followed (MAINPID=) that is not the
   * end of the service: the main process is now the one that counts.
   */
  private onLeaderExit(generation: number, leader: number, raw: RawExit): void {
    if (this.generation !== generation || this.group !== leader) return;
    // what it said before it ended (READY=1, MAINPID=) counts first, as systemd reads it first
    this.notify?.drain?.();
    if (this.generation !== generation || this.group !== leader) return;
    if (this.main === null || this.pid === this.main.pid) {
      this.onExit(generation, raw, {});
      return;
    }
    this.pid = this.main.pid;
    this.startTime = this.main.startTime;
    this.changed(this);
  }

  /** Follows the main process a service named; its exit counts from now on. */
  private follow(pid: number): void {
    this.mainPid = pid;
    if (this.group === null || (this.state !== ProcessState.Starting && this.state !== ProcessState.Running))
      return;
    const generation = this.generation;
    const followed = followMain(this.host, this.group, pid, (status) => {
      if (this.generation !== generation || this.main?.pid !== pid) return;
      this.onExit(generation, status ?? { code: null, signal: null }, { unknown: status === null });
    });
    if (typeof followed === 'string') {
      this.message = followed;
      this.changed(this);
      return;
    }
    this.main?.unwatch();
    this.main = followed;
    this.exited = followed.exited; // a stop now waits for the main process
  }

  private scheduleRestart(delayMs: number, message: string | null): void {
    this.nextStartAt = this.host.clock.now() + delayMs;
    this.setState(ProcessState.Backoff, message);
    this.backoffTimer = this.host.clock.after(delayMs, () => {
      this.backoffTimer = null;
      if (this.state === ProcessState.Backoff) this.spawn();
    });
  }

  private async stopProcess(): Promise<void> {
    const pid = this.pid!;
    this.cancelReady?.();
    this.cancelReady = null;
    this.stopHealth();
    this.heldExit = null;
    this.setState(ProcessState.Stopping, null);
    this.host.emit({ type: 'stopping', ...this.eventBase() });
    const startTime = this.startTime;
    const outcome = await stopAndWait(this.host, this.group ?? pid, this.spec, this.exited);
    const { killed } = outcome;
    if (!this.confirmGone(outcome, pid, startTime)) {
      this.abandon(pid, outcome.why);
      return;
    }
    this.stopAbandoned = false;
    const reason: ExitReason = killed ? 'killed-after-timeout' : 'stopped-by-user';
    const exit = this.heldExit ?? this.lastExit;
    this.heldExit = null;
    if (exit) this.lastExit = { ...exit, reason };
    const code = this.lastExit?.code ?? null;
    const signal = this.lastExit?.signal ?? null;
    this.host.emit({ type: 'exited', ...this.eventBase(), pid, code, signal, reason });
    this.setState(ProcessState.Stopped, killed ? `killed after ${this.spec.stop.timeoutMs} ms` : null);
    this.host.emit({ type: 'stopped', ...this.eventBase(), pid, code, signal, reason });
  }

  /**
   * Whether a stopped process is gone: its exit was seen, or (an adopted process whose exit cannot
   * be watched) it is no longer there; then its exit is taken as seen, with its status lost.
   */
  private confirmGone(outcome: StopOutcome, pid: number, startTime: number | null): boolean {
    if (outcome.gone) return true;
    if (!this.unwatched || startTime === null) return false;
    if (this.host.process.isSameProcess({ pid, startTime, bootId: this.host.process.bootId() })) return false;
    this.onExit(this.generation, { code: null, signal: null }, { unknown: true });
    return true;
  }

  /** A process that outlived its SIGKILL: `failed`, pid kept, not started again until it is stopped. */
  private abandon(pid: number, why: string | null): void {
    this.stopAbandoned = true;
    const message = `could not stop pid ${pid}: ${why}`;
    this.setState(ProcessState.Failed, message);
    this.host.emit({ type: 'failed', ...this.eventBase(), pid, reason: this.killReason, message });
  }

  /** A state reached by a user's stop with no process to stop: said as an event too. */
  private settle(state: ProcessState, message: string | null): void {
    this.setState(state, message);
    this.host.emit({ type: 'stopped', ...this.eventBase(), reason: 'stopped-by-user', message });
  }

  private cancelBackoff(): void {
    this.backoffTimer?.cancel();
    this.backoffTimer = null;
    this.nextStartAt = null;
  }

  private setState(state: ProcessState, message: string | null): void {
    this.state = state;
    this.message = message;
    this.changed(this);
  }

  private eventBase(): Pick<CorralEvent, 'project' | 'service' | 'instance' | 'pid'> {
    return { project: this.project, service: this.service, instance: this.index, pid: this.pid };
  }
}

/** A record of a process being stopped: `stopping`, or `failed` with a pid (a stop that gave up). */
function stopWasUnderWay(rec: ProcessRecord): boolean {
  return rec.state === ProcessState.Stopping || (rec.state === ProcessState.Failed && rec.pid !== null);
}
