// A fake world for the engine: a clock that moves only when told, processes that exist only as
// records, checks that answer what the test says. With it, the supervisor runs crash loops,
// timeouts and stops in microseconds, and every effect it has can be asserted.
import { tmpdir } from 'node:os';
import { loadProjectFromText } from '../../../src/config/index.js';
import type { HealthSpec, ProjectSpec, ServiceSpec } from '../../../src/config/types.js';
import type {
  EngineHost,
  Launched,
  LaunchRequest,
  ProcessBackend,
  ProcessIdentity,
  RawExit,
} from '../../../src/engine/host.js';
import type { OutputKey, OutputRouter } from '../../../src/engine/output.js';
import { type CorralEvent, completeEvent } from '../../../src/engine/states.js';
import type { NotifyMessage } from '../../../src/process/notify-socket.js';
import { FakeClock } from '../../helpers/fake-clock.js';

/** How a fake process answers a signal. */
export type Temper = 'obeys' | 'ignores-term' | 'unkillable';

export interface FakeProcess {
  pid: number;
  /** its process group: its own pid when spawned, its parent's when forked */
  group: number;
  request: LaunchRequest;
  alive: boolean;
  temper: Temper;
  /** signals it received, in order */
  signals: NodeJS.Signals[];
  exit(how: RawExit): void;
}

/** Processes as records: spawn hands out pids, signals end them according to their temper. */
export class FakeBackend implements ProcessBackend {
  readonly processes: FakeProcess[] = [];
  /** what the next spawns of a command (argv joined) do: a temper, or a spawn error */
  readonly tempers = new Map<string, Temper>();
  readonly failing = new Map<string, string>();
  /** pids of adopted processes that are alive (not spawned by this backend) */
  readonly adoptedAlive = new Set<number>();
  private nextPid = 1000;

  constructor(private readonly clock: FakeClock) {}

  spawn(req: LaunchRequest): Launched | { error: string } {
    const command = req.argv.join(' ');
    const error = this.failing.get(command);
    if (error !== undefined) return { error };
    let settle: (how: RawExit) => void = () => {};
    const exited = new Promise<RawExit>((resolve) => {
      settle = resolve;
    });
    const pid = this.nextPid++;
    const proc: FakeProcess = {
      pid,
      group: pid,
      request: req,
      alive: true,
      temper: this.tempers.get(command) ?? 'obeys',
      signals: [],
      exit(how) {
        if (!proc.alive) return;
        proc.alive = false;
        settle(how);
      },
    };
    this.processes.push(proc);
    return { pid: proc.pid, startTime: proc.pid * 10, exited };
  }

  signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
    const members = this.processes.filter((p) => p.alive && p.group === pgid);
    for (const proc of members) {
      proc.signals.push(signal);
      const dies = signal === 'SIGKILL' ? proc.temper !== 'unkillable' : proc.temper === 'obeys';
      if (dies) queueMicrotask(() => proc.exit({ code: null, signal }));
    }
    return members.length > 0;
  }

  /** Where the exit of a process that is not a spawned child is told (the world's pid watches). */
  reportExit: (pid: number, how: RawExit) => void = () => {};

  async stopGroup(
    pgid: number,
    opts: { signal: NodeJS.Signals; timeoutMs: number; exited: Promise<unknown> },
  ): Promise<{ killed: boolean; error?: string }> {
    this.signalGroup(pgid, opts.signal);
    const inTime = await this.within(opts.exited, opts.timeoutMs);
    if (inTime) return { killed: false };
    const killed = this.signalGroup(pgid, 'SIGKILL');
    await this.within(opts.exited, 1_000);
    return { killed };
  }

  credentials(): { argvPrefix: string[]; env: Record<string, string> } {
    return { argvPrefix: [], env: {} };
  }

  bootId(): string {
    return 'fake-boot';
  }

  isSameProcess(id: ProcessIdentity): boolean {
    return this.adoptedAlive.has(id.pid) || this.byPid(id.pid)?.alive === true;
  }

  sessionOf(pid: number): number | null {
    const proc = this.byPid(pid);
    return proc?.alive ? proc.group : null;
  }

  describe(pid: number): { group: number; session: number; startTime: number } | null {
    const proc = this.byPid(pid);
    return proc?.alive ? { group: proc.group, session: proc.group, startTime: pid * 10 } : null;
  }

  /** A child `parent` forks into its own group (not spawned by corral): its exit is not a child's. */
  fork(parent: FakeProcess): FakeProcess {
    const pid = this.nextPid++;
    const child: FakeProcess = {
      pid,
      group: parent.group,
      request: { ...parent.request, argv: [`${parent.request.argv[0]}-child`] },
      alive: true,
      temper: parent.temper,
      signals: [],
      exit: (how) => {
        if (!child.alive) return;
        child.alive = false;
        this.reportExit(pid, how);
      },
    };
    this.processes.push(child);
    return child;
  }

  uidOf(): number | null {
    return null;
  }

  /** The process spawned for a service's command, most recent last. */
  spawnsOf(command: string): FakeProcess[] {
    return this.processes.filter((p) => p.request.argv.join(' ') === command);
  }

  latest(command: string): FakeProcess {
    const list = this.spawnsOf(command);
    const last = list.at(-1);
    if (!last) throw new Error(`no process was spawned for "${command}"`);
    return last;
  }

  private byPid(pid: number): FakeProcess | undefined {
    return this.processes.find((p) => p.pid === pid);
  }

  private within(promise: Promise<unknown>, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = this.clock.after(ms, () => resolve(false));
      void promise.then(() => {
        timer.cancel();
        resolve(true);
      });
    });
  }
}

/** Answers checks as the test says: by target (url or host:port), pass (null) or an error string. */
export class FakeChecks {
  readonly answers = new Map<string, string | null>();
  readonly asked: string[] = [];

  run = (check: HealthSpec['check'], _spec: ServiceSpec, _timeoutMs: number): Promise<string | null> => {
    const target =
      check.kind === 'http'
        ? check.url
        : check.kind === 'tcp'
          ? `${check.host}:${check.port}`
          : check.command.join(' ');
    this.asked.push(target);
    return Promise.resolve(this.answers.has(target) ? this.answers.get(target)! : 'connection refused');
  };
}

/** An output router with nowhere to go, except to subscribers (the log ready check). */
export class FakeOutput implements OutputRouter {
  private readonly subscribers = new Map<string, Set<(chunk: Buffer) => void>>();
  prepare(): { stdout: number; stderr: number; release(): void } {
    return { stdout: 1, stderr: 2, release: () => {} };
  }
  attach(): void {}
  reattach(): void {}
  flush(): void {}
  dispose(): void {}
  subscribe(key: OutputKey, onChunk: (chunk: Buffer) => void): () => void {
    const k = `${key.project}/${key.service}:${key.index}`;
    const set = this.subscribers.get(k) ?? new Set();
    set.add(onChunk);
    this.subscribers.set(k, set);
    return () => set.delete(onChunk);
  }
  /** The process of `name` (project/service:index) writes `text`. */
  write(name: string, text: string): void {
    for (const fn of this.subscribers.get(name) ?? []) fn(Buffer.from(text));
  }
}

/** The fake world together, and what the engine told it. */
export class FakeWorld {
  readonly clock = new FakeClock();
  readonly backend = new FakeBackend(this.clock);
  readonly checks = new FakeChecks();
  readonly output = new FakeOutput();
  readonly events: CorralEvent[] = [];
  /** watchPid callbacks of adopted processes, by pid; throws for pids in `unwatchable` */
  readonly watched = new Map<number, (status: RawExit | null) => void>();
  /** what exitStatusOf says of processes that ended while no daemon ran, by pid */
  readonly deadStatuses = new Map<number, RawExit>();
  readonly unwatchable = new Map<number, string>();
  /** notify sockets opened, by process name; each takes datagrams through `notify(name, fields)` */
  readonly notifySockets = new Map<string, (m: NotifyMessage) => void>();

  host(): EngineHost {
    this.backend.reportExit = (pid, how) => this.watched.get(pid)?.(how);
    return {
      clock: this.clock,
      process: this.backend,
      check: this.checks.run,
      output: this.output,
      baseEnv: { PATH: '/usr/bin:/bin' },
      emit: (e) => {
        this.events.push(completeEvent(e, this.clock.now()));
      },
      openNotify: (key, onMessage) => {
        const name = `${key.project}/${key.service}:${key.index}`;
        this.notifySockets.set(name, onMessage);
        return { path: `/run/notify/${name}`, close: () => this.notifySockets.delete(name) };
      },
      exitStatusOf: (id) => this.deadStatuses.get(id.pid) ?? null,
      watchPid: (id, onExit) => {
        const why = this.unwatchable.get(id.pid);
        if (why !== undefined) throw new Error(why);
        this.watched.set(id.pid, onExit);
        return () => this.watched.delete(id.pid);
      },
    };
  }

  /** Events of one type (and service), in order. */
  eventsOf(type: string, service?: string): CorralEvent[] {
    return this.events.filter((e) => e.type === type && (service === undefined || e.service === service));
  }

  /** "type:service[:instance]" of every event of the listed types, for order assertions. */
  trace(types: readonly string[]): string[] {
    return this.events
      .filter((e) => types.includes(e.type))
      .map((e) => `${e.type}:${e.service}${e.instance === null ? '' : `:${e.instance}`}`);
  }
}

/** A project from YAML, as `corral up` would load it (commands are plain argv lists here). */
export function project(yaml: string): ProjectSpec {
  return loadProjectFromText(yaml, { file: 'corral.yaml', dir: tmpdir(), env: {} });
}
