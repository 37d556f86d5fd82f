// What the page knows of the daemon: every process's status, kept live from the event stream (an
// event names a process, service or project, and only that is read again), the CPU and memory
// history the sparklines draw, the event timeline and the projects' definitions. Changes are
// announced to one listener, which draws them at the next animation frame.
import { getJson, servicePath } from './api.js';
import { eventTarget } from './format.js';

/** Whether `name` (a process, service or project name) covers the process `p`. */
function covers(name, p) {
  if (name === p.name) return true;
  if (name === p.project) return true;
  return name === `${p.project}/${p.service}` || name === `${p.project}/${p.service}:${p.instance}`;
}

export class Store {
  constructor(settings, onChange) {
    this.settings = settings;
    this.onChange = onChange;
    /** name -> ProcessStatus, with `seenAt` (ms, this page's clock) of the read it came from */
    this.procs = new Map();
    /** whether the first list was read */
    this.loaded = false;
    /** the pid of the daemon the list was read from (its /v1/health) */
    this.daemonPid = null;
    /** name -> { t: number[], cpu: number[], mem: number[] } over the last sparklineMs */
    this.usage = new Map();
    /** events, oldest first, at most eventsKept */
    this.events = [];
    /** project name -> its definition (GET /v1/projects) */
    this.projects = new Map();
    this.pending = new Set();
    this.inFlight = 0;
    this.pumpQueued = false;
    /** membership or order of the rows may have changed (a process came or went, a sort key changed) */
    this.version = 0;
    this.onError = () => {};
  }

  /** Takes the whole list (the first read, or after the daemon said the stream restarted). */
  replaceAll(list) {
    const now = Date.now();
    const next = new Map();
    for (const p of list) next.set(p.name, { ...p, seenAt: now });
    this.procs = next;
    this.loaded = true;
    for (const p of list) this.sample(p.name, now, p.cpu, p.memory);
    this.version++;
    this.onChange('rows');
  }

  /** Merges the answer to a read of `name`: the processes it covers now, none of the others. */
  applyRead(name, list) {
    const now = Date.now();
    const seen = new Set();
    for (const p of list) {
      seen.add(p.name);
      this.procs.set(p.name, { ...p, seenAt: now });
      this.sample(p.name, now, p.cpu, p.memory);
    }
    for (const [n, p] of this.procs) {
      if (!seen.has(n) && covers(name, p)) {
        this.procs.delete(n);
        this.usage.delete(n);
      }
    }
    this.version++;
    this.onChange('rows');
  }

  /** One sample of the usage stream: CPU and memory of every running process. */
  applyUsage(sample) {
    const t = Date.parse(sample.time) || Date.now();
    for (const u of sample.processes ?? []) {
      const p = this.procs.get(u.name);
      if (p && (p.pid === u.pid || p.pid === null)) {
        p.cpu = u.cpu;
        p.memory = u.memory;
      }
      this.sample(u.name, t, u.cpu, u.memory);
    }
    this.onChange('usage');
  }

  // Adds one point to a process's history, dropping what is older than the sparklines reach.
  sample(name, t, cpu, mem) {
    if (cpu === null || cpu === undefined) return;
    let h = this.usage.get(name);
    if (!h) {
      h = { t: [], cpu: [], mem: [] };
      this.usage.set(name, h);
    }
    const last = h.t.length - 1;
    if (last >= 0 && t - h.t[last] < 1000) {
      h.cpu[last] = cpu;
      h.mem[last] = mem ?? 0;
      return;
    }
    h.t.push(t);
    h.cpu.push(cpu);
    h.mem.push(mem ?? 0);
    const oldest = t - this.settings.sparklineMs;
    let drop = 0;
    while (drop < h.t.length && h.t[drop] < oldest) drop++;
    if (drop > 0) {
      h.t.splice(0, drop);
      h.cpu.splice(0, drop);
      h.mem.splice(0, drop);
    }
  }

  /** One event of the journal; `live` when it happened after the list was read (so it may change a row). */
  addEvent(e, live) {
    this.events.push(e);
    if (this.events.length > this.settings.eventsKept) {
      this.events.splice(0, this.events.length - this.settings.eventsKept);
    }
    this.onChange('events');
    if (!live) return;
    if (e.type === 'daemon-started') {
      // the daemon whose list was read is no news (its start can fall within the page's
      // "live" window); only another one means the list may have changed
      if (e.pid !== null && e.pid === this.daemonPid) return;
      this.daemonPid = e.pid;
      this.reloadAll();
      return;
    }
    if (e.type === 'config-applied' && e.project) {
      this.loadProjects();
      this.refresh(e.project);
      return;
    }
    const name = eventTarget(e);
    if (name) this.refresh(name);
  }

  /** The events about process `p` (or every event, for null), newest first. */
  eventsOf(p) {
    const out = [];
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i];
      if (
        p === null ||
        (e.project === p.project &&
          e.service === p.service &&
          (e.instance === null || e.instance === undefined || e.instance === p.instance))
      ) {
        out.push(e);
      }
    }
    return out;
  }

  /** Asks the daemon again about `name` (a process, service or project), batched with the other asks of this turn. */
  refresh(name) {
    this.pending.add(name);
    if (!this.pumpQueued) {
      this.pumpQueued = true;
      setTimeout(() => this.pump(), 16);
    }
  }

  // Sends the pending reads, at most refreshConcurrency at once; several processes of one
  // service become one read of the service, and what a pending project covers is not read twice.
  pump() {
    this.pumpQueued = false;
    if (this.pending.size === 0) return;
    const names = [...this.pending];
    const projects = new Set(names.filter((n) => !n.includes('/')));
    const perService = new Map();
    for (const n of names) {
      if (projects.has(n)) continue;
      const slash = n.indexOf('/');
      if (projects.has(n.slice(0, slash))) continue;
      const colon = n.indexOf(':', slash);
      const service = colon < 0 ? n : n.slice(0, colon);
      const list = perService.get(service) ?? [];
      list.push(n);
      perService.set(service, list);
    }
    const batch = [...projects];
    for (const [service, list] of perService) {
      batch.push(list.length > 1 || list[0] === service ? service : list[0]);
    }
    this.pending.clear();
    for (const n of batch) this.pending.add(n);
    while (this.inFlight < this.settings.refreshConcurrency && this.pending.size > 0) {
      const name = this.pending.values().next().value;
      this.pending.delete(name);
      this.inFlight++;
      this.read(name).finally(() => {
        this.inFlight--;
        if (this.pending.size > 0 && !this.pumpQueued) this.pump();
      });
    }
  }

  // One read of a name; gone (404): the processes it covered are gone too.
  async read(name) {
    try {
      this.applyRead(name, await getJson(servicePath(name)));
    } catch (err) {
      if (err.status === 404) this.applyRead(name, []);
      else this.onError(err);
    }
  }

  /** Reads every process again (at start, when a new daemon started, after a stream reset). */
  async reloadAll() {
    this.replaceAll(await getJson('/v1/services'));
  }

  /** Reads the projects' definitions (environment secrets masked). */
  async loadProjects() {
    try {
      const list = await getJson('/v1/projects?secrets=0');
      this.projects = new Map(list.map((p) => [p.name, p]));
      this.onChange('projects');
    } catch (err) {
      this.onError(err);
    }
  }

  /** The definition of a process's service, or null. */
  definitionOf(p) {
    return this.projects.get(p.project)?.services.find((s) => s.name === p.service) ?? null;
  }
}
