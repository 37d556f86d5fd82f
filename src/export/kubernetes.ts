// corral export kubernetes: a Deployment per long-running service (replicas from instances), a
// Job per one that ends (restart on-failure or never), in one YAML stream. Mapping: docs/export.md.
import { stringify } from 'yaml';
import type { HealthSpec, ProjectSpec, ReadySpec, ServiceSpec } from '../config/types.js';
import { DEFAULTS } from '../defaults.js';
import { parseListenSpec } from '../listen-spec.js';
import { changedBackoff, changedLogs, changedSuccessCodes, Findings, seconds } from './findings.js';
import { dnsLabel, imageFor } from './names.js';
import type { ExportOptions, ExportResult } from './types.js';

type Obj = Record<string, unknown>;

/** The manifests of a project, and what they could not say. */
export function exportKubernetes(project: ProjectSpec, opts: ExportOptions): ExportResult {
  const findings = new Findings();
  const image = imageFor(opts.image, 'container', findings);
  const docs = project.services.map((s) => workload(project, s, image, findings));
  const content = docs.map((d) => stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
  return { files: [{ name: `${project.name}.kubernetes.yaml`, content }], findings: findings.list };
}

function workload(project: ProjectSpec, s: ServiceSpec, image: string, f: Findings): Obj {
  const name = dnsLabel(`${project.name}-${s.name}`);
  const labels = {
    'app.kubernetes.io/name': dnsLabel(s.name),
    'app.kubernetes.io/part-of': dnsLabel(project.name),
  };
  const metadata = { name, labels: { ...labels, 'app.kubernetes.io/managed-by': 'corral-export' } };
  const isJob = s.restart !== 'always';
  const pod: Obj = {
    containers: [container(project, s, image, isJob, f)],
    terminationGracePeriodSeconds: seconds(s.stop.timeoutMs),
  };
  if (s.stop.signal !== 'SIGTERM') {
    pod.os = { name: 'linux' };
    f.add(
      s.name,
      'stop.signal',
      'approximated',
      "lifecycle.stopSignal needs the ContainerStopSignals feature gate (alpha in Kubernetes 1.33); elsewhere the image's STOPSIGNAL is sent",
    );
  }
  if (s.user !== null || s.group !== null) securityContext(s, pod, f);
  unmapped(s, f);
  for (const dep of Object.keys(s.dependsOn))
    f.add(
      s.name,
      `depends_on.${dep}`,
      'not mapped',
      'Kubernetes starts workloads independently; add an initContainer that waits for the dependency',
    );
  if (isJob) {
    pod.restartPolicy = s.restart === 'on-failure' ? 'OnFailure' : 'Never';
    const spec: Obj = {
      completions: s.instances,
      parallelism: s.instances,
      backoffLimit: s.restart === 'never' ? 0 : s.maxRestarts === 0 ? 2147483647 : s.maxRestarts,
      template: { metadata: { labels }, spec: pod },
    };
    if (s.instances > 1) spec.completionMode = 'Indexed';
    if (!s.autostart) spec.suspend = true;
    return { apiVersion: 'batch/v1', kind: 'Job', metadata, spec };
  }
  if (!s.autostart)
    f.add(s.name, 'autostart', 'approximated', 'replicas: 0; scale the Deployment up to start it');
  if (s.maxRestarts !== 0)
    f.add(s.name, 'max_restarts', 'not mapped', 'a Deployment never gives up restarting');
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      replicas: s.autostart ? s.instances : 0,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: pod },
    },
  };
}

function container(project: ProjectSpec, s: ServiceSpec, image: string, isJob: boolean, f: Findings): Obj {
  const env: Obj[] = Object.entries(s.env).map(([name, value]) => ({ name, value: literal(value) }));
  if (s.instances === 1) env.push({ name: 'CORRAL_INSTANCE', value: '0' });
  else if (isJob)
    env.push({
      name: 'CORRAL_INSTANCE',
      valueFrom: {
        fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" },
      },
    });
  else
    f.add(
      s.name,
      'instances',
      'approximated',
      'the pods of a Deployment have no index: CORRAL_INSTANCE is not set',
    );
  const c: Obj = { name: dnsLabel(s.name), image, command: s.command.map(literal), env };
  if (s.cwd !== project.dir) {
    c.workingDir = s.cwd;
    f.add(s.name, 'cwd', 'approximated', `workingDir ${s.cwd} is a path inside the image`);
  }
  if (s.ready !== null) readiness(s, s.ready, c, f);
  if (s.health !== null)
    c.livenessProbe = {
      ...probe(s.health.check),
      periodSeconds: seconds(s.health.intervalMs),
      timeoutSeconds: seconds(s.health.timeoutMs),
      failureThreshold: s.health.failures,
    };
  if (s.health !== null && (s.health.intervalMs % 1000 !== 0 || s.health.timeoutMs % 1000 !== 0))
    f.add(s.name, 'health', 'approximated', 'probe periods and timeouts are whole seconds: rounded up');
  if (s.stop.signal !== 'SIGTERM') c.lifecycle = { stopSignal: s.stop.signal };
  if (s.maxMemoryBytes !== null) {
    c.resources = { limits: { memory: String(s.maxMemoryBytes) } };
    f.add(
      s.name,
      'max_memory',
      'approximated',
      'resources.limits.memory is a cgroup limit enforced by the OOM killer, not a restart when the RSS goes over',
    );
  }
  const ports = tcpPorts(s, f);
  if (ports.length > 0) c.ports = ports.map((containerPort) => ({ containerPort }));
  return c;
}

// Kubernetes expands $(VAR) in command and env values; $$( keeps it as written
const literal = (text: string): string => text.replace(/\$\(/g, '$$$$(');

// ready: a startupProbe (holds liveness off until it passes) and a readinessProbe with the same check
function readiness(s: ServiceSpec, ready: ReadySpec, c: Obj, f: Findings): void {
  const check = ready.check;
  if (check.kind === 'log' || check.kind === 'notify') {
    f.add(s.name, `ready.${check.kind}`, 'not mapped', 'Kubernetes probes are http, tcp or exec only');
    return;
  }
  const period = seconds(ready.intervalMs);
  c.startupProbe = {
    ...probe(check),
    periodSeconds: period,
    failureThreshold: Math.max(1, Math.ceil(ready.timeoutMs / 1000 / period)),
  };
  c.readinessProbe = { ...probe(check), periodSeconds: period };
  if (ready.intervalMs % 1000 !== 0 && ready.intervalMs !== DEFAULTS.ready.intervalMs)
    f.add(s.name, 'ready.interval', 'approximated', `probes run every whole second: every ${period}s`);
  if (check.kind === 'http' && check.status !== undefined)
    f.add(s.name, 'ready.status', 'approximated', 'an httpGet probe passes on any status from 200 to 399');
}

function probe(check: HealthSpec['check']): Obj {
  if (check.kind === 'exec') return { exec: { command: [...check.command] } };
  if (check.kind === 'tcp') return { tcpSocket: { port: check.port } };
  const url = new URL(check.url);
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return {
    httpGet: {
      path: `${url.pathname}${url.search}`,
      port,
      scheme: url.protocol === 'https:' ? 'HTTPS' : 'HTTP',
    },
  };
}

function securityContext(s: ServiceSpec, pod: Obj, f: Findings): void {
  const ctx: Obj = {};
  for (const [key, value, field] of [
    ['user', s.user, 'runAsUser'],
    ['group', s.group, 'runAsGroup'],
  ] as const) {
    if (value === null) continue;
    if (/^\d+$/.test(value)) ctx[field] = Number(value);
    else if (value === 'root') ctx[field] = 0;
    else
      f.add(
        s.name,
        key,
        'not mapped',
        `Kubernetes takes a numeric id, got "${value}"; give ${key}: as a number`,
      );
  }
  if (Object.keys(ctx).length > 0) pod.securityContext = ctx;
}

// sockets: the container listens itself; tcp ports are declared, nothing is passed as an fd
function tcpPorts(s: ServiceSpec, f: Findings): number[] {
  const ports: number[] = [];
  for (const spec of s.sockets) {
    const parsed = parseListenSpec(spec);
    if (parsed.kind === 'tcp') ports.push(parsed.port);
    f.add(
      s.name,
      'sockets',
      parsed.kind === 'tcp' ? 'approximated' : 'not mapped',
      `${spec}: Kubernetes passes no listening socket; the program must bind it itself${parsed.kind === 'tcp' ? ' (declared as a containerPort)' : ''}`,
    );
  }
  return ports;
}

function unmapped(s: ServiceSpec, f: Findings): void {
  for (const key of changedBackoff(s))
    f.add(s.name, key, 'not mapped', 'the kubelet restarts with its own backoff (10s doubling to 5 minutes)');
  for (const key of changedLogs(s))
    f.add(s.name, key, 'not mapped', "container output is kept by the kubelet's own log rotation");
  if (changedSuccessCodes(s)) f.add(s.name, 'success_codes', 'not mapped', 'only exit code 0 is a success');
  if (s.umask !== null) f.add(s.name, 'umask', 'not mapped', 'Kubernetes has no umask setting');
  if (s.oomScoreAdj !== null)
    f.add(s.name, 'oom_score_adj', 'not mapped', "the kubelet sets the OOM score from the pod's QoS class");
}
