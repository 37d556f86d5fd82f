// corral export nomad: one job, a group per service (count from instances), the raw_exec driver,
// restart and check blocks, and one-shot dependencies as prestart tasks; written as the jobs API's
// JSON and as HCL (nomad-hcl.ts). Mapping table: docs/export.md.
import type { HealthSpec, ProjectSpec, ServiceSpec } from '../config/types.js';
import { parseListenSpec } from '../listen-spec.js';
import { changedBackoff, changedLogs, changedSuccessCodes, Findings, oneShots } from './findings.js';
import { dnsLabel } from './names.js';
import { nomadHcl } from './nomad-hcl.js';
import type { ExportResult } from './types.js';

type Obj = Record<string, unknown>;

/** Nanoseconds, as the jobs API counts durations. */
const ns = (ms: number): number => Math.round(ms * 1_000_000);
const MB = 1024 * 1024;
// the least memory and the shortest check interval Nomad accepts
const MIN_MEMORY_MB = 10;
const MIN_CHECK_INTERVAL_MS = 1000;

// interpolated by Nomad when the task starts: the allocation's index in its group
const ALLOC_INDEX = ['$', '{NOMAD_ALLOC_INDEX}'].join('');

// sh runs the service in its directory (and with its umask), then execs it: raw_exec has neither
const PRELUDE = 'cd "$1" && shift && exec "$@"';

/** The job of a project, as API JSON and HCL, and what it could not say. */
export function exportNomad(project: ProjectSpec): ExportResult {
  const findings = new Findings();
  const once = oneShots(project.services);
  const groups: Obj[] = [];
  for (const s of project.services) {
    if (once.has(s.name)) {
      const users = project.services.filter(
        (x) => x.dependsOn[s.name] === 'succeeded' || x.dependsOn[s.name] === 'completed',
      );
      findings.add(
        s.name,
        'restart',
        'approximated',
        `runs as a prestart task in the group of ${users.map((u) => u.name).join(', ')}: once per allocation of each`,
      );
      continue;
    }
    groups.push(group(project, s, once, findings));
  }
  const job = {
    ID: project.name,
    Name: project.name,
    Type: 'service',
    Datacenters: ['*'],
    TaskGroups: groups,
  };
  return {
    files: [
      { name: `${project.name}.nomad.json`, content: `${JSON.stringify({ Job: job }, null, 2)}\n` },
      { name: `${project.name}.nomad.hcl`, content: nomadHcl(job) },
    ],
    findings: findings.list,
  };
}

function group(project: ProjectSpec, s: ServiceSpec, once: Set<string>, f: Findings): Obj {
  const ports = new Map<number, string>();
  const tasks: Obj[] = [];
  for (const [dep, cond] of Object.entries(s.dependsOn)) {
    const d = project.services.find((x) => x.name === dep);
    if (d === undefined) continue;
    if (once.has(dep) && (cond === 'succeeded' || cond === 'completed')) {
      tasks.push({ ...task(d, ports, f, true), Lifecycle: { Hook: 'prestart', Sidecar: false } });
      if (cond === 'completed')
        f.add(
          s.name,
          `depends_on.${dep}`,
          'approximated',
          'a prestart task must succeed; any exit is not expressible',
        );
    } else
      f.add(
        s.name,
        `depends_on.${dep}`,
        'not mapped',
        'Nomad orders tasks only inside a group; groups start independently',
      );
  }
  tasks.push(task(s, ports, f, false));
  const out: Obj = { Name: s.name, Count: s.instances, RestartPolicy: restartPolicy(s, f), Tasks: tasks };
  if (s.restart === 'never') out.ReschedulePolicy = { Attempts: 0, Unlimited: false };
  if (s.restart !== 'always')
    f.add(
      s.name,
      'restart',
      'approximated',
      'a service job starts a task again once it ends; restart only decides how failures are retried',
    );
  if (!s.autostart) f.add(s.name, 'autostart', 'not mapped', 'every group of a job runs when the job runs');
  if (ports.size > 0)
    out.Networks = [{ ReservedPorts: [...ports].map(([Value, Label]) => ({ Label, Value })) }];
  return out;
}

function restartPolicy(s: ServiceSpec, f: Findings): Obj {
  const b = s.backoff;
  for (const key of changedBackoff(s))
    f.add(
      s.name,
      key,
      'not mapped',
      'Nomad restarts after a fixed delay (with up to 25% jitter); it has no growing backoff',
    );
  if (s.restart === 'never') return { Attempts: 0, Interval: ns(b.resetAfterMs), Delay: 0, Mode: 'fail' };
  if (s.maxRestarts > 0) {
    f.add(
      s.name,
      'max_restarts',
      'approximated',
      `Nomad fails the task after ${s.maxRestarts} restarts within Interval (one delay plus reset_after per restart)`,
    );
    return {
      Attempts: s.maxRestarts,
      Interval: ns(s.maxRestarts * (b.initialMs + b.resetAfterMs)),
      Delay: ns(b.initialMs),
      Mode: 'fail',
    };
  }
  // never give up: `free` restarts in a row, then wait out the interval, and again
  const attempts = Math.max(1, b.free);
  return {
    Attempts: attempts,
    Interval: ns(Math.max(b.resetAfterMs, (attempts + 1) * b.initialMs)),
    Delay: ns(b.initialMs),
    Mode: 'delay',
  };
}

function task(s: ServiceSpec, ports: Map<number, string>, f: Findings, prestart: boolean): Obj {
  const prelude = s.umask === null ? PRELUDE : `umask ${s.umask.toString(8).padStart(4, '0')} && ${PRELUDE}`;
  const config: Obj = { command: '/bin/sh', args: ['-c', prelude, 'corral', s.cwd, ...s.command] };
  const env: Record<string, string> = {
    ...s.env,
    CORRAL_INSTANCE: s.instances > 1 ? ALLOC_INDEX : '0',
  };
  const out: Obj = {
    Name: s.name,
    Driver: 'raw_exec',
    Config: config,
    Env: env,
    KillSignal: s.stop.signal,
    KillTimeout: ns(s.stop.timeoutMs),
  };
  if (prestart) return out;
  if (s.oomScoreAdj !== null && s.oomScoreAdj < 0)
    f.add(s.name, 'oom_score_adj', 'not mapped', 'raw_exec takes no negative oom_score_adj');
  else if (s.oomScoreAdj !== null) {
    config.oom_score_adj = s.oomScoreAdj;
    f.add(
      s.name,
      'oom_score_adj',
      'approximated',
      'raw_exec takes oom_score_adj from Nomad 1.7; older clients refuse the key',
    );
  }
  if (s.user !== null) out.User = s.user;
  if (s.group !== null)
    f.add(s.name, 'group', 'not mapped', 'a Nomad task runs with the primary group of its user');
  if (s.maxMemoryBytes !== null) {
    out.Resources = { MemoryMB: Math.max(MIN_MEMORY_MB, Math.ceil(s.maxMemoryBytes / MB)) };
    f.add(
      s.name,
      'max_memory',
      'approximated',
      'resources.memory is a cgroup limit enforced by the OOM killer, not a restart when the RSS goes over',
    );
  }
  const logs = changedLogs(s);
  if (logs.length > 0) {
    out.LogConfig = {
      MaxFiles: Math.max(1, s.logs.keep),
      MaxFileSizeMB: Math.max(1, Math.ceil(s.logs.maxSizeBytes / MB)),
    };
    for (const key of logs)
      f.add(
        s.name,
        key,
        key === 'logs.timestamps' ? 'not mapped' : 'approximated',
        'Nomad rotates task logs by whole megabytes and stamps no line',
      );
  }
  if (changedSuccessCodes(s)) f.add(s.name, 'success_codes', 'not mapped', 'only exit code 0 is a success');
  for (const spec of s.sockets) {
    const parsed = parseListenSpec(spec);
    if (parsed.kind === 'tcp') portLabel(ports, parsed.port);
    f.add(
      s.name,
      'sockets',
      parsed.kind === 'tcp' ? 'approximated' : 'not mapped',
      `${spec}: Nomad passes no listening socket; the program must bind it itself${parsed.kind === 'tcp' ? ' (the port is reserved)' : ''}`,
    );
  }
  const services = checks(s, ports, f);
  if (services.length > 0) out.Services = services;
  return out;
}

// ready and health become checks of a registered service; health also restarts (CheckRestart)
function checks(s: ServiceSpec, ports: Map<number, string>, f: Findings): Obj[] {
  const list: Obj[] = [];
  if (s.ready !== null) {
    const c = s.ready.check;
    if (c.kind === 'log' || c.kind === 'notify')
      f.add(s.name, `ready.${c.kind}`, 'not mapped', 'Nomad checks are http, tcp or script only');
    else {
      const interval = Math.max(MIN_CHECK_INTERVAL_MS, s.ready.intervalMs);
      list.push({
        Name: 'ready',
        ...check(c, ports),
        Interval: ns(interval),
        Timeout: ns(Math.min(s.ready.timeoutMs, interval)),
      });
      if (interval !== s.ready.intervalMs)
        f.add(
          s.name,
          'ready.interval',
          'approximated',
          `Nomad checks at most once a second: every ${interval / 1000}s`,
        );
      f.add(
        s.name,
        'ready',
        'approximated',
        'a Nomad check marks the service healthy for deployments and discovery; it does not hold back other groups',
      );
    }
  }
  if (s.health !== null) {
    const h = s.health;
    list.push({
      Name: 'health',
      ...check(h.check, ports),
      Interval: ns(Math.max(MIN_CHECK_INTERVAL_MS, h.intervalMs)),
      Timeout: ns(h.timeoutMs),
      CheckRestart: { Limit: h.failures, Grace: ns(s.ready?.timeoutMs ?? 0) },
    });
  }
  if (list.length === 0) return [];
  const script = list.some((c) => c.Type === 'script');
  const firstPort = list.map((c) => c.PortLabel).find((p) => p !== undefined);
  const service: Obj = {
    Name: dnsLabel(`${s.project}-${s.name}`),
    Provider: script ? 'consul' : 'nomad',
    Checks: list,
  };
  if (firstPort !== undefined) service.PortLabel = firstPort;
  if (script)
    f.add(s.name, 'health', 'approximated', 'exec checks are Consul script checks: the job needs Consul');
  return [service];
}

function check(c: HealthSpec['check'], ports: Map<number, string>): Obj {
  if (c.kind === 'exec') return { Type: 'script', Command: c.command[0], Args: c.command.slice(1) };
  if (c.kind === 'tcp') return { Type: 'tcp', PortLabel: portLabel(ports, c.port) };
  const url = new URL(c.url);
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return {
    Type: 'http',
    Protocol: url.protocol.slice(0, -1),
    Path: `${url.pathname}${url.search}`,
    PortLabel: portLabel(ports, port),
  };
}

// The label of a reserved port, added to the group's network when new.
function portLabel(ports: Map<number, string>, port: number): string {
  let label = ports.get(port);
  if (label === undefined) {
    label = `port${port}`;
    ports.set(port, label);
  }
  return label;
}
