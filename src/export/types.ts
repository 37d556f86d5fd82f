// What an exporter returns: the files it wrote for the target, and what it could not map exactly.
import type { ProjectSpec } from '../config/types.js';

export const EXPORT_TARGETS = ['systemd', 'kubernetes', 'nomad', 'compose'] as const;
export type ExportTarget = (typeof EXPORT_TARGETS)[number];

/** How far a corral key got into the target. */
export type FindingKind = 'approximated' | 'not mapped';

/** One key of one service (or of the project, service null) that the target does not express exactly. */
export interface Finding {
  service: string | null;
  /** the corral key path, e.g. backoff.reset_after, or an option such as --image */
  key: string;
  kind: FindingKind;
  /** what the target does instead, and why */
  message: string;
}

export interface ExportFile {
  /** a bare file name, written under -o DIR */
  name: string;
  content: string;
}

export interface ExportResult {
  files: ExportFile[];
  findings: Finding[];
}

export interface ExportOptions {
  /** the container image of every service (kubernetes, compose) */
  image?: string;
}

/** A pure function from a project to the target's files. */
export type Exporter = (project: ProjectSpec, opts: ExportOptions) => ExportResult;
