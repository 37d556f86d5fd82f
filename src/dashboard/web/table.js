// The process table: a real <table>, one row per process, the name in the first cell (a row
// header). Only the rows in view (plus a few) are in the document; spacer rows above and below
// keep the scroll height, and aria-rowcount/aria-rowindex tell assistive technology where a row
// sits among all of them. Rows are drawn at most once per animation frame, cell by cell, and a
// cell's text is set only when it changed.
import { bytes, cpu, duration, timeLeft } from './format.js';
import { createSparkline, drawSparkline } from './sparkline.js';

const COLUMNS = 9;
const OVERSCAN = 8;
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Actions of a row: shown as buttons named exactly so. */
export const ACTIONS = ['Start', 'Stop', 'Restart'];

// The order of states when sorting by state: the ones that want attention first.
const STATE_RANK = {
  failed: 0,
  backoff: 1,
  exited: 2,
  stopping: 3,
  starting: 4,
  waiting: 5,
  stopped: 6,
  running: 7,
};

// What a sort key reads of a process.
const SORT_KEYS = {
  name: (p) => p.name,
  state: (p) => STATE_RANK[p.state] ?? 9,
  pid: (p) => p.pid ?? -1,
  uptime: (p) => (p.started_at && p.pid !== null ? -Date.parse(p.started_at) : Number.NEGATIVE_INFINITY),
  restarts: (p) => p.restarts,
  health: (p) => p.health,
  cpu: (p) => p.cpu ?? -1,
  memory: (p) => p.memory ?? -1,
};

/** What the State cell says: the state, with the backoff time left or the sd_notify status. */
export function stateText(p, now) {
  if (p.state === 'backoff' && p.backoff_ms !== null)
    return `${p.state} ${timeLeft(p.backoff_ms - (now - p.seenAt))}`;
  return p.state;
}

export class ProcessTable {
  constructor({ store, scroll, table, tbody, empty, count, onSelect, onAction }) {
    Object.assign(this, { store, scroll, table, tbody, empty, count, onSelect, onAction });
    this.filterText = '';
    this.stateFilter = '';
    this.sortKey = 'name';
    this.sortDir = 1;
    this.view = [];
    this.viewVersion = -1;
    this.viewDirty = true;
    this.rowHeight = 34;
    this.measured = false;
    this.selected = null;
    this.focusSelected = false;
    this.pool = [];
    this.top = this.spacer();
    this.bottom = this.spacer();
    this.tbody.append(this.top, this.bottom);
    this.wire();
  }

  // A spacer row: as tall as the rows not drawn on its side.
  spacer() {
    const tr = document.createElement('tr');
    tr.className = 'spacer';
    tr.setAttribute('aria-hidden', 'true');
    const td = document.createElement('td');
    td.colSpan = COLUMNS;
    tr.append(td);
    return tr;
  }

  // Clicks on names and buttons (delegated), the header's sort buttons, the keyboard.
  wire() {
    this.tbody.addEventListener('click', (ev) => {
      const button = ev.target.closest('button');
      const tr = ev.target.closest('tr.row');
      if (!tr?.dataset.name) return;
      if (button?.dataset.action) this.onAction(button.dataset.action, tr.dataset.name, button);
      else this.select(tr.dataset.name, false);
    });
    this.tbody.addEventListener('keydown', (ev) => this.key(ev));
    for (const b of this.table.querySelectorAll('th button[data-sort]')) {
      b.addEventListener('click', () => this.setSort(b.dataset.sort));
    }
    this.scroll.addEventListener('scroll', () => this.onChange(), { passive: true });
  }

  // Arrow keys, Home/End and PageUp/PageDown move the selection among all rows, not only the drawn ones.
  key(ev) {
    const moves = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10, Home: -Infinity, End: Infinity };
    if (!(ev.key in moves) || ev.target.closest('.actions')) return;
    ev.preventDefault();
    this.computeView();
    if (this.view.length === 0) return;
    const at = this.view.findIndex((p) => p.name === this.selected);
    const next = Math.max(0, Math.min(this.view.length - 1, (at < 0 ? -1 : at) + moves[ev.key]));
    this.select(this.view[next].name, true);
    this.scrollTo(next);
  }

  /** Scrolls so that row `index` of the current view is visible. */
  scrollTo(index) {
    const head = this.table.tHead.offsetHeight;
    const y = index * this.rowHeight;
    const h = this.scroll.clientHeight - head;
    if (y < this.scroll.scrollTop) this.scroll.scrollTop = y;
    else if (y + this.rowHeight > this.scroll.scrollTop + h) this.scroll.scrollTop = y + this.rowHeight - h;
  }

  /** Scrolls the row of `name` to the middle of the view, if the filter shows it. */
  reveal(name) {
    this.computeView();
    const index = this.view.findIndex((p) => p.name === name);
    if (index < 0) return;
    const viewport = this.scroll.clientHeight - this.table.tHead.offsetHeight;
    this.scroll.scrollTop = Math.max(0, index * this.rowHeight - viewport / 2);
    this.onChange();
  }

  /** Selects a process (its detail and logs open); `focus` moves the keyboard focus to its row. */
  select(name, focus) {
    this.selected = name;
    this.focusSelected = focus;
    this.onSelect(name);
    this.onChange();
  }

  /** Keeps the processes whose name, state or health contain every word of `text`. */
  setFilter(text) {
    this.filterText = text.trim().toLowerCase();
    this.viewDirty = true;
    this.scroll.scrollTop = 0;
    this.onChange();
  }

  /** Keeps the processes in `state` only ('' for all). */
  setStateFilter(state) {
    this.stateFilter = state;
    this.viewDirty = true;
    this.scroll.scrollTop = 0;
    this.onChange();
  }

  /** Sorts by `key`; the same key again reverses the order. */
  setSort(key) {
    this.sortDir = this.sortKey === key ? -this.sortDir : 1;
    this.sortKey = key;
    for (const th of this.table.tHead.querySelectorAll('th')) {
      const b = th.querySelector('button[data-sort]');
      if (!b) continue;
      if (b.dataset.sort === key) th.setAttribute('aria-sort', this.sortDir > 0 ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
    }
    this.viewDirty = true;
    this.onChange();
  }

  /** Set by the page: asks for a draw at the next frame. */
  onChange() {}

  // The processes that pass the filter, in the chosen order; recomputed only when they may have changed.
  computeView() {
    if (!this.viewDirty && this.viewVersion === this.store.version) return;
    const words = this.filterText.split(/\s+/).filter(Boolean);
    const out = [];
    for (const p of this.store.procs.values()) {
      if (this.stateFilter && p.state !== this.stateFilter) continue;
      let ok = true;
      for (const w of words) {
        if (!p.name.toLowerCase().includes(w) && !p.state.includes(w) && !p.health.includes(w)) {
          ok = false;
          break;
        }
      }
      if (ok) out.push(p);
    }
    const read = SORT_KEYS[this.sortKey];
    const dir = this.sortDir;
    out.sort((a, b) => {
      const x = read(a);
      const y = read(b);
      const c = typeof x === 'string' ? collator.compare(x, y) : x - y;
      return c !== 0 ? c * dir : collator.compare(a.name, b.name);
    });
    this.view = out;
    this.viewVersion = this.store.version;
    this.viewDirty = false;
  }

  /** The view must be sorted again when figures change (a sort by CPU or memory). */
  usageChanged() {
    if (this.sortKey === 'cpu' || this.sortKey === 'memory') this.viewDirty = true;
  }

  /** Draws the rows in view. */
  render(now) {
    this.computeView();
    const total = this.view.length;
    this.table.setAttribute('aria-rowcount', String(total + 1));
    this.count.textContent =
      total === this.store.procs.size ? `${total}` : `${total} of ${this.store.procs.size}`;
    this.empty.hidden = total > 0 || !this.store.loaded;
    this.empty.textContent =
      this.store.procs.size === 0
        ? 'No process yet: `corral up` in a project’s directory starts its services.'
        : 'No process matches.';
    const head = this.table.tHead.offsetHeight;
    const viewport = Math.max(0, this.scroll.clientHeight - head);
    const first = Math.max(0, Math.floor(this.scroll.scrollTop / this.rowHeight) - OVERSCAN);
    const last = Math.min(total, Math.ceil((this.scroll.scrollTop + viewport) / this.rowHeight) + OVERSCAN);
    const n = Math.max(0, last - first);
    // a process keeps its row element while it stays in view (focus and a click in flight stay
    // with it when the order changes); rows of processes gone from view are reused for the new ones
    const shown = this.view.slice(first, last);
    const keep = new Set(shown.map((p) => p.name));
    const free = this.pool.filter((tr) => !keep.has(tr.dataset.name ?? ''));
    while (free.length < n) {
      const tr = this.createRow();
      this.pool.push(tr);
      free.push(tr);
    }
    const byName = new Map(
      this.pool.filter((tr) => keep.has(tr.dataset.name ?? '')).map((tr) => [tr.dataset.name, tr]),
    );
    const used = shown.map((p) => byName.get(p.name) ?? free.shift());
    for (let i = 0; i < n; i++) this.updateRow(used[i], shown[i], first + i, now);
    // rows in document order: top spacer, the drawn rows, bottom spacer; others leave
    let at = this.top.nextSibling;
    for (const tr of used) {
      if (at !== tr) this.tbody.insertBefore(tr, at);
      at = tr.nextSibling;
    }
    while (at && at !== this.bottom) {
      const next = at.nextSibling;
      at.remove();
      at = next;
    }
    this.top.firstChild.style.height = `${first * this.rowHeight}px`;
    this.bottom.firstChild.style.height = `${(total - last) * this.rowHeight}px`;
    if (!this.measured && n > 0) {
      const h = used[0].getBoundingClientRect().height;
      if (h > 0 && Math.abs(h - this.rowHeight) > 0.5) {
        this.rowHeight = h;
        this.measured = true;
        return this.render(now);
      }
      this.measured = true;
    }
    if (this.focusSelected) {
      this.focusSelected = false;
      used
        .find((tr) => tr.dataset.name === this.selected)
        ?.querySelector('.name-button')
        ?.focus();
    }
  }

  // One pooled row: its cells, built once; updateRow fills them.
  createRow() {
    const tr = document.createElement('tr');
    tr.className = 'row';
    const name = document.createElement('th');
    name.scope = 'row';
    const nameButton = document.createElement('button');
    nameButton.type = 'button';
    nameButton.className = 'name-button';
    name.append(nameButton);
    const cells = [];
    for (let i = 0; i < COLUMNS - 1; i++) cells.push(document.createElement('td'));
    const [state, pid, uptime, restarts, health, cpuCell, memCell, actions] = cells;
    const stateSpan = document.createElement('span');
    stateSpan.className = 'state';
    state.append(stateSpan);
    for (const c of [pid, uptime, restarts]) c.className = 'num';
    const metric = (cell, kind) => {
      const box = document.createElement('div');
      box.className = 'metric';
      const spark = createSparkline(kind);
      const text = document.createElement('span');
      box.append(spark, text);
      cell.append(box);
      return { spark, text };
    };
    const cpuM = metric(cpuCell, 'cpu');
    const memM = metric(memCell, 'mem');
    const box = document.createElement('div');
    box.className = 'actions';
    const buttons = {};
    for (const a of ACTIONS) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = a;
      b.dataset.action = a.toLowerCase();
      if (a === 'Stop') b.className = 'danger';
      buttons[a] = b;
      box.append(b);
    }
    actions.append(box);
    tr.append(name, ...cells);
    tr.cells_ = { nameButton, stateSpan, pid, uptime, restarts, health, cpuM, memM, buttons };
    tr.last_ = {};
    return tr;
  }

  // Fills one row with one process; touches only what changed since it was last drawn.
  updateRow(tr, p, index, now) {
    const c = tr.cells_;
    const last = tr.last_;
    const set = (key, value, apply) => {
      if (last[key] !== value) {
        last[key] = value;
        apply(value);
      }
    };
    set('name', p.name, (v) => {
      tr.dataset.name = v;
      c.nameButton.textContent = v;
      c.nameButton.title = v;
    });
    set('index', index, (v) => tr.setAttribute('aria-rowindex', String(v + 2)));
    set('selected', p.name === this.selected, (v) => {
      tr.classList.toggle('selected', v);
      if (v) tr.setAttribute('aria-current', 'true');
      else tr.removeAttribute('aria-current');
    });
    set('stateClass', p.state, (v) => {
      c.stateSpan.className = `state ${v}`;
      const active = v === 'running' || v === 'starting' || v === 'stopping';
      c.buttons.Start.disabled = active;
      c.buttons.Stop.disabled = v === 'stopped' || v === 'exited' || v === 'failed';
    });
    set('state', stateText(p, now), (v) => {
      c.stateSpan.textContent = v;
    });
    set('pid', p.pid, (v) => {
      c.pid.textContent = v === null ? '–' : String(v);
    });
    const up = p.pid !== null && p.started_at ? duration(now - Date.parse(p.started_at)) : '–';
    set('uptime', up, (v) => {
      c.uptime.textContent = v;
    });
    set('restarts', p.restarts, (v) => {
      c.restarts.textContent = String(v);
    });
    set('health', p.health, (v) => {
      c.health.textContent = v;
      c.health.className = v.startsWith('unhealthy')
        ? 'health-unhealthy'
        : v === 'healthy'
          ? 'health-healthy'
          : '';
    });
    set('cpu', p.cpu, (v) => {
      c.cpuM.text.textContent = cpu(v);
    });
    set('mem', p.memory, (v) => {
      c.memM.text.textContent = bytes(v);
    });
    const h = this.store.usage.get(p.name);
    const stamp = h ? `${h.t.length}:${h.t[h.t.length - 1]}:${Math.floor(now / 10_000)}` : '';
    set('spark', `${p.name}|${stamp}`, () => {
      const span = this.store.settings.sparklineMs;
      drawSparkline(c.cpuM.spark, h?.t ?? [], h?.cpu ?? [], now, span, 5);
      drawSparkline(c.memM.spark, h?.t ?? [], h?.mem ?? [], now, span, 1024 * 1024);
    });
  }
}
