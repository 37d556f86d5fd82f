// Dependency order of a project's services: when one may start, and the order they stop in.
import type { DependencyCondition, ServiceSpec } from '../config/types.js';
import type { Instance } from './instance.js';
import { ProcessState } from './states.js';

const WAITING_FOR: Record<DependencyCondition, string> = {
  started: 'to start',
  ready: 'to be ready',
  succeeded: 'to exit successfully',
  completed: 'to complete',
};

/** null when every dependency of `spec` meets its condition, else what it waits for, in words. */
export function blocker(
  services: ReadonlyMap<string, { instances: readonly Instance[] }>,
  spec: ServiceSpec,
): string | null {
  for (const [dep, condition] of Object.entries(spec.dependsOn)) {
    const d = services.get(dep);
    if (!d) return `waiting for ${dep}, which is not defined`;
    const met = conditionMet(d.instances, condition);
    if (met === 'yes') continue;
    const state = d.instances.map((i) => i.state).join(', ');
    return met === 'never'
      ? `waiting for ${dep} (${condition}), but ${dep} is ${state}`
      : `waiting for ${dep} ${WAITING_FOR[condition]}`;
  }
  return null;
}

/** Whether every instance of a dependency meets `condition`; or why not, or that it never will. */
export function conditionMet(
  instances: readonly Instance[],
  condition: DependencyCondition,
): 'yes' | 'no' | 'never' {
  let verdict: 'yes' | 'no' | 'never' = 'yes';
  for (const inst of instances) {
    const v = instanceMeets(inst, condition);
    if (v === 'never') return 'never';
    if (v === 'no') verdict = 'no';
  }
  return verdict;
}

function instanceMeets(inst: Instance, condition: DependencyCondition): 'yes' | 'no' | 'never' {
  const s = inst.state;
  switch (condition) {
    case 'started':
      if (s === ProcessState.Failed) return 'never';
      // starting with no pid yet: still checking that its ready target is free
      if (s === ProcessState.Starting && inst.pid === null) return 'no';
      return s === ProcessState.Stopped || s === ProcessState.Waiting ? 'no' : 'yes';
    case 'ready':
      if (s === ProcessState.Running) return 'yes';
      return s === ProcessState.Failed || s === ProcessState.Exited ? 'never' : 'no';
    case 'succeeded':
      if (s === ProcessState.Exited) {
        const code = inst.lastExit?.code;
        return code !== null &&
          code !== undefined &&
          inst.spec.successCodes.includes(code) &&
          !inst.lastExit?.signal
          ? 'yes'
          : 'never';
      }
      return s === ProcessState.Failed ? 'never' : 'no';
    case 'completed':
      return s === ProcessState.Exited || s === ProcessState.Failed ? 'yes' : 'no';
  }
}

/**
 * Groups services into stop waves: each wave holds the services no remaining service depends on,
 * so dependents stop before what they depend on. Services within a wave stop in parallel.
 */
export function stopWaves(services: readonly ServiceSpec[]): ServiceSpec[][] {
  const remaining = new Map(services.map((s) => [s.name, s]));
  const waves: ServiceSpec[][] = [];
  while (remaining.size > 0) {
    const dependedOn = new Set<string>();
    for (const s of remaining.values()) {
      for (const dep of Object.keys(s.dependsOn)) if (remaining.has(dep)) dependedOn.add(dep);
    }
    let wave = [...remaining.values()].filter((s) => !dependedOn.has(s.name));
    if (wave.length === 0) wave = [...remaining.values()]; // a cycle cannot pass validation; stop all
    for (const s of wave) remaining.delete(s.name);
    waves.push(wave);
  }
  return waves;
}

/** The named services plus everything they depend on, transitively. */
export function withDependencies(services: readonly ServiceSpec[], names: readonly string[]): Set<string> {
  const byName = new Map(services.map((s) => [s.name, s]));
  const out = new Set<string>();
  const visit = (name: string): void => {
    if (out.has(name)) return;
    out.add(name);
    for (const dep of Object.keys(byName.get(name)?.dependsOn ?? {})) visit(dep);
  };
  for (const n of names) visit(n);
  return out;
}
