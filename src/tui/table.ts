// The process table: which rows (filter), in which order (sort), and each row as a line of the
// terminal's width: NAME, STATE, PID, UPTIME, RESTARTS, HEALTH, CPU, MEM as in `ps`. On a
// narrow terminal the columns that matter least are left out before NAME gets too short.
import type { ProcessStatus } from '../api/schemas.js';
import { formatBytes, formatDuration } from '../cli/format.js';
import { readTime } from './process-store.js';
import { type Style, stateColour } from './style.js';
import { fit, textWidth } from './width.js';

export const SORT_KEYS = ['name', 'state', 'cpu', 'memory', 'restarts', 'uptime'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface Sort {
  key: SortKey;
  descending: boolean;
}

interface Column {
  title: string;
  width: number;
  right: boolean;
  cell(p: ProcessStatus, now: number): string;
}

// the fixed columns, and the order they are left out in when the terminal is narrow
const FIXED: Column[] = [
  { title: 'STATE', width: 12, right: false, cell: (p, now) => stateText(p, now) },
  { title: 'PID', width: 7, right: true, cell: (p) => (p.pid === null ? '-' : String(p.pid)) },
  { title: 'UPTIME', width: 7, right: true, cell: (p, now) => uptime(p, now) },
  { title: 'RESTARTS', width: 8, right: true, cell: (p) => String(p.restarts) },
  { title: 'HEALTH', width: 9, right: false, cell: (p) => (p.health === 'none' ? '-' : p.health) },
  { title: 'CPU', width: 6, right: true, cell: (p) => (p.cpu === null ? '-' : `${p.cpu.toFixed(1)}%`) },
  { title: 'MEM', width: 6, right: true, cell: (p) => (p.memory === null ? '-' : formatBytes(p.memory)) },
];
const LEFT_OUT_FIRST = ['HEALTH', 'UPTIME', 'PID', 'RESTARTS', 'MEM'];
/** the marker column (> on the selected row) and its space */
const MARKER = 2;
const NAME_MIN = 14;

/** The state as `ps` words it: backoff with its time left (counted down since the read), an exit with its code. */
export function stateText(p: ProcessStatus, now: number): string {
  if (p.state === 'backoff' && p.backoff_ms !== null) {
    const left = Math.max(0, p.backoff_ms - (now - (readTime(p) ?? now)));
    return `backoff ${Math.ceil(left / 1000)}s`;
  }
  if ((p.state === 'exited' || p.state === 'failed') && p.last_exit?.code != null)
    return `${p.state} (${p.last_exit.code})`;
  return p.state;
}

function uptime(p: ProcessStatus, now: number): string {
  if (p.pid === null || p.started_at === null) return '-';
  return formatDuration(Math.max(0, now - Date.parse(p.started_at))).replace(' ', '');
}

/** The columns that fit `width`, NAME first with the room left. */
export function columnsFor(width: number): Column[] {
  let fixed = FIXED;
  const room = (): number => width - MARKER - fixed.reduce((n, c) => n + c.width + 1, 0);
  for (const title of LEFT_OUT_FIRST) {
    if (room() >= NAME_MIN) break;
    fixed = fixed.filter((c) => c.title !== title);
  }
  const name: Column = { title: 'NAME', width: Math.max(room(), 4), right: false, cell: () => '' };
  return [name, ...fixed];
}

/** The rows a filter lets through (a part of the name or the state, any case), in sort order. */
export function visibleRows(
  procs: Iterable<ProcessStatus>,
  filter: string,
  sort: Sort,
  now: number,
): ProcessStatus[] {
  const f = filter.toLowerCase();
  const rows = [...procs].filter(
    (p) => f === '' || p.name.toLowerCase().includes(f) || p.state.toLowerCase().includes(f),
  );
  const value = (p: ProcessStatus): number | string => {
    switch (sort.key) {
      case 'state':
        return p.state;
      case 'cpu':
        return p.cpu ?? -1;
      case 'memory':
        return p.memory ?? -1;
      case 'restarts':
        return p.restarts;
      case 'uptime':
        return p.pid === null || p.started_at === null ? -1 : now - Date.parse(p.started_at);
      default:
        return '';
    }
  };
  rows.sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    let d = 0;
    if (va < vb) d = -1;
    else if (va > vb) d = 1;
    if (sort.descending) d = -d;
    // ties (and the name sort itself) in name order, instances by number
    return d !== 0
      ? d
      : a.name.localeCompare(b.name, 'en', { numeric: true }) *
          (sort.key === 'name' && sort.descending ? -1 : 1);
  });
  return rows;
}

/** The header line of the table, the sort column marked with an arrow. */
export function headerLine(width: number, sort: Sort, style: Style): string {
  const cols = columnsFor(width);
  const sortTitle = {
    name: 'NAME',
    state: 'STATE',
    cpu: 'CPU',
    memory: 'MEM',
    restarts: 'RESTARTS',
    uptime: 'UPTIME',
  }[sort.key];
  const cells = cols.map((c) => {
    const title = c.title === sortTitle ? `${c.title}${sort.descending ? '↓' : '↑'}` : c.title;
    return align(title, c.width, c.right);
  });
  return style.paint(fit(`  ${cells.join(' ')}`, width), { bold: true });
}

/** One row of the table: the marker, then the cells; the selected row in reverse video. */
export function rowLine(
  p: ProcessStatus,
  name: string,
  now: number,
  width: number,
  selected: boolean,
  style: Style,
): string {
  const cols = columnsFor(width);
  const parts: string[] = [selected ? '> ' : '  '];
  cols.forEach((c, i) => {
    const text = c.title === 'NAME' ? name : c.cell(p, now);
    const cell = align(text, c.width, c.right);
    const painted =
      c.title === 'STATE' && !selected ? style.paint(cell, { colour: stateColour(p.state) }) : cell;
    parts.push(i === cols.length - 1 ? painted : `${painted} `);
  });
  const used = MARKER + cols.reduce((n, c) => n + c.width + 1, 0) - 1;
  const line = parts.join('') + ' '.repeat(Math.max(0, width - used));
  return selected ? style.paint(line, { reverse: true, bold: true }) : line;
}

// A cell's text in exactly `width` cells, to the right or the left.
function align(text: string, width: number, right: boolean): string {
  const w = textWidth(text);
  if (w >= width) return fit(text, width);
  return right ? ' '.repeat(width - w) + text : text + ' '.repeat(width - w);
}
