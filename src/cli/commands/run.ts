// corral run: supervise a project in the foreground, no daemon; every service's output on
// stdout with a coloured `name |` prefix and in the home's log files; SIGINT/SIGTERM stop
// everything in reverse order, then one line per service says how it went. What the daemon gives
// a service, run gives too: notify readiness, `sockets:`, health checks, `watch:`.
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import { systemClock } from '../../clock.js';
import { findConfigFile, loadProject } from '../../config/index.js';
import { type HomePaths, prepareHome } from '../../daemon/home.js';
import { SocketRegistry } from '../../daemon/sockets.js';
import type { Instance } from '../../engine/instance.js';
import type { OutputKey, OutputRouter, OutputTarget } from '../../engine/output.js';
import { completeEvent, ProcessState } from '../../engine/states.js';
import { Supervisor } from '../../engine/supervisor.js';
import { CorralError } from '../../errors.js';
import { logLocation } from '../../logs/router.js';
import { runCheck } from '../../probes/check.js';
import { systemBackend } from '../../process/backend.js';
import { closeInheritedFds } from '../../process/fds.js';
import { killGroup } from '../../process/kill.js';
import { becomeSubreaper, startReaping } from '../../process/reaper.js';
import { watchFiles } from '../../watch/index.js';
import { whenOutputCloses } from '../closed-output.js';
import type { CliContext } from '../context.js';
import { PREFIX_COLOURS, paint } from '../format.js';
import { formatWarning } from '../project-file.js';
import { RunLogFile } from '../run/log-file.js';
import { RunNotify } from '../run/notify.js';
import { RunSummary } from '../run/summary.js';
import { formatEvent } from './events.js';

/**
 * Prefixes each line of every process with its name and writes it to our stdout; writes the
 * same bytes to the process's log file, as the daemon would.
 */
class PrefixedOutput implements OutputRouter {
  private readonly chunks = new EventEmitter();
  private readonly colours = new Map<string, string>();
  private readonly files = new Map<string, RunLogFile>();
  private width = 0;
  private readonly ctx: CliContext;
  /** null: the home cannot be used, and the output goes to the terminal alone */
  private readonly logsDir: string | null;

  constructor(ctx: CliContext, names: string[], logsDir: string | null) {
    this.ctx = ctx;
    this.logsDir = logsDir;
    this.width = Math.max(...names.map((n) => n.length));
    this.chunks.setMaxListeners(0);
  }

  prepare(): OutputTarget {
    return { stdout: 'pipe', stderr: 'pipe', release: () => {} };
  }

  attach(key: OutputKey, child: ChildProcess): void {
    const label = key.instances > 1 ? `${key.service}:${key.index}` : key.service;
    if (!this.colours.has(label))
      this.colours.set(label, PREFIX_COLOURS[this.colours.size % PREFIX_COLOURS.length]);
    this.width = Math.max(this.width, label.length);
    const prefix = (): string =>
      `${paint(this.ctx.color, this.colours.get(label) as never, label.padEnd(this.width))} | `;
    const id = `${key.project}/${label}`;
    const file = this.logFile(key);
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      let pending = '';
      stream.on('data', (chunk: Buffer) => {
        file?.write(chunk);
        this.chunks.emit(id, chunk);
        const lines = (pending + chunk.toString('utf8')).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) this.ctx.print(prefix() + line);
      });
      stream.on('end', () => {
        if (pending !== '') this.ctx.print(prefix() + pending);
        pending = '';
      });
    }
  }

  /** The log file of a process: HOME/logs/PROJECT/SERVICE[.N].log, one writer across its restarts. */
  private logFile(key: OutputKey): RunLogFile | null {
    if (this.logsDir === null) return null;
    const path = logLocation(this.logsDir, '', key).logPath;
    let file = this.files.get(path);
    if (file === undefined) {
      file = new RunLogFile(path, key.logs, (message) => this.ctx.note(message));
      this.files.set(path, file);
    }
    return file;
  }

  /** Closes every log file (the run ends). */
  close(): void {
    for (const f of this.files.values()) f.close();
  }

  reattach(): void {}

  flush(): void {}

  subscribe(key: OutputKey, onChunk: (chunk: Buffer) => void): () => void {
    const id = `${key.project}/${key.instances > 1 ? `${key.service}:${key.index}` : key.service}`;
    this.chunks.on(id, onChunk);
    return () => this.chunks.off(id, onChunk);
  }

  dispose(): void {}
}

/** Signals `run` passes on to every service's process group (SIGINT and SIGTERM stop them instead). */
const FORWARDED: NodeJS.Signals[] = ['SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGQUIT'];

export async function run(
  ctx: CliContext,
  services: string[],
  opts: { file?: string; exitWith?: string },
): Promise<number> {
  const file = resolve(opts.file ?? findConfigFile(process.cwd()));
  const spec = loadProject(file, { onWarning: (w) => ctx.note(formatWarning(w)) });
  if (opts.exitWith && !spec.services.some((s) => s.name === opts.exitWith)) {
    throw new CorralError('SERVICE_NOT_FOUND', `--exit-with: ${file} has no service "${opts.exitWith}"`);
  }
  // the logs go where the daemon of this home (--home, CORRAL_HOME) would write them; a home that
  // cannot be used (a read-only file system in a container) leaves the terminal alone
  const paths = ctx.paths;
  let home: HomePaths | null = paths;
  try {
    prepareHome(paths);
  } catch (e) {
    ctx.note(`${(e as Error).message} Running without log files.`);
    home = null;
  }
  closeInheritedFds(); // no service inherits a stray fd of our parent's
  // as PID 1 (a container) or a child subreaper, orphans of the services are ours to reap
  const subreaper = becomeSubreaper();
  const stopReaping = subreaper.ok ? startReaping() : () => {};
  const baseEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && k !== 'NOTIFY_SOCKET') baseEnv[k] = v;
  const output = new PrefixedOutput(
    ctx,
    spec.services.map((s) => s.name),
    home?.logsDir ?? null,
  );
  const summary = new RunSummary(spec.services.map((s) => s.name));
  const sockets = new SocketRegistry((message) => ctx.note(message));
  const notify = new RunNotify(home);
  const supervisor = new Supervisor({
    clock: systemClock,
    process: systemBackend,
    check: runCheck,
    output,
    baseEnv,
    emit: (event) => {
      summary.record(event);
      if (event.type === 'spawned' || event.type === 'ready') return;
      ctx.note(paint(ctx.color, 'gray', formatEvent(completeEvent(event, Date.now()))));
    },
    openNotify: (key, onMessage, o) => notify.open(key, onMessage, o.otherUser),
    listeners: (s) => sockets.get(s),
    releaseListeners: (s) => sockets.release(`${s.project}/${s.name}`),
    watchFiles,
  });
  const watched = spec.services.some((s) => s.watch.length > 0);

  return new Promise<number>((resolveExit) => {
    let ending = false;
    let exitCode = 0;
    let finished = false;
    const finish = (code: number): void => {
      if (finished) return;
      finished = true;
      supervisor.close();
      output.close();
      sockets.closeAll();
      void notify.close();
      for (const line of summary.lines()) ctx.note(line);
      resolveExit(code);
    };
    const end = (code: number): void => {
      if (ending) return;
      ending = true;
      exitCode = code;
      void supervisor.stopAll().then(() => {
        stopReaping();
        finish(exitCode);
      });
    };
    const onSignal = (sig: NodeJS.Signals): void => {
      if (!ending) {
        ctx.note(`${sig}: stopping every service (again to force)`);
        end(0);
        return;
      }
      for (const inst of supervisor.list()) if (inst.pid !== null) killGroup(inst.pid, 'SIGKILL');
      finish(130);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // `corral run | head`: the reader is gone; stop the services as Ctrl-C would, never orphan them
    whenOutputCloses(() => {
      ctx.note('the output was closed: stopping every service');
      end(0);
    });
    // other signals a container runtime or a user sends are passed on to every service
    const forward = (sig: NodeJS.Signals): void => {
      for (const inst of supervisor.list()) if (inst.pid !== null) killGroup(inst.pid, sig);
    };
    for (const sig of FORWARDED) process.on(sig, forward);

    // whether every service has ended; asked once the current turn is over, since a restart
    // (a save of a watched file) passes through stopped on its way back to starting
    let waitingForChanges = false;
    const allEnded = (): void => {
      if (ending) return;
      const all = supervisor.list();
      if (!all.every((i) => !i.active && !i.waiting)) {
        waitingForChanges = false;
        return;
      }
      if (watched) {
        if (!waitingForChanges)
          ctx.note('every service has ended; waiting for changes of watched files (Ctrl-C to stop)');
        waitingForChanges = true;
        return;
      }
      end(all.every((i) => i.state !== ProcessState.Failed && i.lastExit?.reason !== 'crashed') ? 0 : 1);
    };
    supervisor.on('change', (inst: Instance) => {
      if (ending) return;
      const ended = inst.state === ProcessState.Exited || inst.state === ProcessState.Failed;
      if (opts.exitWith && inst.service === opts.exitWith && ended) {
        end(inst.lastExit?.code ?? 1);
        return;
      }
      setImmediate(allEnded);
    });
    supervisor.apply(spec, services.length > 0 ? services : undefined);
  });
}
