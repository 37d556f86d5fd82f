// The per-process metric families of GET /metrics: one set of series per process (instance of a
// service), labelled `project`, `service` and `replica` (the instance's index: `shop/web:1` is
// project="shop", service="web", replica="1"). Never a label named `instance`: Prometheus sets
// that one on every series it scrapes (the target), and would rename ours.
import type { Instance } from '../engine/instance.js';
import { ProcessState } from '../engine/states.js';
import type { Usage } from '../process/usage.js';
import { type Family, family, type Labels, labelText, sample } from './exposition.js';
import type { RestartCounter } from './restarts.js';

const STATES = Object.values(ProcessState);

/** What the per-process families are made of. */
export interface ProcessFacts {
  instances: readonly Instance[];
  /** CPU and memory of each running process's tree, by pid */
  usage: ReadonlyMap<number, Usage>;
  restarts: RestartCounter;
}

/** The labels of one process. */
export function processLabels(inst: Instance): Labels {
  return { project: inst.project, service: inst.service, replica: String(inst.index) };
}

/** Every per-process family, one sample per process (and per state or reason where labelled so). */
export function processFamilies({ instances, usage, restarts }: ProcessFacts): Family[] {
  const state = family(
    'corral_process_state',
    'gauge',
    'The state of the process: 1 for the state it is in, 0 for the others.',
  );
  const up = family('corral_process_up', 'gauge', 'Whether a process runs (it has a pid): 1 or 0.');
  const restartsTotal = family(
    'corral_process_restarts_total',
    'counter',
    'Restarts made by the restart policy since the daemon started, by the reason the process ended.',
  );
  const started = family(
    'corral_process_start_time_seconds',
    'gauge',
    'When the running process started, in seconds since the Unix epoch.',
  );
  const exitCode = family(
    'corral_process_last_exit_code',
    'gauge',
    'The exit code of the last exit (128+N for signal N).',
  );
  const cpu = family(
    'corral_process_cpu_seconds_total',
    'counter',
    "User and system CPU time of the running process's tree (its session and descendants), from /proc.",
  );
  const rss = family(
    'corral_process_resident_memory_bytes',
    'gauge',
    "Resident memory of the running process's tree (its session and descendants), from /proc.",
  );
  const healthy = family(
    'corral_process_healthy',
    'gauge',
    'The last health check verdict of a running process with a health check: 1 healthy, 0 not (yet).',
  );
  for (const inst of instances) {
    const labels = labelText(processLabels(inst));
    for (const s of STATES) sample(state, `${labels},state="${s}"`, inst.state === s ? 1 : 0);
    sample(up, labels, inst.pid === null ? 0 : 1);
    for (const [reason, n] of restarts.of(inst.name))
      sample(restartsTotal, `${labels},${labelText({ reason })}`, n);
    if (inst.pid !== null && inst.startedAt !== null) sample(started, labels, inst.startedAt / 1000);
    const code = inst.lastExit?.code;
    if (code !== undefined && code !== null) sample(exitCode, labels, code);
    const u = inst.pid === null ? undefined : usage.get(inst.pid);
    if (u !== undefined) {
      sample(cpu, labels, u.cpuSeconds);
      sample(rss, labels, u.rssBytes);
    }
    if (inst.spec.health && inst.pid !== null) sample(healthy, labels, inst.health === 'healthy' ? 1 : 0);
  }
  return [state, up, restartsTotal, started, exitCode, cpu, rss, healthy];
}
