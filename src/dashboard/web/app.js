// The dashboard page: reads every process once, then follows the event stream (re-reading only
// what an event names) and the usage stream (CPU and memory), and draws at most once per
// animation frame. The address's #fragment names the selected process, so a view can be linked.
import { follow, getJson, post, servicePath } from './api.js';
import { DetailPanel } from './detail.js';
import { LogPanel } from './logs.js';
import { Store } from './store.js';
import { ProcessTable } from './table.js';
import { Timeline } from './timeline.js';

const $ = (id) => document.getElementById(id);

// What needs drawing at the next frame.
const dirty = { table: false, detail: false, timeline: false };
let frameQueued = false;
/** Frame times the page has drawn (ms each), for the browser test's measure of responsiveness. */
const drawTimes = [];
window.corralDrawTimes = drawTimes;

// Marks a part of the page for the next frame's draw, asking for that frame once.
function schedule(part) {
  dirty[part] = true;
  if (frameQueued) return;
  frameQueued = true;
  requestAnimationFrame(draw);
}

// One frame: the table's rows in view, the detail, the timeline; each only if something changed.
function draw() {
  frameQueued = false;
  const started = performance.now();
  const now = Date.now();
  if (dirty.table) {
    dirty.table = false;
    table.render(now);
  }
  if (dirty.detail) {
    dirty.detail = false;
    detail.render();
  }
  if (dirty.timeline && !$('panel-events').hidden) {
    dirty.timeline = false;
    timeline.render();
  }
  drawTimes.push(performance.now() - started);
  if (drawTimes.length > 10_000) drawTimes.splice(0, 5_000);
}

let noticeTimer = 0;
// A message in the notice bar (errors of actions, a lost session), for 8 seconds.
function notice(text) {
  const el = $('notice');
  el.textContent = text;
  el.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => {
    el.hidden = true;
  }, 8000);
}

// Asks before a stop, in a real dialog; resolves true when confirmed.
function confirmStop(name) {
  const dialog = $('confirm');
  const what = !name.includes('/')
    ? `every process of project ${name}`
    : name.includes(':')
      ? name
      : `every process of service ${name}`;
  $('confirm-text').textContent = `Stop ${what}?`;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
    dialog.showModal();
  });
}

// Start, stop or restart a process, service or project; a stop asks first.
async function act(action, name, button) {
  if (action === 'stop' && !(await confirmStop(name))) return;
  if (button) button.disabled = true;
  try {
    await post(servicePath(name, `/${action}`));
  } catch (err) {
    notice(`${action} ${name}: ${err.message}`);
  } finally {
    if (button) button.disabled = false;
    schedule('table');
  }
}

// Sends a signal to a process or to every process of a service, and says to which.
async function sendSignal(name, signal) {
  try {
    const r = await post(servicePath(name, '/signal'), { signal });
    notice(`${signal} sent to ${r.sent.length ? r.sent.join(', ') : 'no running process'}`);
  } catch (err) {
    notice(`signal ${name}: ${err.message}`);
  }
}

const settings = await getJson('/settings.json');
const store = new Store(settings, (kind) => {
  if (kind === 'usage') table.usageChanged();
  schedule('table');
  if (kind !== 'usage' || selected !== null) schedule('detail');
  if (kind === 'events') schedule('timeline');
});
store.onError = (err) => notice(err.message);
let selected = null;

const table = new ProcessTable({
  store,
  scroll: $('table-scroll'),
  table: $('process-table'),
  tbody: $('rows'),
  empty: $('empty'),
  count: $('count'),
  onSelect: (name) => select(name),
  onAction: act,
});
table.onChange = () => schedule('table');

const detail = new DetailPanel({
  store,
  root: $('detail'),
  empty: $('detail-empty'),
  onAction: act,
  onSignal: sendSignal,
});

const logs = new LogPanel({
  settings,
  view: $('log-view'),
  search: $('log-search'),
  followBox: $('log-follow'),
  count: $('log-count'),
  title: $('logs-title'),
});

const timeline = new Timeline({ store, list: $('timeline'), onlySelected: $('events-selected') });
$('events-selected').addEventListener('change', () => schedule('timeline'));

// Selecting a process: its detail, its logs (when that tab is open), the address.
function select(name) {
  selected = name;
  table.selected = name;
  schedule('table');
  timeline.selected = name;
  detail.show(name);
  if (!$('panel-logs').hidden) logs.show(name);
  schedule('timeline');
  const hash = `#${encodeURIComponent(name)}`;
  if (location.hash !== hash) history.replaceState(null, '', hash);
}

// Tabs: Detail, Logs, Events; arrow keys move between them.
const tabs = ['detail', 'logs', 'events'];
// Shows one tab's panel; the logs of the selected process open with their tab.
function showTab(which) {
  for (const t of tabs) {
    const on = t === which;
    $(`tab-${t}`).setAttribute('aria-selected', String(on));
    $(`tab-${t}`).tabIndex = on ? 0 : -1;
    $(`panel-${t}`).hidden = !on;
  }
  if (which === 'logs' && selected !== null) logs.show(selected);
  if (which === 'events') schedule('timeline');
}
for (const t of tabs) {
  $(`tab-${t}`).addEventListener('click', () => showTab(t));
  $(`tab-${t}`).addEventListener('keydown', (ev) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[ev.key];
    if (!step) return;
    const next = tabs[(tabs.indexOf(t) + step + tabs.length) % tabs.length];
    showTab(next);
    $(`tab-${next}`).focus();
  });
}

$('filter').addEventListener('input', (ev) => table.setFilter(ev.target.value));
$('state-filter').addEventListener('change', (ev) => table.setStateFilter(ev.target.value));
document.addEventListener('keydown', (ev) => {
  if (ev.key === '/' && !ev.target.closest('input, select, textarea, dialog')) {
    ev.preventDefault();
    $('filter').focus();
  }
});
new ResizeObserver(() => schedule('table')).observe($('table-scroll'));

// Once a second: uptimes and backoff countdowns (only the rows in view are touched).
setInterval(() => {
  schedule('table');
  detail.tick(Date.now());
}, 1000);

// The connection's state, said in the header.
function connection(state) {
  const el = $('connection');
  const words = { open: 'live', retrying: 'reconnecting…', closed: 'disconnected: reload the page' };
  el.textContent = words[state] ?? state;
  el.className = `connection ${state === 'open' ? 'live' : 'down'}`;
}

// The header: the home, the daemon's pid and corral's version (again when a new daemon took over).
function loadHealth() {
  return getJson('/v1/health')
    .then((hl) => {
      store.daemonPid = hl.pid;
      $('daemon').textContent = `${hl.home} · daemon ${hl.pid} · corral ${hl.version}`;
    })
    .catch((err) => notice(err.message));
}
// the daemon's pid first: its own daemon-started event, replayed, is then no reason to read again
await loadHealth();
store.loadProjects();
try {
  await store.reloadAll();
} catch (err) {
  notice(err.message);
}
const loadedAt = Date.now();
follow(
  `/v1/events?follow=1&since=${encodeURIComponent(settings.eventsSince)}`,
  {
    event: (e) => {
      const live = Date.parse(e.time) >= loadedAt - 1000;
      store.addEvent(e, live);
      if (live && e.type === 'daemon-started') loadHealth();
    },
    // the daemon could not place where the stream left off: it sends what it has again
    reset: () => {
      store.events = [];
      store.reloadAll().catch((err) => notice(err.message));
    },
  },
  connection,
);
follow('/v1/usage?follow=1', { message: (s) => store.applyUsage(s), usage: (s) => store.applyUsage(s) });

// A link to a process (#shop%2Fapi%3A0) selects it and shows its row.
function followLink() {
  const linked = decodeURIComponent(location.hash.slice(1));
  if (linked === '' || linked === selected) return;
  select(linked);
  table.reveal(linked);
}
window.addEventListener('hashchange', followLink);
followLink();
