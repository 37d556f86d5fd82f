// The daemon: one per home. Boot (claim the home, recover, listen, tell whoever started us) and
// shutdown (stop the services, close the socket, drain the logs, write the state, in that order).
// What the API asks for is the controller's; systemd and the idle timer have files of their own.
import { chmodSync, closeSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { release } from 'node:os';
import type { HttpInfo } from '../api/http-control.js';
import { type Api, buildApi } from '../api/server.js';
import { LazyTcpListener } from '../api/tcp-lazy.js';
import { systemClock } from '../clock.js';
import { DEFAULTS } from '../defaults.js';
import { Supervisor } from '../engine/supervisor.js';
import { createLogger, fileSink, type Logger } from '../log.js';
import { type LogFailure, LogHub, type LogRecovery } from '../logs/hub.js';
import { FifoKeeper, type KeeperSpawn } from '../logs/keeper.js';
import { DaemonOutput } from '../logs/router.js';
import { runCheck } from '../probes/check.js';
import { spawnWithoutForkOr, systemBackend } from '../process/backend.js';
import { EpollLoop } from '../process/event-loop.js';
import { exitStatusOf, kernelKeepsExitStatus } from '../process/exit-status.js';
import { posixSpawnSupport } from '../process/native/spawn.js';
import { PidWatcher } from '../process/pidwatch.js';
import { becomeSubreaper, startReaping } from '../process/reaper.js';
import { spawnWithoutFork } from '../process/spawn.js';
import { UsageSampler } from '../process/usage.js';
import { EventJournal } from '../state/journal.js';
import { StateWriter, writeProjects } from '../state/state-file.js';
import { VERSION } from '../version.js';
import { watchFiles } from '../watch/index.js';
import { type BootFacts, Controller } from './controller.js';
import { takeHomeOver } from './handover.js';
import { type HomePaths, homePaths, prepareHome } from './home.js';
import { IdleTimer } from './idle.js';
import { openNotifySocket } from './notify-sockets.js';
import { claimHome } from './single.js';
import { SocketKeeper } from './socket-keeper.js';
import { SocketRegistry } from './sockets.js';
import { PRIVATE_ENV, Systemd } from './systemd.js';
import { takeOver } from './takeover.js';

export interface DaemonOptions {
  home: string;
  /** fd to write "ready\n" to once the socket accepts requests (the CLI that started us waits on it) */
  readyFd?: number;
  /** exit after this long with no running service and no client; 0: never */
  idleTimeoutMs?: number;
  /** replace the daemon that runs (asked to leave its services running) instead of refusing to start */
  takeOver?: boolean;
  /** serve the API on TCP too (`--http ADDR`; `public`: `--http-public`, a bind outside loopback) */
  http?: { address: string; public: boolean };
}

/** How a stop of every service ended: the names of those still alive after it (none: clean). */
export interface StopOutcome {
  stillAlive: string[];
}

export class Daemon {
  readonly paths: HomePaths;
  readonly logger: Logger;
  readonly journal: EventJournal;
  readonly supervisor: Supervisor;
  readonly controller: Controller;
  private readonly hub: LogHub;
  private readonly output: DaemonOutput;
  private readonly memorySampler = new UsageSampler();
  private readonly pids: PidWatcher;
  private readonly watcher: EpollLoop;
  private readonly keeper: FifoKeeper;
  private readonly sockets: SocketRegistry;
  private readonly socketKeeper: SocketKeeper;
  private readonly boot: BootFacts;
  private readonly stateWriter: StateWriter;
  private readonly systemd: Systemd;
  private app: Api | null = null;
  private tcp: LazyTcpListener | null = null;
  private lockFd: number | null = null;
  private stopping: Promise<StopOutcome> | null = null;
  private idle: IdleTimer | null = null;
  private closing: Promise<void> | null = null;

  private constructor(paths: HomePaths, logger: Logger, systemd: Systemd) {
    this.paths = paths;
    this.logger = logger;
    this.systemd = systemd;
    this.boot = { home: paths.dir, startedAt: Date.now(), adopted: [], foundDead: [], recovery: null };
    this.journal = new EventJournal(paths.eventsFile);
    this.sockets = new SocketRegistry((message) => logger.warn({ component: 'sockets' }, message));
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
    // the keeper holds each live service's pidfd too: how it ends is known even with no daemon
    this.keeper = new FifoKeeper(
      paths.dir,
      baseEnv,
      logger,
      () => this.pids.list(),
      systemClock,
      keeperSpawn(() => this.watcher, paths.dir),
    );
    this.socketKeeper = new SocketKeeper(paths.dir, baseEnv, logger.child({ component: 'sockets' }), () =>
      this.sockets.held(),
    );
    this.output = new DaemonOutput(this.hub, paths.logsDir, paths.runDir, this.keeper, {
      shedFds: (n) => this.pids.shed(n),
    });
    // a log file that cannot be written is one event when it begins and one when it ends
    this.hub.on('failed', (f: LogFailure) => this.recordLogEvent('log-failed', f.id, f.message));
    this.hub.on('recovered', (r: LogRecovery) => this.recordLogEvent('log-resumed', r.id, r.message));
    this.pids = new PidWatcher(this.watcher, {
      onHeld: () => this.keeper.pidfdsChanged(),
      lost: (id) => this.keeper.inheritedStatus(id),
      warn: (message) => logger.warn({ component: 'exits' }, message),
    });
    this.supervisor = new Supervisor({
      clock: systemClock,
      process: {
        ...systemBackend,
        spawn: (req) => {
          const launched = spawnWithoutForkOr(req, this.watcher, logger);
          if (!('error' in launched)) this.pids.hold(launched);
          return launched;
        },
      },
      check: runCheck,
      output: this.output,
      baseEnv,
      emit: (event) => this.journal.record(event),
      watchPid: (id, onExit) => this.pids.watch(id, onExit),
      exitStatusOf: (id) => this.keeper.inheritedStatus(id) ?? exitStatusOf(null, id),
      openNotify: (key, onMessage, opts) =>
        openNotifySocket(paths, this.watcher, key, onMessage, opts.otherUser),
      listeners: (spec, holder) => this.sockets.get(spec, holder),
      releaseListeners: (spec) => this.sockets.release(`${spec.project}/${spec.name}`),
      watchFiles,
      measureMemory: (pids) => {
        const rss = new Map<number, number>();
        for (const [pid, u] of this.memorySampler.sample(pids)) rss.set(pid, u.rssBytes);
        return rss;
      },
    });
    this.stateWriter = new StateWriter(paths.stateFile, this.supervisor, logger, () =>
      this.journal.position(),
    );
    this.supervisor.on('change', () => {
      this.stateWriter.schedule();
      this.systemd.statusChanged(() => this.summary());
      this.idle?.check();
    });
    this.controller = new Controller({
      supervisor: this.supervisor,
      journal: this.journal,
      logs: this.output,
      clock: systemClock,
      boot: this.boot,
      usage: this.memorySampler, // one sampler: max_memory, ps, the API, /metrics, the usage stream
      projectsChanged: () => {
        this.saveProjects();
        this.stateWriter.schedule();
      },
      stopServices: (keep) => this.stopServices(keep),
      finish: (keep, code) => void this.finish({ keepServices: keep, exit: true, code }),
    });
  }

  /** Claims the home, listens on its socket and returns the running daemon. */
  static async start(opts: DaemonOptions): Promise<Daemon> {
    // systemd's variables are ours alone: kept aside, then removed so no service inherits them
    const systemd = Systemd.capture(systemClock);
    const paths = homePaths(opts.home);
    prepareHome(paths);
    const logger = createLogger(
      fileSink(paths.daemonLog, { mode: 0o600, backlogBytes: DEFAULTS.internal.daemonLogBacklogBytes }),
      { level: process.env.CORRAL_LOG_LEVEL, base: { pid: process.pid } },
    );
    const { lockFd, replaced } = opts.takeOver
      ? await takeHomeOver(paths)
      : { lockFd: await claimHome(paths), replaced: null };
    if (replaced !== null) logger.info({ replaced }, 'took the home over from the daemon before');
    // stray children of services (a daemonizing grandchild) are reparented to us and reaped here
    const subreaper = becomeSubreaper();
    if (subreaper.ok) startReaping((r) => logger.debug({ reaped: r }, 'reaped an orphan'));
    else logger.warn(`${subreaper.reason}; orphans of services go to PID 1 instead`);
    if (!kernelKeepsExitStatus())
      logger.warn(
        `Linux ${release()} keeps no exit status of a reaped process for its pidfds (6.15 and later do): a service that ends while no daemon runs is recorded as "unknown" unless the next daemon finds it still unreaped`,
      );
    const daemon = new Daemon(paths, logger, systemd);
    daemon.lockFd = lockFd;
    daemon.recover();
    daemon.keeper.refresh(); // hold every FIFO now, and retire the keeper of the daemon before
    await daemon.listen();
    if (opts.http) await daemon.listenHttp(opts.http, opts.takeOver === true);
    daemon.watchIdle(opts.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs);
    writeFileSync(paths.pidFile, `${process.pid}\n`, { mode: 0o600 });
    const { adopted, foundDead } = daemon.boot;
    systemd.ready(daemon.summary());
    daemon.journal.record({
      type: 'daemon-started',
      pid: process.pid,
      message: `corral ${VERSION}; adopted ${adopted.length} running processes, ${foundDead.length} found dead`,
    });
    logger.info({ home: paths.dir, version: VERSION, adopted: adopted.length }, 'daemon started');
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

  /** An event about the log channel `id`, against its process. */
  private recordLogEvent(type: 'log-failed' | 'log-resumed', id: string, message: string): void {
    const key = this.output.processOf(id);
    this.journal.record({
      type,
      project: key?.project ?? null,
      service: key?.service ?? null,
      instance: key?.index ?? null,
      message,
    });
  }

  /** One line for systemctl status: how many processes run. */
  private summary(): string {
    const list = this.supervisor.list();
    const running = list.filter((i) => i.state === 'running').length;
    return `${running} of ${list.length} processes running`;
  }

  /** Takes up the projects and live processes of the previous daemon of this home. */
  private recover(): void {
    // the listening sockets first: an adopted service's are then already here
    this.sockets.takeBack(this.socketKeeper);
    const taken = takeOver(this.paths, this.supervisor);
    const known = new Set<string>();
    for (const [project, entry] of this.supervisor.projects)
      for (const service of entry.services.keys()) known.add(`${project}/${service}`);
    this.sockets.keepOnly(known);
    this.boot.adopted = taken.adopted;
    this.boot.foundDead = taken.foundDead;
    if (taken.problems.length > 0) {
      this.boot.recovery = taken.problems.join('; ');
      this.logger.warn({ problems: taken.problems }, 'state set aside');
      this.journal.record({ type: 'daemon-started', pid: process.pid, message: this.boot.recovery });
    }
    if (this.supervisor.projects.size === 0) return;
    this.stateWriter.flush();
    // a projects.json set aside (or missing) is written again from what was recovered
    this.saveProjects();
  }

  /** Listens on the home's socket, which is made 0600 before anything is accepted on it. */
  private async listen(): Promise<void> {
    const tcp = new LazyTcpListener({
      handle: (req, res) => app.handle(req, res),
      tokenFile: this.paths.tokenFile,
      logger: this.logger,
      pages: async (req, res) => (await import('../dashboard/serve.js')).serveDashboard(req, res),
      // a client on TCP (a dashboard open) keeps an idle daemon, as one on the socket does
      onConnection: (socket) => {
        const idle = this.idle;
        if (!idle) return;
        idle.clientConnected();
        socket.once('close', () => idle.clientGone());
      },
    });
    const app = buildApi(this.controller, this.logger, { http: tcp });
    this.tcp = tcp;
    // the home is 0700, so no one else can reach the socket in the moment before the chmod
    await app.listen({ path: this.paths.socket });
    chmodSync(this.paths.socket, 0o600);
    this.app = app;
  }

  /** Where the API is served on TCP (null fields when it is not). */
  http(): HttpInfo {
    return this.tcp?.info() ?? { url: null, address: null, public: false };
  }

  /**
   * Serves the API on TCP as `--http` asked. A daemon that cannot is stopped (its services left
   * running) and says why; one taking over from `daemon restart` goes on without it (a daemon
   * matters more than its listener), and says so in daemon.log.
   */
  private async listenHttp(http: { address: string; public: boolean }, takingOver: boolean): Promise<void> {
    try {
      await this.tcp?.start(http.address, http.public, '--http');
    } catch (err) {
      if (takingOver) {
        this.logger.error({ err }, 'the API on TCP could not be served again after the handover');
        return;
      }
      await this.finish({ keepServices: true, exit: false });
      throw err;
    }
  }

  /**
   * Stops the services unless kept; resolves when they are gone, with those still alive
   * (a process that outlived its SIGKILL). Idempotent.
   */
  stopServices(keepServices: boolean): Promise<StopOutcome> {
    if (!this.stopping) {
      this.logger.info({ keepServices }, 'daemon stopping');
      this.systemd.stoppingNow(keepServices ? 'stopping, services left running' : 'stopping services');
      this.idle?.cancel();
      this.stopping = keepServices
        ? Promise.resolve({ stillAlive: [] })
        : this.supervisor.stopAll().then(() => ({
            stillAlive: this.supervisor
              .list()
              .filter((i) => i.pid !== null && isAlive(i.pid))
              .map((i) => i.name),
          }));
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

  /**
   * stopServices then finish: what SIGTERM does. Exits 0 once every service is stopped (SIGKILL
   * after the stop timeout included); 1 when one is still alive.
   */
  async shutdown(opts: { keepServices: boolean; exit: boolean }): Promise<void> {
    const { stillAlive } = await this.stopServices(opts.keepServices);
    if (stillAlive.length > 0) this.logger.error({ stillAlive }, 'some services could not be stopped');
    await this.finish({ ...opts, code: stillAlive.length > 0 ? 1 : 0 });
  }

  /** Exits once no service runs and no client is connected for `ms` (0: never). */
  private watchIdle(ms: number): void {
    if (ms <= 0 || !this.app) return;
    const idle = new IdleTimer({
      clock: systemClock,
      ms,
      busy: () => this.supervisor.list().some((i) => i.active),
      onIdle: () => {
        this.logger.info({ idleMs: ms }, 'idle: no running service and no client; exiting');
        void this.shutdown({ keepServices: false, exit: true });
      },
    });
    this.idle = idle;
    this.app.server.on('connection', (socket) => {
      idle.clientConnected();
      socket.once('close', () => idle.clientGone());
    });
    idle.check();
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
    this.systemd.close();
    this.idle?.cancel();
    // the keeper holds every pidfd before the daemon closes its own (detaching closes some)
    this.keeper.freeze();
    this.socketKeeper.freeze();
    if (keepServices) this.supervisor.detachAll();
    await Promise.all([this.app?.close(), this.tcp?.close()]);
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
    if (!keepServices) {
      this.keeper.stop();
      this.socketKeeper.stop();
    }
    this.sockets.closeAll({ keepFiles: keepServices });
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

/** Whether a process exists (EPERM: it does, as another user's). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * How the daemon starts its FIFO keeper: without a fork of itself where libc allows (the keeper
 * is replaced as often as every 50 ms while services start, and a fork of a large daemon blocks
 * its event loop for milliseconds each time); undefined (a fork) elsewhere.
 */
function keeperSpawn(exits: () => EpollLoop, cwd: string): KeeperSpawn | undefined {
  if (!posixSpawnSupport().ok) return undefined;
  return (argv, env, fds) => {
    const started = spawnWithoutFork(
      { argv, cwd, env, stdio: ['ignore', 'ignore', 'ignore', ...fds] },
      exits(),
    );
    return 'error' in started ? { error: started.error } : { pid: started.pid, exited: started.exited };
  };
}
