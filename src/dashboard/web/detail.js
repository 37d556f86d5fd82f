// The detail of the selected process: why it is in its state, its figures, the actions on it, its
// service and its project (Start, Stop, Restart; a signal), its probe results and recent exits
// (from the event timeline), and its service's definition (GET /v1/projects, secrets masked).
import { code, facts, h } from './dom.js';
import { bytes, clock, cpu, dateTime, duration, exit, ms } from './format.js';
import { ACTIONS } from './table.js';
import { explain, probeText } from './why.js';

const SIGNALS = [
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGTERM',
  'SIGKILL',
  'SIGUSR1',
  'SIGUSR2',
  'SIGCONT',
  'SIGSTOP',
];
const EXITS_SHOWN = 10;
const PROBES_SHOWN = 5;

export class DetailPanel {
  constructor({ store, root, empty, onAction, onSignal }) {
    Object.assign(this, { store, root, empty, onAction, onSignal });
    this.name = null;
    this.signal = 'SIGHUP';
    this.whyEl = null;
  }

  /** Shows process `name` (null: none). */
  show(name) {
    this.name = name;
    this.shown = null;
    this.render();
  }

  /** Updates the time-dependent sentence only (backoff countdown, uptime), once a second. */
  tick(now) {
    const p = this.name === null ? null : this.store.procs.get(this.name);
    if (!p || !this.whyEl) return;
    const { text, tone } = explain(p, this.store.definitionOf(p), now);
    if (this.whyEl.textContent !== text) this.whyEl.textContent = text;
    this.whyEl.className = `why ${tone}`;
  }

  /**
   * Draws the panel again when what it shows changed (the process's status or figures, its
   * events, the definitions); a change of another process leaves it (and an open menu) alone.
   */
  render() {
    const p = this.name === null ? null : this.store.procs.get(this.name);
    const events = p ? this.store.eventsOf(p) : [];
    const shown = [p, p?.cpu, p?.memory, events.length, events[0], this.store.projects];
    if (this.shown && shown.every((v, i) => v === this.shown[i])) return;
    this.shown = shown;
    this.empty.hidden = p !== null && p !== undefined;
    this.root.hidden = !p;
    if (!p) {
      if (this.name !== null)
        this.empty.textContent = `${this.name} is gone: its project or service was removed.`;
      this.whyEl = null;
      this.root.replaceChildren();
      return;
    }
    const focused = this.root.contains(document.activeElement) ? document.activeElement : null;
    const focusKey = focused ? (focused.dataset.key ?? null) : null;
    const def = this.store.definitionOf(p);
    const now = Date.now();
    const { text, tone } = explain(p, def, now);
    this.whyEl = h('p', { class: `why ${tone}`, text, 'aria-live': 'polite' });
    const service = `${p.project}/${p.service}`;
    this.root.replaceChildren(
      h(
        'div',
        { class: 'detail' },
        h('h2', { text: p.name }),
        h('p', { class: 'state-line' }, h('span', { class: `state ${p.state}`, text: p.state })),
        this.whyEl,
        h('h3', { text: 'Actions' }),
        this.scope('Process', p.name),
        this.scope('Service', service),
        this.scope('Project', p.project),
        this.signalForm(p.name, service),
        h('h3', { text: 'Now' }),
        facts([
          ['PID', p.pid === null ? '–' : String(p.pid)],
          [
            'Started',
            p.started_at
              ? `${dateTime(p.started_at)}${p.pid !== null ? ` (up ${duration(now - Date.parse(p.started_at))})` : ''}`
              : '–',
          ],
          ['Restarts', String(p.restarts)],
          ['Health', p.health],
          ['CPU', cpu(p.cpu)],
          ['Memory', bytes(p.memory)],
          ['Last exit', exit(p.last_exit)],
          ['Status text', p.status_text],
          ['Message', p.message],
          ['Definition', p.outdated ? 'changed since this process started: a restart applies it' : null],
        ]),
        this.probes(def, events),
        this.exits(events),
        this.definition(def),
      ),
    );
    if (focusKey) this.root.querySelector(`[data-key="${CSS.escape(focusKey)}"]`)?.focus();
  }

  // Start, Stop and Restart for one scope (the process, its service, its project).
  scope(kind, name) {
    return h(
      'div',
      { class: 'scope', role: 'group', 'aria-label': `${kind} ${name}` },
      h('span', { class: 'scope-name' }, `${kind} `, code(name)),
      ACTIONS.map((a) =>
        h('button', {
          type: 'button',
          text: a,
          class: a === 'Stop' ? 'danger' : undefined,
          'data-key': `${kind}-${a}`,
          onclick: (ev) => this.onAction(a.toLowerCase(), name, ev.currentTarget),
        }),
      ),
    );
  }

  // A signal to the process or to every process of its service.
  signalForm(name, service) {
    const select = h(
      'select',
      { 'data-key': 'signal', onchange: (ev) => (this.signal = ev.target.value), 'aria-label': 'Signal' },
      SIGNALS.map((s) => h('option', { text: s, selected: s === this.signal })),
    );
    return h(
      'div',
      { class: 'scope', role: 'group', 'aria-label': 'Send a signal' },
      h('span', { class: 'scope-name', text: 'Signal' }),
      select,
      h('button', {
        type: 'button',
        text: 'Send to process',
        'data-key': 'sig-p',
        onclick: () => this.onSignal(name, select.value),
      }),
      h('button', {
        type: 'button',
        text: 'Send to service',
        'data-key': 'sig-s',
        onclick: () => this.onSignal(service, select.value),
      }),
    );
  }

  // The checks of its definition and their last results (ready and health-failed events).
  probes(def, events) {
    const results = events
      .filter((e) => e.type === 'ready' || e.type === 'health-failed')
      .slice(0, PROBES_SHOWN);
    return [
      h('h3', { text: 'Checks' }),
      facts([
        [
          'Ready',
          def
            ? def.ready
              ? `${probeText(def.ready.check)} every ${ms(def.ready.intervalMs)}, timeout ${ms(def.ready.timeoutMs)}`
              : 'none: ready once spawned'
            : null,
        ],
        [
          'Health',
          def
            ? def.health
              ? `${probeText(def.health.check)} every ${ms(def.health.intervalMs)}, ${def.health.failures} failures restart it`
              : 'none'
            : null,
        ],
      ]),
      results.length === 0
        ? null
        : h(
            'table',
            { class: 'small-table', 'aria-label': 'Recent check results' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', { text: 'Time' }),
                h('th', { text: 'Result' }),
                h('th', { text: 'Message' }),
              ),
            ),
            h(
              'tbody',
              {},
              results.map((e) =>
                h(
                  'tr',
                  {},
                  h('td', { text: clock(e.time) }),
                  h('td', { text: e.type }),
                  h('td', { text: e.message ?? '' }),
                ),
              ),
            ),
          ),
    ];
  }

  // Its recent exits, newest first.
  exits(events) {
    const exits = events.filter((e) => e.type === 'exited').slice(0, EXITS_SHOWN);
    return [
      h('h3', { text: 'Recent exits' }),
      exits.length === 0
        ? h('p', { class: 'hint', text: 'No exit in the events this page has.' })
        : h(
            'table',
            { class: 'small-table', 'aria-label': 'Recent exits' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Time', 'PID', 'Exit', 'Reason', 'Message'].map((t) => h('th', { text: t })),
              ),
            ),
            h(
              'tbody',
              {},
              exits.map((e) =>
                h(
                  'tr',
                  {},
                  h('td', { text: clock(e.time) }),
                  h('td', { text: e.pid ?? '–' }),
                  h('td', { text: e.signal ? e.signal : e.code === null ? '–' : `code ${e.code}` }),
                  h('td', { text: e.reason ?? '' }),
                  h('td', { text: e.message ?? '' }),
                ),
              ),
            ),
          ),
    ];
  }

  // The service's definition as loaded (durations in ms there; written back as durations).
  definition(def) {
    if (!def) return [h('h3', { text: 'Definition' }), h('p', { class: 'hint', text: 'Loading…' })];
    const env = Object.entries(def.env);
    const deps = Object.entries(def.dependsOn);
    return [
      h('h3', { text: 'Definition' }),
      facts([
        ['Command', code(def.command.join(' '))],
        ['Directory', code(def.cwd)],
        ['Instances', String(def.instances)],
        ['Depends on', deps.length ? deps.map(([d, c]) => `${d} (${c})`).join(', ') : 'nothing'],
        ['Restart', `${def.restart}${def.maxRestarts ? `, at most ${def.maxRestarts} times` : ''}`],
        [
          'Backoff',
          `${def.backoff.free} at once, then ${ms(def.backoff.initialMs)} ×${def.backoff.factor} up to ${ms(def.backoff.maxMs)}; reset after ${ms(def.backoff.resetAfterMs)}`,
        ],
        ['Stop', `${def.stop.signal}, SIGKILL after ${ms(def.stop.timeoutMs)}`],
        ['Success codes', def.successCodes.join(', ')],
        [
          'Logs',
          `${def.logs.timestamps ? 'timestamps, ' : ''}${bytes(def.logs.maxSizeBytes)} a file, ${def.logs.keep} kept`,
        ],
        ['Sockets', def.sockets.length ? def.sockets.join(', ') : null],
        ['Max memory', def.maxMemoryBytes === null ? null : bytes(def.maxMemoryBytes)],
        ['User', def.user ? `${def.user}${def.group ? `:${def.group}` : ''}` : null],
        ['Autostart', def.autostart ? null : 'no'],
        [
          'Environment',
          env.length
            ? h(
                'div',
                {},
                env.map(([k, v]) => h('div', {}, code(`${k}=${v}`))),
              )
            : 'nothing of its own',
        ],
      ]),
    ];
  }
}
