// What the person at `top` has chosen and is looking at: the mode (the main view, the full-screen
// log, help), the selected process and what an action reaches (it, its service or its project),
// sort and filter, the log view's position and search, a question or prompt on the last row.
import type { Sort } from './table.js';

export type Mode = 'main' | 'log' | 'help';
export type Scope = 'process' | 'service' | 'project';
export const SCOPES: readonly Scope[] = ['process', 'service', 'project'];

export type Overlay =
  | { kind: 'confirm'; target: string; words: string }
  | { kind: 'prompt'; purpose: 'filter' | 'search' | 'signal'; text: string; target?: string };

/** Where the log view stands: at the end (following), or on a line (`bottom`, its number). */
export interface LogPosition {
  follow: boolean;
  bottom: number;
  /** the line of the search match last moved to (n and N go on from it) */
  match: number | null;
}

export interface UiState {
  mode: Mode;
  /** the mode help returns to */
  before: Mode;
  focus: 'table' | 'logs';
  selected: string | null;
  /** the index of the selected row, kept so a vanished selection moves to its neighbour */
  selectedIndex: number;
  /** the first row of the table on screen */
  tableTop: number;
  scope: Scope;
  sort: Sort;
  filter: string;
  search: string;
  log: LogPosition;
  /** rows of the log pane the person chose (+/-), or null for the default share */
  logRows: number | null;
  eventsOfSelected: boolean;
  overlay: Overlay | null;
  notice: { text: string; error: boolean; until: number } | null;
  /** why the daemon is away, while it is */
  lost: string | null;
  daemonPid: number | null;
}

/** The state `top` opens with. */
export function initialState(): UiState {
  return {
    mode: 'main',
    before: 'main',
    focus: 'table',
    selected: null,
    selectedIndex: 0,
    tableTop: 0,
    scope: 'process',
    sort: { key: 'name', descending: false },
    filter: '',
    search: '',
    log: { follow: true, bottom: 0, match: null },
    logRows: null,
    eventsOfSelected: false,
    overlay: null,
    notice: null,
    lost: null,
    daemonPid: null,
  };
}

/** The name an action reaches from process `name` (shop/web:0) at `scope`: it, shop/web, or shop. */
export function targetOf(name: string, scope: Scope): string {
  const slash = name.indexOf('/');
  if (scope === 'project') return name.slice(0, slash);
  if (scope === 'service') return name.slice(0, name.lastIndexOf(':'));
  return name;
}

/** How a stop's question names what it stops. */
export function describeTarget(target: string, scope: Scope): string {
  if (scope === 'project') return `every process of project ${target}`;
  if (scope === 'service') return `every process of service ${target}`;
  return target;
}

/** The rows of each part of the main view at a terminal height. */
export function layout(
  rows: number,
  logRows: number | null,
): { table: number; logs: number; events: number } {
  // title, table header, the log and events titles, the help line
  const events = rows >= 22 ? 4 : 2;
  const body = rows - 5 - events;
  const wanted = logRows ?? Math.floor(body * 0.45);
  const logs = Math.max(1, Math.min(wanted, body - 3));
  return { table: body - logs, logs, events };
}
