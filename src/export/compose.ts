// corral export compose: a Compose file with one service per corral service, on the host's
// network so that 127.0.0.1 addresses keep their meaning. Mapping table: docs/export.md.
import { stringify } from 'yaml';
import type { ProjectSpec, ServiceSpec } from '../config/types.js';
import { changedBackoff, changedLogs, changedSuccessCodes, durationText, Findings } from './findings.js';
import { dnsLabel, imageFor } from './names.js';
import { probeCommand } from './shell.js';
import type { ExportOptions, ExportResult } from './types.js';

type Obj = Record<string, unknown>;

const CONDITIONS = {
  started: 'service_started',
  ready: 'service_healthy',
  succeeded: 'service_completed_successfully',
  completed: 'service_completed_successfully',
} as const;

/** The Compose file of a project, and what it could not say. */
export function exportCompose(project: ProjectSpec, opts: ExportOptions): ExportResult {
  const findings = new Findings();
  const image = imageFor(opts.image, 'service', findings);
  const services: Obj = {};
  for (const s of project.services) services[dnsLabel(s.name)] = service(project, s, image, findings);
  const doc = { name: dnsLabel(project.name), services };
  const content = `# corral project ${project.name}, written by corral export compose\n${stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })}`;
  return { files: [{ name: 'compose.yaml', content }], findings: findings.list };
}

// Compose interpolates ${VAR} and $VAR in every value; $$ is a literal $
const literal = (text: string): string => text.replace(/\$/g, '$$$$');

function service(project: ProjectSpec, s: ServiceSpec, image: string, f: Findings): Obj {
  const out: Obj = { image, network_mode: 'host', command: s.command.map(literal) };
  const env: Obj = Object.fromEntries(Object.entries(s.env).map(([k, v]) => [k, literal(v)]));
  if (s.instances === 1) env.CORRAL_INSTANCE = '0';
  else
    f.add(
      s.name,
      'instances',
      'approximated',
      'the replicas of a Compose service have no index: CORRAL_INSTANCE is not set',
    );
  out.environment = env;
  if (s.cwd !== project.dir) {
    out.working_dir = s.cwd;
    f.add(s.name, 'cwd', 'approximated', `working_dir ${s.cwd} is a path inside the image`);
  }
  const deps = dependencies(project, s, f);
  if (deps !== null) out.depends_on = deps;
  const health = healthcheck(s, f);
  if (health !== null) out.healthcheck = health;
  out.restart =
    s.restart === 'never'
      ? 'no'
      : s.restart === 'always'
        ? 'always'
        : s.maxRestarts > 0
          ? `on-failure:${s.maxRestarts}`
          : 'on-failure';
  if (s.restart === 'always' && s.maxRestarts > 0)
    f.add(s.name, 'max_restarts', 'not mapped', 'restart: always never gives up in Compose');
  out.stop_signal = s.stop.signal;
  out.stop_grace_period = durationText(s.stop.timeoutMs);
  if (s.instances > 1) out.deploy = { replicas: s.instances };
  if (s.user !== null) out.user = s.group === null ? s.user : `${s.user}:${s.group}`;
  else if (s.group !== null) out.group_add = [s.group];
  if (s.group !== null && s.user === null)
    f.add(
      s.name,
      'group',
      'approximated',
      "group_add adds a supplementary group; the primary group is the image user's",
    );
  if (s.oomScoreAdj !== null) out.oom_score_adj = s.oomScoreAdj;
  if (s.maxMemoryBytes !== null) {
    out.mem_limit = s.maxMemoryBytes;
    f.add(
      s.name,
      'max_memory',
      'approximated',
      'mem_limit is a cgroup limit enforced by the OOM killer, not a restart when the RSS goes over',
    );
  }
  if (!s.autostart) {
    out.profiles = ['manual'];
    f.add(
      s.name,
      'autostart',
      'approximated',
      'in the "manual" profile: docker compose up leaves it out unless --profile manual is given',
    );
  }
  for (const spec of s.sockets)
    f.add(
      s.name,
      'sockets',
      'not mapped',
      `${spec}: Compose passes no listening socket; the program must bind it itself (network_mode: host)`,
    );
  for (const key of changedBackoff(s))
    f.add(
      s.name,
      key,
      'not mapped',
      'the Docker engine restarts with its own backoff (100ms doubling to 1 minute)',
    );
  for (const key of changedLogs(s))
    f.add(s.name, key, 'not mapped', 'output goes to the logging driver, which keeps it by its own settings');
  if (changedSuccessCodes(s)) f.add(s.name, 'success_codes', 'not mapped', 'only exit code 0 is a success');
  if (s.umask !== null) f.add(s.name, 'umask', 'not mapped', 'Compose has no umask setting');
  return out;
}

function dependencies(project: ProjectSpec, s: ServiceSpec, f: Findings): Obj | null {
  const entries = Object.entries(s.dependsOn);
  if (entries.length === 0) return null;
  const out: Obj = {};
  for (const [dep, cond] of entries) {
    out[dnsLabel(dep)] = { condition: CONDITIONS[cond] };
    const target = project.services.find((x) => x.name === dep);
    if (cond === 'completed')
      f.add(
        s.name,
        `depends_on.${dep}`,
        'approximated',
        'Compose waits for a successful exit (service_completed_successfully); any exit is not expressible',
      );
    if (
      cond === 'ready' &&
      (target?.ready === null || target?.ready.check.kind === 'log' || target?.ready.check.kind === 'notify')
    )
      f.add(
        s.name,
        `depends_on.${dep}`,
        'approximated',
        `${dep} has no healthcheck Compose can run for its readiness`,
      );
  }
  return out;
}

// One healthcheck for both: health when there is one (its check, interval and failures), else ready.
function healthcheck(s: ServiceSpec, f: Findings): Obj | null {
  const ready =
    s.ready !== null && s.ready.check.kind !== 'log' && s.ready.check.kind !== 'notify' ? s.ready : null;
  if (s.ready !== null && ready === null)
    f.add(
      s.name,
      `ready.${s.ready.check.kind}`,
      'not mapped',
      'a Compose healthcheck runs a command; it cannot wait for a line of output or sd_notify',
    );
  if (s.health !== null) {
    f.add(
      s.name,
      'health',
      'approximated',
      'the Docker engine marks the container unhealthy but does not restart it (outside Swarm)',
    );
    if (ready !== null && JSON.stringify(ready.check) !== JSON.stringify(s.health.check))
      f.add(
        s.name,
        'ready',
        'approximated',
        'Compose has one healthcheck: the health check also stands for readiness',
      );
    const h = s.health;
    const out: Obj = {
      test: ['CMD-SHELL', literal(probeCommand(h.check))],
      interval: durationText(h.intervalMs),
      timeout: durationText(h.timeoutMs),
      retries: h.failures,
    };
    if (ready !== null) out.start_period = durationText(ready.timeoutMs);
    return out;
  }
  if (ready === null) return null;
  return {
    test: [
      'CMD-SHELL',
      literal(probeCommand(ready.check as Exclude<typeof ready.check, { kind: 'log' } | { kind: 'notify' }>)),
    ],
    interval: durationText(ready.intervalMs),
    start_period: durationText(ready.timeoutMs),
  };
}
