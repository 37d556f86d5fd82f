// The exporters by target, and the lines that tell a user what each export left out.
import type { ProjectSpec } from '../config/types.js';
import { exportCompose } from './compose.js';
import { exportKubernetes } from './kubernetes.js';
import { exportNomad } from './nomad.js';
import { exportSystemd } from './systemd.js';
import type { ExportOptions, ExportResult, ExportTarget, Finding } from './types.js';

export {
  EXPORT_TARGETS,
  type ExportFile,
  type ExportResult,
  type ExportTarget,
  type Finding,
} from './types.js';

const EXPORTERS: Record<ExportTarget, (project: ProjectSpec, opts: ExportOptions) => ExportResult> = {
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
  return EXPORTERS[target](project, opts);
}

/** One finding as one line: `api: backoff.reset_after: not mapped: why`. */
export function formatFinding(f: Finding): string {
  return `${f.service === null ? 'project' : f.service}: ${f.key}: ${f.kind}: ${f.message}`;
}
