// Collecting findings, and telling which keys of a service differ from corral's defaults: a key
// left at its default is not reported (the target's own default stands in for it; docs/export.md).
import type { ServiceSpec } from '../config/types.js';
import { DEFAULTS } from '../defaults.js';
import type { Finding, FindingKind } from './types.js';

/** The findings of one export, added to as the exporter goes. */
export class Findings {
  readonly list: Finding[] = [];

  /** Records that `key` of `service` was approximated or not mapped. */
  add(service: string | null, key: string, kind: FindingKind, message: string): void {
    this.list.push({ service, key, kind, message });
  }
}

/** The backoff keys of `s` set to something other than the default. */
export function changedBackoff(s: ServiceSpec): string[] {
  const d = DEFAULTS.backoff;
  const b = s.backoff;
  const out: string[] = [];
  if (b.free !== d.free) out.push('backoff.free');
  if (b.initialMs !== d.initialMs) out.push('backoff.initial');
  if (b.factor !== d.factor) out.push('backoff.factor');
  if (b.maxMs !== d.maxMs) out.push('backoff.max');
  if (b.resetAfterMs !== d.resetAfterMs) out.push('backoff.reset_after');
  return out;
}

/** The logs keys of `s` set to something other than the default. */
export function changedLogs(s: ServiceSpec): string[] {
  const d = DEFAULTS.logs;
  const out: string[] = [];
  if (s.logs.timestamps !== d.timestamps) out.push('logs.timestamps');
  if (s.logs.maxSizeBytes !== d.maxSizeBytes) out.push('logs.max_size');
  if (s.logs.keep !== d.keep) out.push('logs.keep');
  return out;
}

/** Whether success_codes differs from the default [0]. */
export function changedSuccessCodes(s: ServiceSpec): boolean {
  return (
    s.successCodes.length !== DEFAULTS.successCodes.length ||
    s.successCodes.some((c, i) => c !== DEFAULTS.successCodes[i])
  );
}

/** Services that some other service waits on with succeeded or completed: they run once and end. */
export function oneShots(services: readonly ServiceSpec[]): Set<string> {
  const out = new Set<string>();
  for (const s of services)
    for (const [dep, cond] of Object.entries(s.dependsOn))
      if (cond === 'succeeded' || cond === 'completed') out.add(dep);
  return out;
}

/** The condition a dependency is waited on with by any service: completed wins (any exit). */
export function endsAnyway(services: readonly ServiceSpec[], name: string): boolean {
  return services.some((s) => s.dependsOn[name] === 'completed');
}

/** Whole seconds, rounded up, of a duration in ms (targets that count in seconds). */
export function seconds(ms: number): number {
  return Math.ceil(ms / 1000);
}

/** A duration in the target's words: 250ms, 5s, 90s. */
export function durationText(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
