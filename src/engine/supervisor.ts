// The supervisor: every project's services and their processes; applies configs, starts in
// dependency order, stops in reverse, answers for the status of each process.
import { EventEmitter } from 'node:events';
import type { ProjectSpec, ServiceSpec } from '../config/types.js';
import { CorralError } from '../errors.js';
import type { EngineHost } from './host.js';
import { Instance } from './instance.js';
import { MemoryGuard } from './memory.js';
import { resolveAddress } from './names.js';
import { blocker, stopWaves, withDependencies } from './order.js';
import type { LiveProcess, ProcessRecord } from './record.js';
import { ProcessState } from './states.js';
import { watchList, watchService } from './watch.js';

export interface ServiceEntry {
  spec: ServiceSpec;
  instances: Instance[];
  /** the watch of its `watch:` files, and the list it watches */
  watching?: { patterns: string; close(): void } | null;
}

export interface ProjectEntry {
  spec: ProjectSpec;
  services: Map<string, ServiceEntry>;
}

export interface ApplyResult {
  project: string;
  created: string[];
  changed: string[];
  removed: string[];
  unchanged: string[];
}

/** What the supervisor is given by whoever runs it (the daemon, `corral run`, a test). */
export type SupervisorHost = EngineHost;

/** Emits 'change' (instance) after every change of any process. */
export class Supervisor extends EventEmitter {
  readonly projects = new Map<string, ProjectEntry>();
  private readonly host: EngineHost;
  private scanning = false;
  private rescan = false;
  private readonly memory: MemoryGuard | null;
  private readonly changed = (inst: Instance): void => {
    this.emit('change', inst);
    this.startWaiting();
    this.memory?.update();
  };

  constructor(host: SupervisorHost) {
    super();
    this.setMaxListeners(0);
    this.host = host;
    const measure = host.measureMemory;
    this.memory = measure ? new MemoryGuard(host.clock, () => this.list(), measure) : null;
  }

  /** Stops the supervisor's own timers (the daemon is leaving). */
  close(): void {
    this.memory?.stop();
    this.unwatchAll();
  }

  /**
   * Makes a project match its definition: new services are created, changed ones restarted
   * (one instance at a time), removed ones stopped. Unchanged running services are not touched.
   * With `only`, just those services (and what they depend on) are started.
   */
  apply(spec: ProjectSpec, only?: readonly string[]): ApplyResult {
    for (const name of only ?? []) {
      if (!spec.services.some((s) => s.name === name)) {
        throw new CorralError('SERVICE_NOT_FOUND', `Project ${spec.name} has no service "${name}"`);
      }
    }
    const result: ApplyResult = { project: spec.name, created: [], changed: [], removed: [], unchanged: [] };
    let entry = this.projects.get(spec.name);
    if (!entry) {
      entry = { spec, services: new Map() };
      this.projects.set(spec.name, entry);
    }
    entry.spec = spec;
    const wanted = only && only.length > 0 ? withDependencies(spec.services, only) : null;
    const next = new Set(spec.services.map((s) => s.name));
    for (const [name, service] of entry.services) {
      if (next.has(name)) continue;
      result.removed.push(name);
      entry.services.delete(name);
      this.unwatch(service);
      void this.retire(service.instances);
    }
    const rollouts: ServiceEntry[] = [];
    for (const svc of spec.services) {
      const existing = entry.services.get(svc.name);
      const start = wanted ? wanted.has(svc.name) : svc.autostart;
      if (!existing) {
        const created: ServiceEntry = { spec: svc, instances: [] };
        for (let i = 0; i < svc.instances; i++) created.instances.push(this.instance(svc, i));
        entry.services.set(svc.name, created);
        for (const inst of created.instances) inst.waiting = start;
        result.created.push(svc.name);
        continue;
      }
      if (sameDefinition(existing.spec, svc)) {
        existing.spec = svc;
        for (const inst of existing.instances) inst.update(svc); // same content, the current object
        this.resize(existing, svc);
        result.unchanged.push(svc.name);
        // a one-shot that already ran to completion with this definition is not run again
        for (const inst of existing.instances) {
          if (start && (inst.state === ProcessState.Stopped || inst.state === ProcessState.Failed)) {
            inst.waiting = true;
          }
        }
        continue;
      }
      result.changed.push(svc.name);
      existing.spec = svc;
      this.resize(existing, svc);
      if (existing.instances.some((i) => i.active)) rollouts.push(existing);
      else {
        for (const inst of existing.instances) {
          inst.update(svc);
          inst.waiting = start;
        }
      }
    }
    for (const r of rollouts) void this.rollOut(r);
    for (const svc of entry.services.values()) this.watch(svc);
    this.startWaiting();
    return result;
  }

  /**
   * Takes up a project a previous daemon ran: each process is restored from its record, adopting
   * the live process `live(record)` names, if any. Returns the names of the adopted processes.
   */
  restore(
    spec: ProjectSpec,
    records: readonly ProcessRecord[],
    live: (rec: ProcessRecord) => LiveProcess | null,
  ): string[] {
    const entry: ProjectEntry = { spec, services: new Map() };
    this.projects.set(spec.name, entry);
    const byName = new Map(records.map((r) => [r.name, r]));
    const adopted: string[] = [];
    for (const svc of spec.services) {
      const service: ServiceEntry = { spec: svc, instances: [] };
      entry.services.set(svc.name, service);
      for (let i = 0; i < svc.instances; i++) {
        const inst = this.instance(svc, i);
        service.instances.push(inst);
        const rec = byName.get(inst.name) ?? blankRecord(inst);
        const found = live(rec);
        inst.restore(rec, found);
        if (found) adopted.push(inst.name);
      }
      this.watch(service); // an adopted process is not restarted by this
    }
    this.startWaiting();
    return adopted;
  }

  /** Stops watching every process and leaves them running (for a daemon that exits keeping services). */
  detachAll(): void {
    this.unwatchAll();
    for (const inst of this.list()) inst.detach();
  }

  /** Stops every process of a project in reverse dependency order and forgets the project. */
  async removeProject(name: string): Promise<void> {
    const entry = this.projects.get(name);
    if (!entry) throw new CorralError('PROJECT_NOT_FOUND', `No project named "${name}" is loaded`);
    await this.stopProject(entry);
    // a process that outlived its SIGKILL keeps its project loaded: forgetting it would lose it
    const alive = [...entry.services.values()].flatMap((s) => s.instances).filter((i) => i.pid !== null);
    if (alive.length > 0) {
      const names = alive.map((i) => `${i.name} (pid ${i.pid})`);
      throw new CorralError(
        'STOP_FAILED',
        `${name} was not removed: ${names.join(', ')} could not be stopped and may still run (${alive[0].message ?? 'still alive'}). Stop it by hand, then run corral down again`,
        { project: name, still_running: alive.map((i) => i.name) },
      );
    }
    this.projects.delete(name);
    for (const svc of entry.services.values()) {
      this.unwatch(svc);
      this.forget(svc.instances);
    }
  }

  /** Lets go of what removed instances hold: notify sockets, log channels. */
  private forget(instances: readonly Instance[]): void {
    for (const inst of instances) {
      inst.dispose();
      this.host.output.dispose(inst.outputKey);
      // the last instance of a service that is gone: its listening sockets go too
      const svc = this.projects.get(inst.project)?.services.get(inst.service);
      if (inst.index === 0 && inst.spec.sockets.length > 0 && !svc?.instances.includes(inst)) {
        this.host.releaseListeners?.(inst.spec);
      }
    }
  }

  /** Every process, in project and file order. */
  list(): Instance[] {
    const out: Instance[] = [];
    for (const p of this.projects.values()) for (const s of p.services.values()) out.push(...s.instances);
    return out;
  }

  /** An instance still on an older definition, waiting for its turn in a rolling restart. */
  isOutdated(inst: Instance): boolean {
    const svc = this.projects.get(inst.project)?.services.get(inst.service);
    return svc !== undefined && inst.spec !== svc.spec;
  }

  /** Finds the processes a user's name means; throws NOT_FOUND or AMBIGUOUS_NAME. */
  resolve(text: string): Instance[] {
    return resolveAddress(this.projects, text);
  }

  /** Starts processes; their dependencies come first when they are not running yet. */
  start(instances: readonly Instance[]): void {
    for (const inst of instances) {
      inst.waiting = true;
      const project = this.projects.get(inst.project);
      if (!project) continue;
      for (const dep of withDependencies(project.spec.services, [inst.service])) {
        if (dep === inst.service) continue;
        for (const d of project.services.get(dep)?.instances ?? []) {
          if (d.state === ProcessState.Stopped || d.state === ProcessState.Failed) d.waiting = true;
        }
      }
    }
    this.startWaiting();
  }

  /** Stops processes together, dependents before what they depend on within each project. */
  async stop(instances: readonly Instance[]): Promise<void> {
    for (const inst of instances) inst.waiting = false;
    const byProject = new Map<string, Instance[]>();
    for (const inst of instances) byProject.set(inst.project, [...(byProject.get(inst.project) ?? []), inst]);
    await Promise.all(
      [...byProject].map(async ([project, chosen]) => {
        // waves of the whole project, so an order through services not named is kept too
        const specs = [...(this.projects.get(project)?.services.values() ?? [])].map((s) => s.spec);
        for (const wave of stopWaves(specs)) {
          const names = new Set(wave.map((s) => s.name));
          await Promise.all(chosen.filter((i) => names.has(i.service)).map((i) => i.stop()));
        }
      }),
    );
  }

  async restart(instances: readonly Instance[]): Promise<void> {
    await this.stop(instances);
    for (const inst of instances) inst.start();
  }

  /** Stops every project, each in reverse dependency order, projects in parallel. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.projects.values()].map((p) => this.stopProject(p)));
  }

  private async stopProject(entry: ProjectEntry): Promise<void> {
    const specs = [...entry.services.values()].map((s) => s.spec);
    for (const wave of stopWaves(specs)) {
      await Promise.all(
        wave.map((spec) => {
          const svc = entry.services.get(spec.name)!;
          for (const inst of svc.instances) inst.waiting = false;
          return Promise.all(svc.instances.map((i) => i.stop()));
        }),
      );
    }
  }

  /** Starts every waiting service whose dependencies now hold; says why the others wait. */
  private startWaiting(): void {
    // changes made here call back in: run once more afterwards instead of recursing
    if (this.scanning) {
      this.rescan = true;
      return;
    }
    this.scanning = true;
    try {
      do {
        this.rescan = false;
        this.scanWaiting();
      } while (this.rescan);
    } finally {
      this.scanning = false;
    }
  }

  private scanWaiting(): void {
    for (const project of this.projects.values()) {
      for (const svc of project.services.values()) {
        for (const inst of svc.instances) if (!inst.waiting) inst.unwait();
        if (!svc.instances.some((i) => i.waiting)) continue;
        const why = blocker(project.services, svc.spec);
        for (const inst of svc.instances) {
          if (!inst.waiting) continue;
          if (why === null) {
            inst.waiting = false;
            inst.start();
          } else inst.wait(why);
        }
      }
    }
  }

  /** Restarts a changed service one instance at a time, each waiting for the previous to be ready. */
  private async rollOut(svc: ServiceEntry): Promise<void> {
    const spec = svc.spec;
    for (const [i, inst] of svc.instances.entries()) {
      if (svc.spec !== spec) return; // a newer definition took over, with its own rollout
      await inst.stop();
      if (svc.spec !== spec) return;
      inst.update(spec);
      inst.start();
      await this.settled(inst);
      if (inst.state === ProcessState.Running || svc.spec !== spec) continue;
      // the new definition does not come up: the rest keep running the one they have
      const rest = svc.instances.slice(i + 1).filter((r) => r.spec !== spec);
      const why = `${inst.name} did not become ready on the new definition (${inst.state}${inst.message ? `: ${inst.message}` : ''})`;
      for (const r of rest) {
        r.message = `rolling restart stopped: ${why}; still on the previous definition`;
        this.emit('change', r);
      }
      this.host.emit({
        type: 'failed',
        project: inst.project,
        service: inst.service,
        message: `rolling restart stopped: ${why}; ${rest.length} of ${svc.instances.length} instances left on the previous definition`,
      });
      return;
    }
  }

  /** Resolves once an instance is no longer starting. */
  private settled(inst: Instance): Promise<void> {
    if (inst.state !== ProcessState.Starting) return Promise.resolve();
    return new Promise((resolve) => {
      const onChange = (changed: Instance): void => {
        if (changed !== inst || inst.state === ProcessState.Starting) return;
        this.off('change', onChange);
        resolve();
      };
      this.on('change', onChange);
    });
  }

  /** Watches a service's `watch:` files (again when the list changed); stops when it has none. */
  private watch(svc: ServiceEntry): void {
    const patterns = JSON.stringify(watchList(svc.spec));
    if (svc.watching?.patterns === patterns) return;
    this.unwatch(svc);
    const { project, name } = svc.spec;
    const watching = watchService(
      this.host,
      svc.spec,
      (message) => this.restartOnChange(svc, message),
      (message) => this.host.emit({ type: 'watch-failed', project, service: name, message }),
    );
    svc.watching = watching && { patterns, close: watching.close };
  }

  private unwatch(svc: ServiceEntry): void {
    svc.watching?.close();
    svc.watching = null;
  }

  private unwatchAll(): void {
    for (const p of this.projects.values()) for (const svc of p.services.values()) this.unwatch(svc);
  }

  /**
   * A burst of changes of a service's files: every instance that runs, starts, waits to restart
   * or has ended is restarted (as `restart` does, with its ready check); a stopped one is left.
   */
  private restartOnChange(svc: ServiceEntry, message: string): void {
    for (const inst of svc.instances) {
      const live = inst.state === ProcessState.Starting || inst.state === ProcessState.Running;
      const ended =
        inst.state === ProcessState.Backoff ||
        inst.state === ProcessState.Exited ||
        inst.state === ProcessState.Failed;
      if (!live && !ended) continue;
      this.host.emit({
        type: 'restart-scheduled',
        project: inst.project,
        service: inst.service,
        instance: inst.index,
        pid: inst.pid,
        reason: 'file-changed',
        delay_ms: 0,
        message,
      });
      // the start waits for the stop to end (Instance.start while stopping)
      if (live) void inst.stop();
      inst.start();
    }
  }

  /** Grows or shrinks a service to spec.instances. */
  private resize(svc: ServiceEntry, spec: ServiceSpec): void {
    while (svc.instances.length < spec.instances) {
      svc.instances.push(this.instance(spec, svc.instances.length));
    }
    if (svc.instances.length > spec.instances) void this.retire(svc.instances.splice(spec.instances));
  }

  private async retire(instances: Instance[]): Promise<void> {
    await Promise.all(instances.map((i) => i.stop()));
    this.forget(instances);
  }

  private instance(spec: ServiceSpec, index: number): Instance {
    return new Instance(spec, index, this.host, this.changed);
  }
}

/** Two definitions are the same when nothing but the instance count differs (within 1 or >1). */
function sameDefinition(a: ServiceSpec, b: ServiceSpec): boolean {
  if (a.instances !== b.instances && (a.instances === 1 || b.instances === 1)) return false;
  // `watch:` is not part of what runs: a new list is watched without a restart
  return (
    JSON.stringify({ ...a, instances: 0, watch: undefined }) ===
    JSON.stringify({ ...b, instances: 0, watch: undefined })
  );
}

/** The record of a process no state file mentions (a corrupt or missing one). */
function blankRecord(inst: Instance): ProcessRecord {
  return {
    ...inst.record(),
    state: ProcessState.Running,
    pid: null,
  };
}
