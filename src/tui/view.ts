// One frame of `top` into the screen buffer: the title, the process table, the log pane, the
// event feed and the help line (the main view); the full-screen log; the help screen; or, on a
// terminal too small to draw on, a line that says so. Pure: the same state gives the same rows.
import type { ProcessStatus } from '../api/schemas.js';
import { type EventFeed, eventLine } from './event-feed.js';
import { HELP_LINES, helpPairs } from './help.js';
import type { LogHistory } from './log-history.js';
import { paneLines, positionWords, wrappedLines } from './log-pane.js';
import type { Screen } from './screen.js';
import type { Style } from './style.js';
import { headerLine, rowLine } from './table.js';
import { layout, type UiState } from './ui-state.js';
import { fit } from './width.js';

/** What a frame shows besides the state: the rows in order, the selected process's log, the events. */
export interface FrameData {
  ui: UiState;
  rows: ProcessStatus[];
  total: ProcessStatus[];
  history: LogHistory | undefined;
  feed: EventFeed;
  now: number;
  style: Style;
  minCols: number;
  minRows: number;
}

/** Draws the frame for the state into `screen`. */
export function drawFrame(screen: Screen, d: FrameData): void {
  const { cols, rows } = screen;
  if (cols < d.minCols || rows < d.minRows) {
    for (let y = 0; y < rows; y++) screen.set(y, ' '.repeat(cols));
    const words = `Terminal too small (${cols}x${rows}); corral top needs ${d.minCols}x${d.minRows}. Enlarge it, or q quits.`;
    const lines = chunk(words, cols);
    for (const [i, l] of lines.entries()) screen.set(i, fit(l, cols));
    return;
  }
  if (d.ui.mode === 'help') drawHelp(screen, d);
  else if (d.ui.mode === 'log') drawLog(screen, d);
  else drawMain(screen, d);
}

// The main view: title, table, log pane, events, help line.
function drawMain(screen: Screen, d: FrameData): void {
  const { cols, rows } = screen;
  const { ui, style } = d;
  const parts = layout(rows, ui.logRows);
  let y = 0;
  screen.set(y++, titleLine(d, cols));
  screen.set(y++, headerLine(cols, ui.sort, style));
  for (let i = 0; i < parts.table; i++) {
    const p = d.rows[ui.tableTop + i];
    if (p === undefined) {
      const empty = i === 0 && d.rows.length === 0;
      const words =
        ui.filter !== '' ? `  nothing matches "${ui.filter}" (Esc clears the filter)` : '  no process';
      screen.set(y++, fit(empty ? words : '', cols));
      continue;
    }
    // every process by its full name, shop/api:0, as ps, logs and events name it
    screen.set(y++, rowLine(p, p.name, d.now, cols, p.name === ui.selected, style));
  }
  const logTitle =
    ui.selected === null
      ? 'logs'
      : `logs of ${ui.selected}${streamWords(d.history)} · ${positionWords(d.history, ui.log, parts.logs)}${searchWords(d)}`;
  screen.set(y++, rule(logTitle, cols, style, ui.focus === 'logs'));
  for (const line of paneLines(d.history, ui.log, parts.logs, cols, ui.search, style)) screen.set(y++, line);
  const scope = ui.eventsOfSelected && ui.selected !== null ? `events of ${ui.selected}` : 'events';
  screen.set(y++, rule(`${scope} (e: ${ui.eventsOfSelected ? 'all' : 'selected only'})`, cols, style, false));
  const events = d.feed.newest(parts.events, ui.eventsOfSelected ? ui.selected : null);
  for (let i = 0; i < parts.events; i++) {
    const e = events[i - (parts.events - events.length)];
    screen.set(y++, e === undefined ? ' '.repeat(cols) : fit(eventLine(e), cols));
  }
  screen.set(rows - 1, bottomLine(d, cols));
}

// The full-screen log: a title, the lines wrapped, the help line; nothing else, to copy from.
function drawLog(screen: Screen, d: FrameData): void {
  const { cols, rows } = screen;
  const { ui, style } = d;
  const body = rows - 2;
  const title = `logs of ${ui.selected ?? '-'}${streamWords(d.history)} · ${positionWords(d.history, ui.log, body)}${searchWords(d)}`;
  screen.set(0, style.paint(fit(title, cols), { reverse: true }));
  const lines = wrappedLines(d.history, ui.log, body, cols, ui.search, style);
  for (const [i, l] of lines.entries()) screen.set(1 + i, l);
  screen.set(rows - 1, bottomLine(d, cols));
}

// The help screen.
function drawHelp(screen: Screen, d: FrameData): void {
  const { cols, rows } = screen;
  for (let y = 0; y < rows - 1; y++) {
    const line = HELP_LINES[y] ?? '';
    screen.set(y, y === 0 ? d.style.paint(fit(line, cols), { bold: true }) : fit(line, cols));
  }
  screen.set(rows - 1, bottomLine(d, cols));
}

// The title: the counts by state, the daemon, the sort and filter; or that the daemon is away.
function titleLine(d: FrameData, cols: number): string {
  const { ui, style } = d;
  if (ui.lost !== null) {
    return style.paint(fit(`corral top · daemon lost (${ui.lost}); reconnecting…`, cols), {
      reverse: true,
      colour: 'red',
    });
  }
  const counts = new Map<string, number>();
  for (const p of d.total) counts.set(p.state, (counts.get(p.state) ?? 0) + 1);
  const states = [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
  const parts = [`corral top · ${d.total.length} processes${states === '' ? '' : `: ${states}`}`];
  if (ui.filter !== '') parts.push(`filter "${ui.filter}": ${d.rows.length}`);
  if (ui.daemonPid !== null) parts.push(`daemon ${ui.daemonPid}`);
  return style.paint(fit(parts.join(' · '), cols), { reverse: true });
}

// The last row: a question, a prompt, a notice, or the keys.
function bottomLine(d: FrameData, cols: number): string {
  const { ui, style } = d;
  const o = ui.overlay;
  if (o?.kind === 'confirm') {
    return style.paint(fit(`Stop ${o.words}? y stops, any other key does not`, cols), {
      bold: true,
      colour: 'yellow',
    });
  }
  if (o?.kind === 'prompt') {
    const label =
      o.purpose === 'filter'
        ? 'filter (name or state)'
        : o.purpose === 'search'
          ? 'search the log'
          : `signal to ${o.target} (HUP, USR1, TERM, 9…; Enter: TERM)`;
    return style.paint(fit(`${label}: ${o.text}_`, cols), { bold: true });
  }
  if (ui.notice !== null && ui.notice.until > d.now) {
    return style.paint(fit(ui.notice.text, cols), { colour: ui.notice.error ? 'red' : 'green', bold: true });
  }
  const pairs = helpPairs(ui.mode, ui.focus, `target:${ui.scope}`);
  let out = '';
  let used = 0;
  for (const [key, words] of pairs) {
    // two spaces between pairs; the last one may end at the edge
    const gap = used === 0 ? '' : '  ';
    const width = gap.length + [...`${key} ${words}`].length;
    if (used + width > cols) break;
    out += `${gap}${style.paint(key, { bold: true })} ${words}`;
    used += width;
  }
  return out + ' '.repeat(Math.max(0, cols - used));
}

// A title rule: ── words ──────; bold when its pane has the keys.
function rule(words: string, cols: number, style: Style, focused: boolean): string {
  const text = fit(`── ${words} ${'─'.repeat(cols)}`, cols, false);
  return focused ? style.paint(text, { bold: true, colour: 'cyan' }) : style.paint(text, { colour: 'gray' });
}

function streamWords(h: LogHistory | undefined): string {
  if (!h || h.state === '') return '';
  return ` (${h.state})`;
}

function searchWords(d: FrameData): string {
  if (d.ui.search === '' || !d.history) return '';
  const { total } = d.history.countMatches(d.ui.search, d.history.end);
  return ` · "${d.ui.search}": ${total} line${total === 1 ? '' : 's'}`;
}

// Words cut into pieces of `width` characters.
function chunk(text: string, width: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += width) out.push(text.slice(i, i + width));
  return out;
}
