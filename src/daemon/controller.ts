// The controller: every operation the API performs, and the one thing that touches the
// supervisor on the API's behalf. It maps the engine's instances to the wire shapes of
// api/schemas.ts, loads posted configs, and answers for logs and events.

import type { EventsFrom, EventsStart, LogSink, LogsFrom } from '../api/follow.js';
import type {
  Action,
  ApplyBody,
  ApplyResult,
  CorralEvent,
  Health,
  LogEntry,
  ProcessStatus,
  ProfileBody,
  ProjectInfo,
  ProjectRemoval,
  SignalResult,
  UsageReport,
} from '../api/schemas.js';
import { maskProject } from '../api/secrets.js';
import type { ApiContext } from '../api/server.js';
import type { Clock } from '../clock.js';
import type { ProjectSpec } from '../config/types.js';
import { DEFAULTS } from '../defaults.js';
import type { Instance } from '../engine/instance.js';
import type { Supervisor } from '../engine/supervisor.js';
import { CorralError } from '../errors.js';
import { linesSince, readTail } from '../logs/index.js';
import { logBytesWritten } from '../metrics/log-bytes.js';
import { RestartCounter } from '../metrics/restarts.js';
import { UsageFeed } from '../metrics/usage-feed.js';
import type { UsageSampler } from '../process/usage.js';
import type { EventJournal } from '../state/journal.js';
import { VERSION } from '../version.js';
import { type FollowAccess, followLogs } from './follow-logs.js';
import { homePaths } from './home.js';
import type { TakenProfile } from './profile.js';

/** What the controller reads of the logs: the daemon's output router provides it. */
export type LogAccess = FollowAccess;

/** What the daemon found when it started, reported by health. */
export interface BootFacts {
  home: string;
  startedAt: number;
  adopted: string[];
  foundDead: string[];
  /** what was wrong with state.json or projects.json, if anything */
  recovery: string | null;
}

export interface ControllerOptions {
  supervisor: Supervisor;
  journal: EventJournal;
  logs: LogAccess;
  clock: Clock;
  boot: BootFacts;
  /** cpu and memory per pid; without it both are null */
  usage?: UsageSampler;
  /** the set of projects changed: persist it */
  projectsChanged(): void;
  /** stops the services unless kept; resolves once they are gone, naming those still alive */
  stopServices(keepServices: boolean): Promise<{ stillAlive: string[] }>;
  /** closes the daemon and exits with `code` */
  finish(keepServices: boolean, code: number): void;
}

export class Controller implements ApiContext {
  private readonly o: ControllerOptions;
  /** the one sampler's readers: ps, the API, /metrics and the usage stream */
  private readonly usageFeed: UsageFeed | null;
  private readonly restartCounts = new RestartCounter();

  constructor(opts: ControllerOptions) {
    this.o = opts;
    this.usageFeed =
      opts.usage === undefined
        ? null
        : new UsageFeed({
            sampler: opts.usage,
            running: () =>
              opts.supervisor.list().flatMap((i) => (i.pid === null ? [] : [{ name: i.name, pid: i.pid }])),
            clock: opts.clock,
            intervalMs: DEFAULTS.internal.usageIntervalMs,
            reuseMs: DEFAULTS.internal.usageReuseMs,
          });
    opts.journal.on('event', (e: CorralEvent) => this.restartCounts.record(e));
  }

  /** The daemon's identity and what it found at start. */
  health(): Health {
    const b = this.o.boot;
    return {
      version: VERSION,
      pid: process.pid,
      uptime_ms: Math.max(0, this.o.clock.now() - b.startedAt),
      home: b.home,
      started_at: new Date(b.startedAt).toISOString(),
      services: this.o.supervisor.list().length,
      adopted: b.adopted,
      found_dead: b.foundDead,
      recovery: b.recovery,
    };
  }

  /** The status of every process. */
  statuses(): ProcessStatus[] {
    return this.toStatuses(this.o.supervisor.list());
  }

  /** The status of the processes a name means (404 when none). */
  status(name: string): ProcessStatus[] {
    return this.toStatuses(this.o.supervisor.resolve(name));
  }

  /** Every loaded project's definition; secret-looking environment values masked unless asked for. */
  projects(showSecrets = false): ProjectInfo[] {
    const all = [...this.o.supervisor.projects.values()].map((p) => projectInfo(p.spec));
    return showSecrets ? all : all.map(maskProject);
  }

  /** Loads a posted config and makes its project match it. */
  async apply(body: ApplyBody): Promise<ApplyResult> {
    const env = body.env ?? (process.env as Record<string, string>);
    // the config loader (and its YAML parser) is loaded by the first apply, not at start-up
    const { loadProject, loadProjectFromText } = await import('../config/load.js');
    let spec: ProjectSpec;
    if (body.path !== undefined) spec = loadProject(body.path, { env });
    else {
      spec = loadProjectFromText(body.config!, {
        file: body.file ?? '<inline>',
        dir: body.dir!,
        env,
        format: body.format ?? (body.file === undefined ? 'yaml' : undefined),
      });
      if (body.file !== undefined) spec = { ...spec, file: body.file };
    }
    this.refuseNameClash(spec);
    const result = this.o.supervisor.apply(spec, body.services);
    const summary = (['created', 'changed', 'removed'] as const)
      .filter((k) => result[k].length > 0)
      .map((k) => `${k}: ${result[k].join(', ')}`)
      .join('; ');
    this.o.journal.record({ type: 'config-applied', project: spec.name, message: summary || 'no change' });
    this.o.projectsChanged();
    return result;
  }

  /** Stops a project's processes and forgets it. */
  async removeProject(name: string): Promise<ProjectRemoval> {
    // what runs now is what the removal stops; a stop that ended in SIGKILL says so in its exit
    const running = this.o.supervisor.list().filter((i) => i.project === name && i.pid !== null);
    const since = this.o.clock.now();
    await this.o.supervisor.removeProject(name);
    this.o.projectsChanged();
    const killed = running.filter(
      (i) => i.lastExit?.reason === 'killed-after-timeout' && i.lastExit.at >= since,
    );
    return { removed: name, stopped: running.map((i) => i.name), killed: killed.map((i) => i.name) };
  }

  /** Resolves every name first (nothing is done if one is unknown), then acts on all together. */
  async act(action: Action, names: readonly string[]): Promise<ProcessStatus[]> {
    const supervisor = this.o.supervisor;
    const instances = [...new Set(names.flatMap((n) => supervisor.resolve(n)))];
    if (action === 'start') supervisor.start(instances);
    else if (action === 'stop') await supervisor.stop(instances);
    else await supervisor.restart(instances);
    return this.toStatuses(instances);
  }

  /** Sends a signal to every running process a name means; 409 when none runs. */
  signal(name: string, signal: NodeJS.Signals): SignalResult {
    const sent = this.o.supervisor
      .resolve(name)
      .filter((i) => i.signal(signal))
      .map((i) => i.name);
    if (sent.length === 0) throw new CorralError('NOT_RUNNING', `${name} has no running process to signal`);
    return { signal, sent };
  }

  /** The last `lines` lines (or those since `sinceMs`, at most `lines` when > 0) of each process. */
  async tailLogs(name: string, lines: number, sinceMs: number | null): Promise<LogEntry[]> {
    const out: LogEntry[] = [];
    for (const inst of this.o.supervisor.resolve(name)) {
      const key = inst.outputKey;
      this.o.logs.flush(key);
      const { logPath } = this.o.logs.location(key);
      const found =
        sinceMs === null
          ? await readTail(logPath, key.logs.keep, lines)
          : await linesSince(logPath, key.logs.keep, sinceMs);
      const picked = sinceMs !== null && lines > 0 ? found.slice(-lines) : found;
      for (const line of picked) out.push({ name: inst.name, line });
    }
    return out;
  }

  /**
   * Follows what the processes a name means write: the tail (`lines` back, or since `sinceMs`),
   * or what came after the positions a client names, as the files were when following began,
   * then every chunk written after it, none missed and none twice (see follow-logs.ts).
   * Resolves to the unsubscribe.
   */
  followLogs(name: string, from: LogsFrom, sink: LogSink): Promise<() => void> {
    return followLogs(this.o.logs, this.o.supervisor.resolve(name), from, sink);
  }

  /** The journal's events, all or since `sinceMs`. */
  events(sinceMs: number | null): CorralEvent[] {
    return this.o.journal.read(sinceMs);
  }

  /**
   * What an events stream sends first: the events since a time, or those after the seq a client
   * names (all kept, with the reason, when the journal cannot place it).
   */
  followEvents(from: EventsFrom): EventsStart {
    const journal = this.o.journal;
    const lastSeq = journal.lastSeq;
    if (!('lastEventId' in from)) return { reset: null, past: journal.entries(from.sinceMs), lastSeq };
    const id = from.lastEventId;
    const after = /^\d{1,15}$/.test(id) ? journal.after(Number(id)) : null;
    if (after !== null) return { reset: null, past: after, lastSeq };
    const why = /^\d{1,15}$/.test(id)
      ? Number(id) > lastSeq
        ? `is past the last event recorded (${lastSeq})`
        : 'is older than the oldest event kept (events.jsonl was rotated past it)'
      : 'is not an event id';
    return {
      reset: `Last-Event-ID "${id.slice(0, 80)}" ${why}; starting from the oldest event kept`,
      past: journal.entries(null),
      lastSeq,
    };
  }

  /** Calls `fn` with every event from now on, and its seq; returns the unsubscribe. */
  onEvent(fn: (event: CorralEvent, seq: number) => void): () => void {
    this.o.journal.on('event', fn);
    return () => this.o.journal.off('event', fn);
  }

  /** CPU and memory of every running process now (the figures ps and /metrics show). */
  usage(): UsageReport {
    return this.usageFeed?.report() ?? { time: new Date(this.o.clock.now()).toISOString(), processes: [] };
  }

  /** Calls `send` with a usage report now and every DEFAULTS.internal.usageIntervalMs; returns the unsubscribe. */
  followUsage(send: (report: UsageReport) => void): () => void {
    if (this.usageFeed === null) {
      send(this.usage());
      return () => {};
    }
    return this.usageFeed.follow(send);
  }

  /** The Prometheus text exposition of every process and of the daemon. */
  async metrics(): Promise<string> {
    // loaded by the first scrape: a daemon nobody scrapes never loads them
    const [{ daemonFamilies, eventLoopLag }, { render }, { processFamilies }] = await Promise.all([
      import('../metrics/daemon-metrics.js'),
      import('../metrics/exposition.js'),
      import('../metrics/process-metrics.js'),
    ]);
    const lag = await eventLoopLag();
    const instances = this.o.supervisor.list();
    this.restartCounts.keepOnly(new Set(instances.map((i) => i.name)));
    const pids = instances.flatMap((i) => (i.pid === null ? [] : [i.pid]));
    return render([
      ...daemonFamilies({ version: VERSION, eventLoopLagSeconds: lag, logBytesWritten: logBytesWritten() }),
      ...processFamilies({
        instances,
        usage: this.usageFeed?.figures(pids) ?? new Map(),
        restarts: this.restartCounts,
      }),
    ]);
  }

  /**
   * A CPU profile over `duration_ms`, or a heap snapshot, of the daemon, written to a file of the
   * home's run directory (the caller sends it, then removes it). Refused unless asked on the unix socket.
   */
  async profile(body: ProfileBody, onUnixSocket: boolean): Promise<TakenProfile> {
    // loaded by the first profile asked for
    const { assertUnixSocket, checkCpuDuration, takeCpuProfile, takeHeapSnapshot } = await import(
      './profile.js'
    );
    assertUnixSocket(onUnixSocket, 'POST /v1/daemon/profile');
    const dir = homePaths(this.o.boot.home).runDir;
    if (body.kind === 'cpu') return takeCpuProfile(dir, checkCpuDuration(body.duration_ms), this.o.clock);
    if (body.duration_ms !== undefined)
      throw new CorralError(
        'BAD_REQUEST',
        'Expected no `duration_ms` for a heap snapshot (it is taken at once)',
      );
    return takeHeapSnapshot(dir);
  }

  /** Stops the services (unless kept); resolves once they are gone. */
  stopServices(keepServices: boolean): Promise<{ stillAlive: string[] }> {
    return this.o.stopServices(keepServices);
  }

  /** Closes the daemon and exits (after the shutdown answer went out). */
  finish(keepServices: boolean, code: number): void {
    this.o.finish(keepServices, code);
  }

  /** A second file naming a project already loaded from another file is refused; nothing changes. */
  private refuseNameClash(spec: ProjectSpec): void {
    const loaded = this.o.supervisor.projects.get(spec.name)?.spec.file ?? null;
    if (loaded === null || spec.file === null || loaded === spec.file) return;
    throw new CorralError(
      'CONFIG_INVALID',
      `Project "${spec.name}" is already loaded from ${loaded}; ${spec.file} names the same project. Give one of them another name (name: in the file), or run "corral down ${spec.name}" first.`,
      { project: spec.name, file: spec.file, loaded_from: loaded },
    );
  }

  private toStatuses(instances: readonly Instance[]): ProcessStatus[] {
    const now = this.o.clock.now();
    const pids = instances.flatMap((i) => (i.pid === null ? [] : [i.pid]));
    const usage = this.usageFeed?.figures(pids);
    return instances.map((inst) => {
      const u = inst.pid === null ? undefined : usage?.get(inst.pid);
      return {
        ...wireStatus(inst, now, this.o.supervisor.isOutdated(inst)),
        cpu: u ? Math.round(u.cpuPercent * 10) / 10 : null,
        memory: u ? u.rssBytes : null,
      };
    });
  }
}

/** The wire status of one process, from the instance's public fields. */
function wireStatus(inst: Instance, now: number, outdated: boolean): Omit<ProcessStatus, 'cpu' | 'memory'> {
  const health =
    inst.health === 'unhealthy' && inst.spec.health
      ? `unhealthy (${inst.healthFailures}/${inst.spec.health.failures})`
      : inst.health;
  const exit = inst.lastExit;
  return {
    project: inst.project,
    service: inst.service,
    instance: inst.index,
    name: inst.name,
    state: inst.state,
    pid: inst.pid,
    restarts: inst.restarts,
    started_at: inst.startedAt === null ? null : new Date(inst.startedAt).toISOString(),
    health,
    last_exit: exit ? { code: exit.code, signal: exit.signal, reason: exit.reason } : null,
    backoff_ms: inst.nextStartAt === null ? null : Math.max(0, inst.nextStartAt - now),
    message: inst.message,
    outdated,
    status_text: inst.statusText,
  };
}

/** A project's definition as the API lists it. */
function projectInfo(spec: ProjectSpec): ProjectInfo {
  return { name: spec.name, file: spec.file, dir: spec.dir, services: spec.services };
}
