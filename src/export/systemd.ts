// corral export systemd: a .service per service (a template for instances), a .socket per
// `sockets:` entry, and a .target for the project. Mapping table: docs/export.md.
import type { ProjectSpec, ServiceSpec } from '../config/types.js';
import { parseListenSpec } from '../listen-spec.js';
import { changedBackoff, changedLogs, endsAnyway, Findings, oneShots } from './findings.js';
import { probeCommand } from './shell.js';
import { unitCommand, unitDuration, unitEnv, unitFile } from './systemd-syntax.js';
import type { ExportResult } from './types.js';

type Entries = Array<[string, string]>;

/** The unit files of a project, and what they could not say. */
export function exportSystemd(project: ProjectSpec): ExportResult {
  const findings = new Findings();
  const once = oneShots(project.services);
  const files = [];
  const wants: string[] = [];
  const target = `${project.name}.target`;
  for (const s of project.services) {
    const sockets = s.sockets.map((spec, i) => ({ spec, unit: `${unitBase(s)}-${i}.socket` }));
    for (const { spec, unit } of sockets) {
      files.push({ name: unit, content: socketUnit(s, spec, target) });
      if (s.autostart) wants.push(unit);
    }
    const name = s.instances > 1 ? `${unitBase(s)}@.service` : `${unitBase(s)}.service`;
    const service = serviceUnit(project, s, {
      target,
      oneShot: once.has(s.name),
      anyExit: endsAnyway(project.services, s.name),
      sockets: sockets.map((x) => x.unit),
      findings,
    });
    files.push({ name, content: service });
    if (s.autostart) wants.push(...instanceUnits(s));
  }
  const targetUnit = unitFile(`corral project ${project.name}: starts every service that has autostart`, [
    [
      'Unit',
      [
        ['Description', `corral project ${project.name}`],
        ...wants.map((w): [string, string] => ['Wants', w]),
      ],
    ],
    ['Install', [['WantedBy', 'multi-user.target']]],
  ]);
  files.push({ name: target, content: targetUnit });
  return { files, findings: findings.list };
}

const unitBase = (s: ServiceSpec): string => `${s.project}-${s.name}`;

// The unit names that run the processes of s: one, or one per instance of the template.
function instanceUnits(s: ServiceSpec): string[] {
  if (s.instances === 1) return [`${unitBase(s)}.service`];
  return Array.from({ length: s.instances }, (_, i) => `${unitBase(s)}@${i}.service`);
}

interface UnitContext {
  target: string;
  /** some service waits for this one to end (succeeded / completed) */
  oneShot: boolean;
  /** some service waits for it with completed: any exit counts */
  anyExit: boolean;
  sockets: string[];
  findings: Findings;
}

function serviceUnit(project: ProjectSpec, s: ServiceSpec, ctx: UnitContext): string {
  const f = ctx.findings;
  const unit: Entries = [
    ['Description', `corral ${project.name}: ${s.name}${s.instances > 1 ? ' (instance %i)' : ''}`],
    ['PartOf', ctx.target],
  ];
  const service: Entries = [];
  for (const [dep, cond] of Object.entries(s.dependsOn)) {
    const depSpec = project.services.find((x) => x.name === dep);
    if (depSpec === undefined) continue;
    const units = instanceUnits(depSpec).join(' ');
    unit.push(['Requires', units], ['After', units]);
    if (cond === 'ready' && depSpec.ready?.check.kind === 'log')
      f.add(
        s.name,
        `depends_on.${dep}`,
        'approximated',
        `waits for ${dep} to start: its ready.log check has no systemd form`,
      );
  }
  for (const socket of ctx.sockets) unit.push(['Requires', socket], ['After', socket]);
  restartLimit(s, unit, f);

  service.push(['Type', ctx.oneShot ? 'oneshot' : s.ready?.check.kind === 'notify' ? 'notify' : 'exec']);
  if (ctx.oneShot) service.push(['RemainAfterExit', 'yes']);
  if (s.ready?.check.kind === 'notify') service.push(['NotifyAccess', 'all']);
  service.push(['ExecStart', unitCommand(s.command, ctx.anyExit ? '-' : '')]);
  readiness(s, service, f);
  service.push(['WorkingDirectory', s.cwd]);
  const env: Record<string, string> = { ...s.env, CORRAL_INSTANCE: s.instances > 1 ? '%i' : '0' };
  for (const [k, v] of Object.entries(env))
    service.push([
      'Environment',
      k === 'CORRAL_INSTANCE' && v === '%i' ? '"CORRAL_INSTANCE=%i"' : unitEnv(k, v),
    ]);
  if (s.user !== null) service.push(['User', s.user]);
  if (s.group !== null) service.push(['Group', s.group]);
  if (s.umask !== null) service.push(['UMask', s.umask.toString(8).padStart(4, '0')]);
  if (s.oomScoreAdj !== null) service.push(['OOMScoreAdjust', String(s.oomScoreAdj)]);
  if (s.maxMemoryBytes !== null) {
    service.push(['MemoryMax', String(s.maxMemoryBytes)]);
    f.add(
      s.name,
      'max_memory',
      'approximated',
      'MemoryMax= is a cgroup limit (page cache included) enforced by the OOM killer, not a restart when the RSS goes over',
    );
  }
  restart(s, service, f);
  service.push(
    ['KillMode', 'control-group'],
    ['KillSignal', s.stop.signal],
    ['TimeoutStopSec', unitDuration(s.stop.timeoutMs)],
  );
  if (ctx.sockets.length > 0) service.push(['Sockets', ctx.sockets.join(' ')]);
  if (s.health !== null)
    f.add(
      s.name,
      'health',
      'not mapped',
      'systemd has no liveness probe (WatchdogSec= needs the service to send WATCHDOG=1)',
    );
  for (const key of changedLogs(s))
    f.add(
      s.name,
      key,
      'approximated',
      'output goes to the journal, which stamps, rotates and keeps it by its own settings',
    );

  return unitFile(`corral ${project.name}/${s.name}, written by corral export systemd`, [
    ['Unit', unit],
    ['Service', service],
    ['Install', [['WantedBy', ctx.target]]],
  ]);
}

// Type=notify needs nothing more; http, tcp and exec checks become an ExecStartPost= loop, so
// that the unit is active (and After= waits) only once the check passed.
function readiness(s: ServiceSpec, service: Entries, f: Findings): void {
  if (s.ready === null) return;
  const check = s.ready.check;
  if (check.kind === 'log') {
    f.add(
      s.name,
      'ready.log',
      'not mapped',
      'systemd cannot wait for a line of output; the unit is active once started',
    );
    return;
  }
  service.push(['TimeoutStartSec', unitDuration(s.ready.timeoutMs)]);
  if (check.kind === 'notify') return;
  const seconds = (s.ready.intervalMs / 1000).toString();
  const loop = `until ${probeCommand(check)}; do sleep ${seconds}; done`;
  service.push(['ExecStartPost', unitCommand(['/bin/sh', '-c', loop])]);
}

function restart(s: ServiceSpec, service: Entries, f: Findings): void {
  service.push(['Restart', s.restart === 'never' ? 'no' : s.restart]);
  if (s.successCodes.some((c) => c !== 0)) service.push(['SuccessExitStatus', s.successCodes.join(' ')]);
  if (s.restart === 'never') return;
  const b = s.backoff;
  service.push(['RestartSec', unitDuration(b.initialMs)]);
  if (b.factor > 1 && b.maxMs > b.initialMs) {
    const steps = Math.ceil(Math.log(b.maxMs / b.initialMs) / Math.log(b.factor));
    service.push(['RestartSteps', String(steps)], ['RestartMaxDelaySec', unitDuration(b.maxMs)]);
  }
  for (const key of changedBackoff(s)) {
    if (key === 'backoff.free')
      f.add(
        s.name,
        key,
        'not mapped',
        'systemd waits RestartSec= before every restart; there are no immediate ones',
      );
    else if (key === 'backoff.reset_after')
      f.add(s.name, key, 'not mapped', 'systemd never resets its restart count after a long run');
    else if (key === 'backoff.factor')
      f.add(
        s.name,
        key,
        'approximated',
        'RestartSteps= spreads the delay from RestartSec= to RestartMaxDelaySec= geometrically (systemd 254 and later)',
      );
  }
}

// max_restarts: systemd counts starts within a window, not restarts without a long run between.
function restartLimit(s: ServiceSpec, unit: Entries, f: Findings): void {
  if (s.maxRestarts === 0 || s.restart === 'never') {
    unit.push(['StartLimitIntervalSec', '0']);
    return;
  }
  const b = s.backoff;
  let windowMs = 0;
  for (let k = 1; k <= s.maxRestarts; k += 1) {
    const delayed = k - b.free;
    windowMs += delayed <= 0 ? 0 : Math.min(b.initialMs * b.factor ** (delayed - 1), b.maxMs);
    windowMs += b.resetAfterMs;
  }
  unit.push(
    ['StartLimitIntervalSec', unitDuration(Math.ceil(windowMs / 1000) * 1000)],
    ['StartLimitBurst', String(s.maxRestarts + 1)],
  );
  f.add(
    s.name,
    'max_restarts',
    'approximated',
    `systemd gives up after ${s.maxRestarts + 1} starts within StartLimitIntervalSec= (the restarts' delays plus reset_after each), not after ${s.maxRestarts} restarts without a run of reset_after`,
  );
}

function socketUnit(s: ServiceSpec, spec: string, target: string): string {
  const parsed = parseListenSpec(spec);
  const socket: Entries = [];
  if (parsed.kind === 'tcp') {
    socket.push([
      'ListenStream',
      parsed.family === 6 ? `[${parsed.host}]:${parsed.port}` : `${parsed.host}:${parsed.port}`,
    ]);
  } else {
    socket.push(['ListenStream', parsed.path], ['SocketMode', parsed.mode.toString(8).padStart(4, '0')]);
  }
  // 4096: the backlog corral listens with
  socket.push(
    ['Backlog', '4096'],
    ['FileDescriptorName', parsed.name ?? s.name],
    ['Service', instanceUnits(s)[0]],
  );
  return unitFile(`corral ${s.project}/${s.name}: ${spec}`, [
    [
      'Unit',
      [
        ['Description', `corral ${s.project}: ${s.name} socket ${spec}`],
        ['PartOf', target],
      ],
    ],
    ['Socket', socket],
    ['Install', [['WantedBy', target]]],
  ]);
}
