// The event timeline: the journal's events as they come, newest first, of every process or only
// of the selected one.
import { h } from './dom.js';
import { clock, eventTarget } from './format.js';

const SHOWN = 300;

/** One event's words: its exit, delay, reason and message. */
export function eventText(e) {
  const parts = [];
  if (e.pid !== null && e.pid !== undefined) parts.push(`pid ${e.pid}`);
  if (e.signal) parts.push(e.signal);
  else if (e.code !== null && e.code !== undefined) parts.push(`code ${e.code}`);
  if (e.reason) parts.push(e.reason);
  if (e.delay_ms !== null && e.delay_ms !== undefined) parts.push(`in ${(e.delay_ms / 1000).toFixed(1)} s`);
  if (e.message) parts.push(e.message);
  return parts.join(' · ');
}

export class Timeline {
  constructor({ store, list, onlySelected }) {
    Object.assign(this, { store, list, onlySelected });
    this.selected = null;
  }

  /** Draws the newest events, of every process or of the selected one. */
  render() {
    const events = this.store
      .eventsOf(this.onlySelected.checked ? (this.store.procs.get(this.selected) ?? null) : null)
      .slice(0, SHOWN);
    this.list.replaceChildren(
      ...events.map((e) =>
        h(
          'li',
          {},
          h('time', { dateTime: e.time, text: clock(e.time) }),
          h('span', { class: `type ${e.type}`, text: e.type }),
          h(
            'span',
            { class: 'what' },
            eventTarget(e) ?? e.project ?? 'daemon',
            ' ',
            h('span', { class: 'count', text: eventText(e) }),
          ),
        ),
      ),
    );
  }
}
