// What an import did with each key of the source: mapped exactly, approximated, or dropped, and why.

export type FindingKind = 'exact' | 'approximated' | 'dropped';

/** One key of the source file and what became of it. */
export interface Finding {
  /** the corral service it concerns, or null for the project (top-level keys) */
  service: string | null;
  /** the key in the source's own words, e.g. `kill_timeout` or `healthcheck.retries` */
  source: string;
  /** the corral key it became, relative to the service (or the file), e.g. `stop.timeout`; null when dropped */
  target: string | null;
  kind: FindingKind;
  /** why, in a sentence; empty for a plain exact mapping */
  note: string;
}

/** A corral.yaml as plain data, in the order it is written. */
export interface ConfigDoc {
  name?: string;
  env?: Record<string, string>;
  env_file?: string | string[];
  services: Record<string, Record<string, unknown>>;
}

/** What an importer returns: the config and a finding for every key it read. */
export interface Imported {
  config: ConfigDoc;
  findings: Finding[];
}

/** Collects findings for one service (or the project), so importers read as a list of mappings. */
export class Findings {
  readonly list: Finding[] = [];

  /** The recorder of one service's findings (null: the file's own keys). */
  for(service: string | null): FindingRecorder {
    return {
      exact: (source, target, note = '') => this.list.push({ service, source, target, kind: 'exact', note }),
      approx: (source, target, note) =>
        this.list.push({ service, source, target, kind: 'approximated', note }),
      drop: (source, note) => this.list.push({ service, source, target: null, kind: 'dropped', note }),
    };
  }
}

export interface FindingRecorder {
  exact(source: string, target: string, note?: string): void;
  approx(source: string, target: string, note: string): void;
  drop(source: string, note: string): void;
}
