// What each key does in `top`: on a question or prompt first, then in the help screen, the
// full-screen log, the log pane or the process table (the help screen lists them all).
import type { TopApp } from './app.js';
import { hold, scroll } from './log-pane.js';
import { SORT_KEYS } from './table.js';
import { describeTarget, SCOPES, targetOf } from './ui-state.js';

/** Acts on one key. */
export function handleKey(app: TopApp, key: string): void {
  const ui = app.ui;
  if (key === 'ctrl-c') {
    app.quit(0);
    return;
  }
  if (ui.overlay !== null) {
    overlayKey(app, key);
    return;
  }
  if (key === 'ctrl-l') {
    app.redrawAll();
    return;
  }
  if (key === 'ctrl-z') {
    app.suspend();
    return;
  }
  // nothing on screen says what a key would do: no action, no question (q quits)
  if (app.tooSmall()) {
    if (key === 'q') app.quit(0);
    return;
  }
  if (ui.mode === 'help') {
    ui.mode = ui.before;
    return;
  }
  if (key === '?') {
    ui.before = ui.mode;
    ui.mode = 'help';
    return;
  }
  if (ui.mode === 'log') {
    logKey(app, key, true);
    return;
  }
  if (key === 'q') {
    app.quit(0);
    return;
  }
  if (key === 'tab' || key === 'shift-tab') {
    ui.focus = ui.focus === 'table' ? 'logs' : 'table';
    return;
  }
  if (ui.focus === 'logs') {
    logKey(app, key, false);
    return;
  }
  tableKey(app, key);
}

// A key of the process table.
function tableKey(app: TopApp, key: string): void {
  const ui = app.ui;
  const rows = app.currentRows();
  const index = ui.selected === null ? -1 : rows.findIndex((p) => p.name === ui.selected);
  const moveTo = (i: number): void => {
    if (rows.length === 0) return;
    const to = Math.max(0, Math.min(rows.length - 1, i));
    ui.selectedIndex = to;
    app.select(rows[to].name);
  };
  const page = Math.max(1, app.tableRows - 1);
  const target = ui.selected === null ? null : targetOf(ui.selected, ui.scope);
  switch (key) {
    case 'up':
      moveTo(index - 1);
      return;
    case 'down':
      moveTo(index + 1);
      return;
    case 'pageup':
      moveTo(index - page);
      return;
    case 'pagedown':
      moveTo(index + page);
      return;
    case 'home':
      moveTo(0);
      return;
    case 'end':
      moveTo(rows.length - 1);
      return;
    case 'enter':
    case 'l':
      if (ui.selected !== null) ui.mode = 'log';
      return;
    case 's':
      if (target !== null) app.act('start', target);
      return;
    case 'r':
      if (target !== null) app.act('restart', target);
      return;
    case 'x':
      if (target !== null) ui.overlay = { kind: 'confirm', target, words: describeTarget(target, ui.scope) };
      return;
    case 'k':
      if (target !== null) ui.overlay = { kind: 'prompt', purpose: 'signal', text: '', target };
      return;
    case 't':
      ui.scope = SCOPES[(SCOPES.indexOf(ui.scope) + 1) % SCOPES.length];
      return;
    case '/':
      ui.overlay = { kind: 'prompt', purpose: 'filter', text: ui.filter };
      return;
    case 'escape':
      ui.filter = '';
      return;
    case 'o':
      ui.sort = {
        key: SORT_KEYS[(SORT_KEYS.indexOf(ui.sort.key) + 1) % SORT_KEYS.length],
        descending: false,
      };
      return;
    case 'O':
      ui.sort = { ...ui.sort, descending: !ui.sort.descending };
      return;
    case 'e':
      ui.eventsOfSelected = !ui.eventsOfSelected;
      return;
    case '+':
    case '-':
      resizeLogPane(app, key === '+' ? 1 : -1);
      return;
    case 'f':
    case 'n':
    case 'N':
    case 'p':
    case 'y':
      logKey(app, key, false);
      return;
  }
}

// A key of the log, in the pane (`full` false) or full-screen.
function logKey(app: TopApp, key: string, full: boolean): void {
  const ui = app.ui;
  const h = app.history;
  const rows = app.logRows;
  switch (key) {
    case 'q':
    case 'escape':
      if (full) {
        ui.mode = 'main';
        return;
      }
      if (key === 'escape') {
        ui.search = '';
        ui.log.match = null;
      }
      return;
    case 'enter':
      ui.mode = full ? 'main' : 'log';
      return;
    case 'up':
      scroll(h, ui.log, rows, -1);
      return;
    case 'down':
      scroll(h, ui.log, rows, 1);
      return;
    case 'pageup':
      scroll(h, ui.log, rows, -Math.max(1, rows - 1));
      return;
    case 'pagedown':
      scroll(h, ui.log, rows, Math.max(1, rows - 1));
      return;
    case 'home':
      if (h) {
        ui.log.follow = false;
        ui.log.bottom = h.first + rows - 1;
      }
      return;
    case 'end':
      ui.log.follow = true;
      return;
    case 'f':
      if (ui.log.follow) hold(h, ui.log, rows);
      else ui.log.follow = true;
      return;
    case '/':
      ui.overlay = { kind: 'prompt', purpose: 'search', text: ui.search };
      return;
    case 'n':
    case 'N':
      findNext(app, key === 'n' ? 'older' : 'newer');
      return;
    case 'p':
      void app.page();
      return;
    case 'y':
      app.copy(full);
      return;
    case '+':
    case '-':
      if (!full) resizeLogPane(app, key === '+' ? 1 : -1);
      return;
  }
}

// Moves the log view to the next match of the search, older or newer than the current one.
function findNext(app: TopApp, direction: 'older' | 'newer'): void {
  const ui = app.ui;
  const h = app.history;
  if (!h || ui.search === '') return;
  const from = ui.log.match ?? h.end;
  const n = direction === 'older' ? h.searchBack(ui.search, from) : h.searchForward(ui.search, from);
  if (n === null) {
    app.notice(`no ${direction} line with "${ui.search}"`, true);
    return;
  }
  showMatch(app, n);
}

// Puts line `n` (a match) in the middle of the log view; one among the last lines is shown following.
function showMatch(app: TopApp, n: number): void {
  const ui = app.ui;
  const h = app.history;
  if (!h) return;
  const rows = app.logRows;
  ui.log.match = n;
  const bottom = n + Math.floor(rows / 2);
  if (bottom >= h.end - 1) {
    ui.log.follow = true;
    ui.log.bottom = h.end - 1;
  } else {
    ui.log.follow = false;
    ui.log.bottom = bottom;
  }
}

// A key while a question or prompt is on the last row.
function overlayKey(app: TopApp, key: string): void {
  const ui = app.ui;
  const o = ui.overlay;
  if (o === null) return;
  if (o.kind === 'confirm') {
    ui.overlay = null;
    if (key === 'y' || key === 'Y') app.act('stop', o.target);
    else app.notice('not stopped');
    return;
  }
  if (key === 'escape') {
    ui.overlay = null;
    if (o.purpose === 'filter') ui.filter = '';
    return;
  }
  if (key === 'enter') {
    ui.overlay = null;
    if (o.purpose === 'search') {
      ui.search = o.text;
      ui.log.match = null;
      // the newest match first; n goes on to older ones
      if (o.text !== '') findNext(app, 'older');
    } else if (o.purpose === 'signal' && o.target !== undefined) {
      app.signal(o.target, o.text.trim() === '' ? 'TERM' : o.text.trim());
    }
    return;
  }
  if (key === 'backspace') o.text = [...o.text].slice(0, -1).join('');
  else if ([...key].length === 1) o.text += key;
  // the filter applies as it is typed
  if (o.purpose === 'filter') ui.filter = o.text;
}

// Makes the log pane taller (+1) or shorter (-1), within what the table leaves.
function resizeLogPane(app: TopApp, delta: number): void {
  const ui = app.ui;
  ui.logRows = Math.max(1, app.logRows + delta);
}
