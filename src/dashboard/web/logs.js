// A process's log, live: its last lines, then every line as it is written, searchable, with
// follow on or off. Each process keeps its lines while the page switches to another one (the
// streams of the last few stay open; an older one is closed but its lines are kept, and read
// afresh when it is shown again). stdout and stderr reach corral through one pipe (docs/logs.md),
// so the log cannot tell them apart: lines that look like errors or warnings are marked instead.
import { follow, servicePath } from './api.js';

const ALERT = /\b(error|err|fatal|panic|exception|traceback|critical)\b/i;
const WARN = /\b(warn|warning)\b/i;

export class LogPanel {
  constructor({ settings, view, search, followBox, count, title }) {
    Object.assign(this, { settings, view, search, followBox, count, title });
    /** name -> { lines: string[], carry: string, close: (() => void) | null, usedAt: number, state: string } */
    this.logs = new Map();
    this.current = null;
    this.query = '';
    this.pending = [];
    this.full = true;
    this.queued = false;
    let timer = 0;
    search.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        this.query = search.value.toLowerCase();
        this.full = true;
        this.schedule();
      }, 80);
    });
    followBox.addEventListener('change', () => {
      if (followBox.checked) this.view.scrollTop = this.view.scrollHeight;
    });
    // scrolling up to read stops following; back at the bottom it follows again
    view.addEventListener(
      'scroll',
      () => {
        const atBottom = view.scrollHeight - view.scrollTop - view.clientHeight < 4;
        if (this.followBox.checked !== atBottom && !this.drawing) this.followBox.checked = atBottom;
      },
      { passive: true },
    );
  }

  /** Shows the log of `name`, opening its stream unless it is open already. */
  show(name) {
    if (this.current === name) return;
    this.current = name;
    this.title.textContent = `Logs of ${name}`;
    let log = this.logs.get(name);
    if (!log) {
      log = { lines: [], carry: '', close: null, usedAt: 0, state: '' };
      this.logs.set(name, log);
    }
    log.usedAt = Date.now();
    if (!log.close) this.open(name, log);
    this.closeOldStreams();
    this.full = true;
    this.schedule();
  }

  // Follows the log of one process: its tail first (it replaces what was kept), then live
  // chunks. A reconnect resumes where the stream left off (Last-Event-ID), so it adds only what
  // was missed; a reset (the daemon no longer has that point) starts over from the tail.
  open(name, log) {
    let fresh = true;
    const take = (line) => {
      if (fresh) {
        fresh = false;
        log.lines = [];
        log.carry = '';
        if (this.current === name) this.full = true;
      }
      this.push(name, log, line);
    };
    log.close = follow(
      servicePath(name, `/logs?tail=${this.settings.logTailLines}&follow=1`),
      {
        line: (e) => take(e.line),
        chunk: (e) => {
          const text = log.carry + e.text;
          const parts = text.split('\n');
          log.carry = parts.pop();
          // no tail came first (the file was empty): what was kept stays, the new lines follow it
          fresh = false;
          for (const p of parts) this.push(name, log, p);
        },
        reset: () => {
          fresh = true;
        },
      },
      (state) => {
        log.state = state;
        if (state === 'closed') log.close = null;
        if (this.current === name) this.schedule();
      },
    );
  }

  // One whole line into a process's log, the oldest dropped past logKeptLines.
  push(name, log, line) {
    log.lines.push(line);
    const over = log.lines.length - this.settings.logKeptLines;
    if (over > 0) {
      log.lines.splice(0, over);
      if (this.current === name) this.full = true;
    }
    if (this.current === name && !this.full) this.pending.push(line);
    if (this.current === name) this.schedule();
  }

  // Closes the streams of processes not looked at lately (their lines stay).
  closeOldStreams() {
    const open = [...this.logs.entries()].filter(([n, l]) => l.close && n !== this.current);
    open.sort((a, b) => b[1].usedAt - a[1].usedAt);
    for (const [, l] of open.slice(this.settings.logStreamsKept)) {
      l.close();
      l.close = null;
    }
  }

  // Asks for a draw at the next animation frame (once, however many lines came).
  schedule() {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      this.draw();
    });
  }

  // Draws what changed: everything after a switch or a new search, else only the new lines.
  draw() {
    const log = this.current === null ? null : this.logs.get(this.current);
    if (!log) return;
    this.drawing = true;
    const q = this.query;
    let lines;
    if (this.full) {
      this.view.replaceChildren();
      lines = log.lines;
      this.full = false;
      this.pending = [];
      this.shown = 0;
    } else {
      lines = this.pending;
      this.pending = [];
    }
    const frag = document.createDocumentFragment();
    for (const line of lines) {
      if (q !== '' && !line.toLowerCase().includes(q)) continue;
      frag.append(this.lineElement(line, q));
      this.shown++;
    }
    this.view.append(frag);
    const excess = this.view.childElementCount - this.settings.logKeptLines;
    for (let i = 0; i < excess; i++) this.view.firstElementChild.remove();
    const matched = q === '' ? '' : `${this.shown} matching of `;
    const status =
      log.state === 'retrying' ? ' (reconnecting…)' : log.state === 'closed' ? ' (stream ended)' : '';
    this.count.textContent = `${matched}${log.lines.length} lines${status}`;
    if (this.followBox.checked) this.view.scrollTop = this.view.scrollHeight;
    this.drawing = false;
  }

  // One line, the search's matches marked; text only, never HTML.
  lineElement(line, q) {
    const div = document.createElement('div');
    div.className = ALERT.test(line) ? 'log-line alert' : WARN.test(line) ? 'log-line warn' : 'log-line';
    if (q === '') {
      div.textContent = line;
      return div;
    }
    const lower = line.toLowerCase();
    let at = 0;
    for (;;) {
      const i = lower.indexOf(q, at);
      if (i < 0) break;
      if (i > at) div.append(line.slice(at, i));
      const mark = document.createElement('mark');
      mark.textContent = line.slice(i, i + q.length);
      div.append(mark);
      at = i + q.length;
    }
    if (at < line.length) div.append(line.slice(at));
    return div;
  }
}
