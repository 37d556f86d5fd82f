// The daemon: one per home. Owns the supervisor, the log hub, the journal and the API socket;
// writes state.json after every change; stops services in reverse order on SIGTERM.
import { createHash } from 'node:crypto';
import { closeSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { ApplyBody, Health, ProcessStatus } from '../api/schemas.js';
import { buildApi } from '../api/server.js';
import { systemClock, type Timer } from '../clock.js';
import { loadProject, loadProjectFromText } from '../config/index.js';
import { logStem } from '../engine/names.js';
import type { OutputKey } from '../engine/output.js';
import { Supervisor } from '../engine/supervisor.js';
import { LogHub, linesSince, readTail } from '../logs/index.js';
import { FifoKeeper } from '../logs/keeper.js';
import { DaemonOutput } from '../logs/router.js';
import { EpollLoop } from '../process/event-loop.js';
import { createNotifySocket, type NotifyMessage } from '../process/notify-socket.js';
import { PidWatcher } from '../process/pidwatch.js';
import { becomeSubreaper, startReaping } from '../process/reaper.js';
import { sdNotify, watchdogIntervalMs } from '../process/sd-notify.js';
import { UsageSampler } from '../process/usage.js';
import { EventJournal } from '../state/journal.js';
import { readState, StateWriter, writeProjects } from '../state/state-file.js';
import { VERSION } from '../version.js';
import { type HomePaths, homePaths, prepareHome } from './home.js';
import { findOwnProcesses, liveProcessFor } from './recover.js';
import { claimHome } from './single.js';
import { SocketRegistry } from './sockets.js';

export interface DaemonOptions {
  home: string;
  /** fd to write "ready\n" to once the socket accepts requests (the CLI that started us waits on it) */
  readyFd?: number;
  /** exit after this long with no running service and no client; 0: never */
  idleTimeoutMs?: number;
}

/** Variables of the daemon's own that no service should inherit. */
const PRIVATE_ENV = [
  'CORRAL_READY_FD',
  'NOTIFY_SOCKET',
  'LISTEN_FDS',
  'LISTEN_PID',
  'LISTEN_FDNAMES',
  'WATCHDOG_USEC',
  'WATCHDOG_PID',
];

export class Daemon {
  readonly paths: HomePaths;
  readonly logger: Logger;
  readonly journal: EventJournal;
  readonly supervisor: Supervisor;
  private readonly hub: LogHub;
  private readonly output: DaemonOutput;
  private readonly usage = new UsageSampler();
  private readonly memorySampler = new UsageSampler();
  private readonly pids: PidWatcher;
  private readonly watcher: EpollLoop;
  private readonly keeper: FifoKeeper;
  private readonly sockets = new SocketRegistry();
  private adopted: string[] = [];
  private foundDead: string[] = [];
  private recovery: string | null = null;
  private readonly stateWriter: StateWriter;
  private readonly startedAt = Date.now();
  private app: FastifyInstance | null = null;
  private lockFd: number | null = null;
  private stopping: Promise<boolean> | null = null;
  private idle: Timer | null = null;
  private systemd: NodeJS.ProcessEnv = {};
  private statusPending = false;
  private closing: Promise<void> | null = null;

  private constructor(paths: HomePaths, logger: Logger) {
    this.paths = paths;
    this.logger = logger;
    this.journal = new EventJournal(paths.eventsFile);
    this.journal.on('write-error', (err) => logger.error({ err }, 'cannot append to events.jsonl'));
    // one epoll set, one parked wait, for every log FIFO and every adopted process's pidfd
    this.watcher = new EpollLoop(
      () => {},
      (err) => logger.error({ err }, 'the event loop of log channels and process exits failed'),
    );
    this.hub = new LogHub({ logger: logger.child({ component: 'logs' }), watcher: this.watcher });
    const baseEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env))
      if (v !== undefined && !PRIVATE_ENV.includes(k)) baseEnv[k] = v;
    // how the next daemon proves a process is this home's (see recover.ts)
    baseEnv.CORRAL_HOME = paths.dir;
    this.keeper = new FifoKeeper(paths.dir, baseEnv, logger);
    this.output = new DaemonOutput(this.hub, paths.logsDir, paths.runDir, this.keeper);
    this.pids = new PidWatcher(this.watcher);
    this.supervisor = new Supervisor({
      clock: systemClock,
      output: this.output,
      baseEnv,
      emit: (event) => this.journal.record(event),
      watchPid: (id, onExit) => this.pids.watch(id, onExit),
      openNotify: (key, onMessage, opts) => this.openNotify(key, onMessage, opts.otherUser),
      listeners: (spec, holder) => this.sockets.get(spec, holder),
      releaseListeners: (spec) => this.sockets.release(`${spec.project}/${spec.name}`),
      measureMemory: (pids) => {
        const rss = new Map<number, number>();
        for (const [pid, u] of this.memorySampler.sample(pids)) rss.set(pid, u.rssBytes);
        return rss;
      },
    });
    this.stateWriter = new StateWriter(paths.stateFile, this.supervisor, logger);
    this.supervisor.on('change', () => {
      this.stateWriter.schedule();
      if (this.systemd.NOTIFY_SOCKET && !this.statusPending) {
        this.statusPending = true;
        setImmediate(() => {
          this.statusPending = false;
          if (!this.stopping) this.tellSystemd({ STATUS: this.summary() });
        });
      }
    });
  }

  /** Claims the home, listens on its socket and returns the running daemon. */
  static async start(opts: DaemonOptions): Promise<Daemon> {
    // systemd's variables are ours alone: kept aside, then removed so no service inherits them
    const systemd: NodeJS.ProcessEnv = {};
    for (const key of ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID']) {
      systemd[key] = process.env[key];
      delete process.env[key];
    }
    const paths = homePaths(opts.home);
    prepareHome(paths);
    const logger = pino(
      { level: process.env.CORRAL_LOG_LEVEL ?? 'info', base: { pid: process.pid } },
      pino.destination({ dest: paths.daemonLog, sync: true, mode: 0o600 }),
    );
    const lockFd = await claimHome(paths);
    // stray children of services (a daemonizing grandchild) are reparented to us and reaped here
    const subreaper = becomeSubreaper();
    if (subreaper.ok) startReaping((r) => logger.debug({ reaped: r }, 'reaped an orphan'));
    else logger.warn(`${subreaper.reason}; orphans of services go to PID 1 instead`);
    const daemon = new Daemon(paths, logger);
    daemon.lockFd = lockFd;
    daemon.recover();
    daemon.keeper.refresh(); // hold every FIFO now, and retire the keeper of the daemon before
    await daemon.listen();
    daemon.watchIdle(opts.idleTimeoutMs ?? 0);
    writeFileSync(paths.pidFile, `${process.pid}\n`, { mode: 0o600 });
    const taken = `adopted ${daemon.adopted.length} running processes, ${daemon.foundDead.length} found dead`;
    daemon.systemd = systemd;
    daemon.tellSystemd({ READY: '1', MAINPID: String(process.pid), STATUS: daemon.summary() });
    const watchdogMs = watchdogIntervalMs(systemd);
    if (watchdogMs !== null) {
      // a heartbeat systemd asked for; the event loop answering it is the thing being checked
      const beat = setInterval(() => daemon.tellSystemd({ WATCHDOG: '1' }), watchdogMs);
      beat.unref();
    }
    daemon.journal.record({
      type: 'daemon-started',
      pid: process.pid,
      message: `corral ${VERSION}; ${taken}`,
    });
    logger.info({ home: paths.dir, version: VERSION, adopted: daemon.adopted.length }, 'daemon started');
    if (opts.readyFd !== undefined) {
      try {
        writeSync(opts.readyFd, 'ready\n');
        closeSync(opts.readyFd);
      } catch {
        // the CLI that started us is gone; nothing to tell
      }
    }
    return daemon;
  }

  /** An sd_notify socket for one process, read through the daemon's one epoll set. */
  private openNotify(
    key: OutputKey,
    onMessage: (m: NotifyMessage) => void,
    otherUser: boolean,
  ): { path: string; close(): void } {
    const stem = logStem(key.service, key.index, key.instances);
    let path = join(this.paths.runDir, 'notify', key.project, `${stem}.sock`);
    // a file path has room for 107 bytes, and a process running as another user cannot reach a
    // socket in the 0700 home: then an abstract name unique to this home (the sender is still
    // checked by its kernel credentials)
    if (otherUser || Buffer.byteLength(path) > 100) {
      const tag = createHash('sha256').update(this.paths.dir).digest('hex').slice(0, 12);
      path = `@corral-${tag}/${key.project}/${stem}`.slice(0, 100);
    }
    const socket = createNotifySocket(path);
    this.watcher.add(socket.fd, () => {
      for (const m of socket.drain()) onMessage(m);
    });
    return {
      path: socket.path,
      close: () => {
        this.watcher.remove(socket.fd);
        socket.close();
      },
    };
  }

  /** Tells systemd (when it started us) about our state; a no-op otherwise. */
  private tellSystemd(fields: Record<string, string>): void {
    if (this.systemd.NOTIFY_SOCKET) sdNotify(fields, this.systemd);
  }

  /** One line for systemctl status: how many processes run. */
  private summary(): string {
    const list = this.supervisor.list();
    const running = list.filter((i) => i.state === 'running').length;
    return `${running} of ${list.length} processes running`;
  }

  /** Takes up the projects and live processes of the previous daemon of this home. */
  private recover(): void {
    const found = readState(this.paths.stateFile, this.paths.projectsFile);
    if (found.problem) {
      this.recovery = found.problem;
      this.logger.warn({ problem: found.problem }, 'state file set aside');
      this.journal.record({ type: 'daemon-started', pid: process.pid, message: found.problem });
    }
    if (found.projects.length === 0) return;
    const own = findOwnProcesses(this.paths.dir, this.paths.runDir);
    const before = new Map(found.records.map((r) => [r.name, r]));
    for (const project of found.projects) {
      const records = found.records.filter((r) => r.project === project.name);
      this.adopted.push(...this.supervisor.restore(project, records, (rec) => liveProcessFor(rec, own)));
    }
    for (const inst of this.supervisor.list()) {
      const rec = before.get(inst.name);
      if (rec?.pid != null && !this.adopted.includes(inst.name)) this.foundDead.push(inst.name);
    }
    this.stateWriter.flush();
  }

  private async listen(): Promise<void> {
    const app = buildApi({
      supervisor: this.supervisor,
      journal: this.journal,
      logger: this.logger,
      health: () => this.health(),
      statuses: () => this.statuses(),
      apply: (body) => this.apply(body),
      removeProject: async (name) => {
        await this.supervisor.removeProject(name);
        this.saveProjects();
        this.stateWriter.schedule();
      },
      stopServices: (keep) => this.stopServices(keep),
      finish: (keep) => void this.finish({ keepServices: keep, exit: true }),
      tailLogs: (names, lines, sinceMs) => this.tailLogs(names, lines, sinceMs),
      followLogs: (names, onChunk) => this.followLogs(names, onChunk),
    });
    const old = process.umask(0o177); // the socket is created 0600, with no window
    try {
      await app.listen({ path: this.paths.socket });
    } finally {
      process.umask(old);
    }
    this.app = app;
  }

  health(): Health {
    return {
      version: VERSION,
      pid: process.pid,
      uptime_ms: Date.now() - this.startedAt,
      home: this.paths.dir,
      started_at: new Date(this.startedAt).toISOString(),
      services: this.supervisor.list().length,
      adopted: this.adopted,
      found_dead: this.foundDead,
      recovery: this.recovery,
    };
  }

  statuses(): ProcessStatus[] {
    const list = this.supervisor.statuses();
    const usage = this.usage.sample(list.flatMap((s) => (s.pid === null ? [] : [s.pid])));
    return list.map((s) => {
      const u = s.pid === null ? undefined : usage.get(s.pid);
      return { ...s, cpu: u ? Math.round(u.cpuPercent * 10) / 10 : null, memory: u ? u.rssBytes : null };
    });
  }

  async apply(body: ApplyBody): Promise<ReturnType<Supervisor['apply']>> {
    const env = body.env ?? (process.env as Record<string, string>);
    const spec =
      body.path !== undefined
        ? loadProject(body.path, { env })
        : loadProjectFromText(body.config!, {
            file: '<inline>',
            dir: body.dir ?? process.cwd(),
            env,
            format: body.format ?? 'yaml',
          });
    const result = this.supervisor.apply(spec, body.services);
    const summary = (['created', 'changed', 'removed'] as const)
      .filter((k) => result[k].length > 0)
      .map((k) => `${k}: ${result[k].join(', ')}`)
      .join('; ');
    this.journal.record({ type: 'config-applied', project: spec.name, message: summary || 'no change' });
    this.saveProjects();
    this.stateWriter.schedule();
    return result;
  }

  private async tailLogs(
    names: string,
    lines: number,
    sinceMs: number | null,
  ): Promise<Array<{ name: string; line: string }>> {
    const out: Array<{ name: string; line: string }> = [];
    for (const inst of this.supervisor.resolve(names)) {
      const key = inst.outputKey;
      this.output.flush(key);
      const { logPath } = this.output.location(key);
      const found =
        sinceMs === null
          ? await readTail(logPath, key.logs.keep, lines)
          : await linesSince(logPath, key.logs.keep, sinceMs);
      const picked = sinceMs !== null && lines > 0 ? found.slice(-lines) : found;
      for (const line of picked) out.push({ name: inst.name, line });
    }
    return out;
  }

  private followLogs(names: string, onChunk: (name: string, text: string) => void): () => void {
    const stops = this.supervisor
      .resolve(names)
      .map((inst) =>
        this.output.subscribe(inst.outputKey, (chunk) => onChunk(inst.name, chunk.toString('utf8'))),
      );
    return () => {
      for (const stop of stops) stop();
    };
  }

  /**
   * Stops the services unless kept; resolves when they are gone, with whether that was clean
   * (no process had to be SIGKILLed after its stop timeout). Idempotent.
   */
  stopServices(keepServices: boolean): Promise<boolean> {
    if (!this.stopping) {
      this.logger.info({ keepServices }, 'daemon stopping');
      this.tellSystemd({
        STOPPING: '1',
        STATUS: keepServices ? 'stopping, services left running' : 'stopping services',
      });
      this.idle?.cancel();
      const since = Date.now();
      this.stopping = keepServices
        ? Promise.resolve(true)
        : this.supervisor
            .stopAll()
            .then(
              () =>
                !this.supervisor
                  .list()
                  .some((i) => i.lastExit?.reason === 'killed-after-timeout' && i.lastExit.at >= since),
            );
    }
    return this.stopping;
  }

  /** Closes the socket, drains the logs, writes the state, then exits with `code` when asked to. */
  finish(opts: { keepServices: boolean; exit: boolean; code?: number }): Promise<void> {
    if (!this.closing) this.closing = this.close(opts.keepServices);
    return this.closing.then(() => {
      if (opts.exit) process.exit(opts.code ?? 0);
    });
  }

  /** stopServices then finish: what SIGTERM does. Exits 0 when the stop was clean, else 1. */
  async shutdown(opts: { keepServices: boolean; exit: boolean }): Promise<void> {
    const clean = await this.stopServices(opts.keepServices);
    if (!clean) this.logger.warn('some services had to be killed after their stop timeout');
    await this.finish({ ...opts, code: clean ? 0 : 1 });
  }

  /** Exits once no service runs and no client is connected for `ms` (0: never). */
  private watchIdle(ms: number): void {
    if (ms <= 0 || !this.app) return;
    let clients = 0;
    const idle = (): boolean => clients === 0 && !this.supervisor.list().some((i) => i.active);
    const check = (): void => {
      if (this.stopping) return;
      if (!idle()) {
        this.idle?.cancel();
        this.idle = null;
        return;
      }
      if (this.idle) return;
      this.idle = systemClock.after(ms, () => {
        this.idle = null;
        if (!idle()) return;
        this.logger.info({ idleMs: ms }, 'idle: no running service and no client; exiting');
        void this.shutdown({ keepServices: false, exit: true });
      });
    };
    this.app.server.on('connection', (socket) => {
      clients += 1;
      check();
      socket.once('close', () => {
        clients -= 1;
        check();
      });
    });
    this.supervisor.on('change', check);
    check();
  }

  private saveProjects(): void {
    try {
      writeProjects(this.paths.projectsFile, this.supervisor);
    } catch (err) {
      this.logger.error({ err, path: this.paths.projectsFile }, 'cannot write projects file');
    }
  }

  private async close(keepServices: boolean): Promise<void> {
    this.supervisor.close();
    if (keepServices) this.supervisor.detachAll();
    await this.app?.close();
    this.pids.close();
    this.journal.record({
      type: 'daemon-stopped',
      pid: process.pid,
      message: keepServices ? 'services left running' : 'services stopped',
    });
    await this.stateWriter.settled();
    this.stateWriter.flush();
    await this.hub.closeAll();
    await this.watcher.close();
    if (!keepServices) this.keeper.stop();
    this.sockets.closeAll();
    this.journal.close();
    for (const file of [this.paths.socket, this.paths.pidFile]) {
      try {
        unlinkSync(file);
      } catch {
        // already gone
      }
    }
    if (this.lockFd !== null) closeSync(this.lockFd);
    this.lockFd = null;
    this.logger.info('daemon stopped');
  }
}
