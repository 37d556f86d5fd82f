// The exporters by target, and the lines that tell a user what each export left out.
import type { ProjectSpec } from '../config/types.js';
import { exportCompose } from './compose.js';
import { exportKubernetes } from './kubernetes.js';
import { exportNomad } from './nomad.js';
import { exportSystemd } from './systemd.js';
import type { Exporter, ExportOptions, ExportResult, ExportTarget, Finding } from './types.js';

export {
  EXPORT_TARGETS,
  type ExportFile,
  type ExportResult,
  type ExportTarget,
  type Finding,
} from './types.js';

const EXPORTERS: Record<ExportTarget, Exporter> = {
  systemd: exportSystemd,
  kubernetes: exportKubernetes,
  nomad: exportNomad,
  compose: exportCompose,
};

/** The files of `project` for `target`, and what they could not express exactly. */
export function exportProject(
  target: ExportTarget,
  project: ProjectSpec,
  opts: ExportOptions = {},
): ExportResult {
  const result = EXPORTERS[target](project, opts);
  // restart on change is for a developer's machine: no target has it, and none should
  for (const s of project.services) {
    if ((s.watch ?? []).length === 0) continue;
    result.findings.push({
      service: s.name,
      key: 'watch',
      kind: 'not mapped',
      message: `restart on change is a development feature; ${target} runs what is deployed`,
    });
  }
  return result;
}

/** One finding as one line: `api: backoff.reset_after: not mapped: why`. */
export function formatFinding(f: Finding): string {
  return `${f.service === null ? 'project' : f.service}: ${f.key}: ${f.kind}: ${f.message}`;
}
