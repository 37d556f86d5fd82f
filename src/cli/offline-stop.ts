// Stopping a home's services when no daemon runs (it was SIGKILLed, or stopped keeping them):
// what `down` and `daemon stop` do then, as a daemon would, from the CLI.
//
// The CLI takes the home's lock first, so no daemon starts (and adopts what is being stopped)
// meanwhile. Each project stops in reverse dependency order, the services of one wave in
// parallel, each with its own stop signal and timeout, then SIGKILL to its group (stopGroup).
// Their output, and whatever waited in the log FIFOs while no daemon ran, is moved into the log
// files on the way. The events journal gets `stopping` and `stopped` for each process. Then:
// `down` removes its projects from state.json and projects.json; `daemon stop` keeps them,
// each process recorded as stopped (so the next daemon starts nothing). The exit status of a
// process stopped this way is not known (the CLI is not its parent): `last_exit` has code and
// signal null, with reason `stopped-by-user` or `killed-after-timeout`. When no process of the
// home is left, the FIFO keeper goes too: nothing is left to keep.
import { closeSync, lstatSync, readFileSync } from 'node:fs';
import type { ProjectSpec, ServiceSpec } from '../config/types.js';
import type { HomePaths } from '../daemon/home.js';
import { findOwnProcesses } from '../daemon/recover.js';
import { claimHome } from '../daemon/single.js';
import { stopSocketKeepers } from '../daemon/socket-keeper.js';
import { replay } from '../daemon/takeover.js';
import { DEFAULTS } from '../defaults.js';
import { stopWaves } from '../engine/order.js';
import type { ProcessRecord } from '../engine/record.js';
import { ProcessState } from '../engine/states.js';
import { CorralError, isCorralError } from '../errors.js';
import { createLogger, fileSink, type Logger } from '../log.js';
import { LogHub } from '../logs/index.js';
import { FifoKeeper, keptStartTimes } from '../logs/keeper.js';
import { logLocation } from '../logs/router.js';
import { EpollLoop } from '../process/event-loop.js';
import { killGroupAndWait, stopGroup } from '../process/kill.js';
import { PidWatcher } from '../process/pidwatch.js';
import { bootId, type ProcessIdentity, sameProcess } from '../process/procfs.js';
import { writeFileAtomic } from '../state/atomic.js';
import { EventJournal, eventsAfter, type JournalPosition } from '../state/journal.js';
import { homeOnDisk, type LiveService } from './offline-services.js';

export interface OfflineStopRequest {
  /** the projects to stop; null: every project, and every live process of the home */
  projects: string[] | null;
  /** true (down): forget the projects stopped; false (daemon stop): keep them, recorded as stopped */
  forget: boolean;
  /** the command, for the events: "corral down" */
  by: string;
}

export interface OfflineStopResult {
  /** stopped, with whether SIGKILL was needed */
  stopped: Array<{ svc: LiveService; killed: boolean }>;
  /** still alive after SIGKILL, or could not be signalled; their projects are kept */
  failed: Array<{ svc: LiveService; why: string }>;
  /** projects removed from the state files (down only) */
  removed: string[];
  /** requested projects neither on disk nor running */
  unknown: string[];
  /** what was wrong with state.json or projects.json (each set aside) */
  problems: string[];
  /** true when the FIFO keeper was stopped (no process of the home left) */
  keeperStopped: boolean;
}

/** Stops what `req` names of the home `paths` while no daemon runs; holds the home's lock meanwhile. */
export async function stopWithoutDaemon(
  paths: HomePaths,
  req: OfflineStopRequest,
): Promise<OfflineStopResult> {
  let lockFd: number;
  try {
    lockFd = await claimHome(paths);
  } catch (e) {
    if (!isCorralError(e) || e.code !== 'DAEMON_RUNNING') throw e;
    throw new CorralError(
      'DAEMON_RUNNING',
      `${e.message}, but it did not answer; it may be starting: try again (see ${paths.daemonLog})`,
    );
  }
  const sink = fileSink(paths.daemonLog, { mode: 0o600, backlogBytes: 0 });
  const logger = createLogger(sink, { level: 'info', base: { pid: process.pid, component: 'cli' } });
  const journal = new EventJournal(paths.eventsFile);
  try {
    return await stopLocked(paths, req, logger, journal);
  } finally {
    journal.close();
    sink.close();
    closeSync(lockFd);
  }
}

// The stop itself, the home's lock held.
async function stopLocked(
  paths: HomePaths,
  req: OfflineStopRequest,
  logger: Logger,
  journal: EventJournal,
): Promise<OfflineStopResult> {
  const disk = homeOnDisk(paths);
  const inScope = (project: string): boolean => req.projects === null || req.projects.includes(project);
  const targets = disk.live.filter((l) => inScope(l.project));
  const known = new Set([...disk.projects.map((p) => p.name), ...disk.live.map((l) => l.project)]);
  const result: OfflineStopResult = {
    stopped: [],
    failed: [],
    removed: [],
    unknown: (req.projects ?? []).filter((p) => !known.has(p)),
    problems: disk.problems,
    keeperStopped: false,
  };

  // every FIFO of the home is drained into its log: what the services write while they stop, and
  // what waited there while no daemon ran (the keeper may go once nothing runs)
  const hub = new LogHub({ logger });
  const channels = openChannels(hub, paths, disk.projects);
  const loop = new EpollLoop(
    () => {},
    (err) => logger.error({ err }, 'the wait for exits failed'),
  );
  const pids = new PidWatcher(loop);
  try {
    const byProject = new Map<string, LiveService[]>();
    for (const t of targets) byProject.set(t.project, [...(byProject.get(t.project) ?? []), t]);
    await Promise.all(
      [...byProject].map(async ([project, live]) => {
        const spec = disk.projects.find((p) => p.name === project);
        for (const wave of inStopOrder(live, spec)) {
          await Promise.all(
            wave.map(async (svc) => {
              const service = spec?.services.find((s) => s.name === svc.service);
              const outcome = await stopOne(svc, service, pids, journal, req.by);
              if (outcome.gone) result.stopped.push({ svc, killed: outcome.killed });
              else result.failed.push({ svc, why: outcome.why });
            }),
          );
        }
      }),
    );
  } finally {
    pids.close();
    await loop.close();
  }
  const keptProjects = new Set(result.failed.map((f) => f.svc.project));
  const forgotten = req.forget ? [...known].filter((p) => inScope(p) && !keptProjects.has(p)) : [];
  for (const c of channels) {
    hub.close(c.id, { drain: true, remove: forgotten.includes(c.project) });
  }
  await hub.closeAll();

  if (req.forget) {
    forgetProjects(paths, forgotten);
    result.removed = forgotten;
  } else {
    recordStopped(paths, inScope, result, journal);
  }
  if (findOwnProcesses(paths.dir, paths.runDir).size === 0) {
    // gone when the command returns: a SIGKILLed process still runs until it is scheduled
    const keepers = new FifoKeeper(paths.dir, {}, logger).stop();
    await Promise.all(keepers.map((pid) => killGroupAndWait(pid)));
    stopSocketKeepers(paths.dir);
    result.keeperStopped = true;
  }
  return result;
}

/** Opens a log channel on every FIFO of the home's projects that exists (none is created). */
function openChannels(
  hub: LogHub,
  paths: HomePaths,
  projects: readonly ProjectSpec[],
): Array<{ id: string; project: string }> {
  const opened: Array<{ id: string; project: string }> = [];
  for (const project of projects) {
    for (const svc of project.services) {
      for (let index = 0; index < svc.instances; index++) {
        const key = { project: project.name, service: svc.name, index, instances: svc.instances };
        const loc = logLocation(paths.logsDir, paths.runDir, key);
        try {
          if (!lstatSync(loc.fifoPath).isFIFO()) continue;
        } catch {
          continue; // never ran
        }
        hub.open({ ...loc, ...svc.logs });
        opened.push({ id: loc.id, project: project.name });
      }
    }
  }
  return opened;
}

/** The live processes of one project in stop waves: dependents first; services not defined, first of all. */
function inStopOrder(live: readonly LiveService[], spec: ProjectSpec | undefined): LiveService[][] {
  const defined = new Set(spec?.services.map((s) => s.name) ?? []);
  const waves = [live.filter((l) => !defined.has(l.service))];
  for (const wave of stopWaves(spec?.services ?? [])) {
    const names = new Set(wave.map((s) => s.name));
    waves.push(live.filter((l) => names.has(l.service)));
  }
  return waves.filter((w) => w.length > 0);
}

/** Stops one process's group with its service's stop signal and timeout, then SIGKILL. */
async function stopOne(
  svc: LiveService,
  service: ServiceSpec | undefined,
  pids: PidWatcher,
  journal: EventJournal,
  by: string,
): Promise<{ gone: true; killed: boolean } | { gone: false; why: string }> {
  const stop = service?.stop ?? DEFAULTS.stop;
  const base = { project: svc.project, service: svc.service, instance: svc.instance, pid: svc.pid };
  journal.record({ type: 'stopping', ...base, signal: stop.signal, message: `no daemon was running: ${by}` });
  const exited = exitOf({ pid: svc.pid, startTime: svc.startTime, bootId: bootId() }, pids);
  const r = await stopGroup(svc.pid, { signal: stop.signal, timeoutMs: stop.timeoutMs, exited });
  if (!r.gone) {
    const why = r.failure?.message ?? `still alive ${DEFAULTS.internal.killWaitMs} ms after SIGKILL`;
    journal.record({ type: 'failed', ...base, message: `could not stop pid ${svc.pid}: ${why}` });
    return { gone: false, why };
  }
  const reason = r.killed ? 'killed-after-timeout' : 'stopped-by-user';
  journal.record({ type: 'stopped', ...base, reason, message: `no daemon was running: ${by}` });
  return { gone: true, killed: r.killed };
}

/** Settles when the process `id` names has exited (a pidfd; /proc where no pidfd can be had). */
function exitOf(id: ProcessIdentity, pids: PidWatcher): Promise<void> {
  return new Promise((resolve) => {
    try {
      pids.watch(id, () => resolve());
    } catch {
      // no pidfd (Linux < 5.3): look again at growing intervals; stopGroup's deadline bounds the wait
      const deadline = Date.now() + DEFAULTS.internal.stopExitWaitMs * 4;
      const look = (delay: number): void => {
        if (!sameProcess(id)) resolve();
        else if (Date.now() < deadline) setTimeout(() => look(Math.min(delay * 2, 100)), delay);
      };
      look(5);
    }
  });
}

// The JSON of a state file, or null when it is missing or not JSON (readState has set it aside).
function readJson(path: string): Record<string, unknown> | null {
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return data !== null && typeof data === 'object' ? (data as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Removes projects (and their records) from state.json and projects.json; other fields are kept. */
function forgetProjects(paths: HomePaths, names: readonly string[]): void {
  if (names.length === 0) return;
  const gone = (p: { name?: string; project?: string }): boolean => names.includes(p.project ?? p.name ?? '');
  for (const file of [paths.stateFile, paths.projectsFile]) {
    const data = readJson(file);
    if (data === null) continue;
    if (Array.isArray(data.projects))
      data.projects = (data.projects as ProjectSpec[]).filter((p) => !gone(p));
    if (Array.isArray(data.processes))
      data.processes = (data.processes as ProcessRecord[]).filter((r) => !names.includes(r.project));
    writeFileAtomic(file, `${JSON.stringify(data, null, 1)}\n`);
  }
}

/**
 * Records the processes of the projects in scope as stopped in state.json, so the next daemon
 * starts none of them: a process stopped here is `stopped` with no pid; one that could not be
 * stopped, or that had died while no daemon ran, is `stopping` with its pid (the next daemon
 * stops it again, or records its end); one waiting or in backoff is `stopped`.
 */
function recordStopped(
  paths: HomePaths,
  inScope: (p: string) => boolean,
  result: OfflineStopResult,
  journal: EventJournal,
): void {
  const data = readJson(paths.stateFile);
  if (data === null || !Array.isArray(data.processes)) return;
  // the snapshot may lag the journal (a daemon killed before its last write): the events after it
  // are brought in first, as the next daemon would, so that none of them (a `ready` after the
  // snapshot, say) is replayed later over what this stop records; the snapshot then stands where
  // the journal ends, after this stop's own events
  const position = data.journal as JournalPosition | null | undefined;
  const later = position ? eventsAfter(paths.eventsFile, position) : null;
  if (later && later.length > 0)
    replay(data.processes as ProcessRecord[], later, keptStartTimes(paths.dir), bootId());
  data.journal = journal.position() ?? position ?? null;
  const now = Date.now();
  const stopped = new Map(result.stopped.map((s) => [s.svc.name, s.killed]));
  const settled: string[] = [ProcessState.Stopped, ProcessState.Exited, ProcessState.Failed];
  data.processes = (data.processes as ProcessRecord[]).map((rec): ProcessRecord => {
    if (!inScope(rec.project)) return rec;
    const killed = stopped.get(rec.name);
    if (killed !== undefined) {
      const reason = killed ? 'killed-after-timeout' : 'stopped-by-user';
      return {
        ...rec,
        state: ProcessState.Stopped,
        pid: null,
        start_time: null,
        boot_id: null,
        waiting: false,
        next_start_at: null,
        message: null,
        last_exit: { code: null, signal: null, reason, at: now },
      };
    }
    if (rec.pid !== null)
      return { ...rec, state: ProcessState.Stopping, waiting: false, next_start_at: null };
    if (settled.includes(rec.state)) return rec;
    return { ...rec, state: ProcessState.Stopped, waiting: false, next_start_at: null, message: null };
  });
  writeFileAtomic(paths.stateFile, `${JSON.stringify(data, null, 1)}\n`);
}

/** What a user reads of an offline stop: one line per process, then what was wrong; and whether all stopped. */
export function describeOfflineStop(r: OfflineStopResult): { lines: string[]; ok: boolean } {
  const lines = [...r.problems];
  for (const { svc, killed } of r.stopped) {
    lines.push(
      `${svc.name} (pid ${svc.pid}): ${killed ? 'killed with SIGKILL after its stop timeout' : 'stopped'}`,
    );
  }
  for (const { svc, why } of r.failed) {
    lines.push(
      `${svc.name} (pid ${svc.pid}): could not be stopped (${why}); it may still run: kill it by hand (kill -KILL -${svc.pid})`,
    );
  }
  return { lines, ok: r.failed.length === 0 };
}
