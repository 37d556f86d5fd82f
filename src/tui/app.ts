// `corral top`: a client of the daemon's API that keeps the process table live from the event
// and usage streams, follows the selected process's log, and draws at most one frame per
// `frameMs` when only data changed (a key draws at once); only the rows that changed reach the
// terminal. When the daemon goes away it says so and the streams reconnect by themselves.
import type { ProcessStatus } from '../api/schemas.js';
import type { CorralClient } from '../client/client.js';
import type { DEFAULTS } from '../defaults.js';
import { DaemonFeeds, errorWords } from './daemon-feeds.js';
import { EventFeed } from './event-feed.js';
import { handleKey } from './input.js';
import { parseKeys } from './keys.js';
import type { LogHistory } from './log-history.js';
import { linesInView } from './log-pane.js';
import { LogStreams } from './log-streams.js';
import { ProcessStore } from './process-store.js';
import { Screen } from './screen.js';
import { Style } from './style.js';
import { visibleRows } from './table.js';
import type { Terminal } from './terminal.js';
import { initialState, layout, type UiState } from './ui-state.js';
import { drawFrame } from './view.js';

export type TopSettings = (typeof DEFAULTS)['internal']['top'];

export interface TopOptions {
  client: CorralClient;
  terminal: Terminal;
  colour: boolean;
  settings: TopSettings;
  /** shows `lines` in the person's pager; resolves when it is closed */
  openPager(lines: readonly string[], title: string): Promise<void>;
}

export class TopApp {
  readonly o: TopOptions;
  readonly ui: UiState = initialState();
  readonly store: ProcessStore;
  readonly feed: EventFeed;
  readonly logs: LogStreams;
  readonly screen: Screen;
  readonly style: Style;
  private readonly feeds: DaemonFeeds;
  private drawTimer: NodeJS.Timeout | null = null;
  private lastDraw = 0;
  private ticker: NodeJS.Timeout | null = null;
  private paused = false;
  private finish: (code: number) => void = () => {};

  constructor(opts: TopOptions) {
    this.o = opts;
    const s = opts.settings;
    this.style = new Style(opts.colour);
    const { cols, rows } = opts.terminal.size;
    this.screen = new Screen(cols, rows);
    this.feed = new EventFeed(s.eventsKept);
    this.store = new ProcessStore({
      source: opts.client,
      onChange: () => this.changed(),
      onError: (e) => this.notice(errorWords(e), true),
      concurrency: s.refreshConcurrency,
      wholeListOver: s.refreshWholeListOver,
      batchMs: s.refreshBatchMs,
    });
    this.feeds = new DaemonFeeds({
      client: opts.client,
      store: this.store,
      feed: this.feed,
      ui: this.ui,
      eventsSince: s.eventsSince,
      retryMs: s.tickMs,
      changed: () => this.changed(),
    });
    this.logs = new LogStreams({
      follow: (path, onEvent, fopts) => opts.client.follow(path, onEvent, fopts),
      tailLines: s.logTailLines,
      keptLines: s.logKeptLines,
      streamsKept: s.logStreamsKept,
      onChange: (name) => {
        if (name === this.ui.selected) this.changed();
      },
    });
  }

  /** Reads the daemon, takes the terminal, and runs until q; resolves with the exit code. */
  async run(): Promise<number> {
    const { client, terminal } = this.o;
    this.ui.daemonPid = (await client.health()).pid;
    await this.store.reloadAll();
    const done = new Promise<number>((resolve) => {
      this.finish = resolve;
    });
    const unguard = terminal.guard((code) => process.exit(code));
    terminal.onResume = () => this.redrawAll();
    terminal.enter();
    const input = (data: Buffer | string): void => {
      for (const key of parseKeys(typeof data === 'string' ? data : data.toString('utf8')))
        handleKey(this, key);
      this.draw();
    };
    process.stdin.on('data', input);
    const resize = (): void => this.redrawAll();
    process.stdout.on('resize', resize);
    this.feeds.start();
    this.ticker = setInterval(() => this.changed(), this.o.settings.tickMs);
    this.select(this.currentRows()[0]?.name ?? null);
    this.draw();
    try {
      return await done;
    } finally {
      this.feeds.close();
      this.logs.close();
      this.store.close();
      if (this.ticker) clearInterval(this.ticker);
      if (this.drawTimer) clearTimeout(this.drawTimer);
      process.stdin.off('data', input);
      process.stdout.off('resize', resize);
      terminal.leave();
      unguard();
    }
  }

  /** Ends `top` with `code`. */
  quit(code = 0): void {
    this.finish(code);
  }

  /** The history of the selected process's log. */
  get history(): LogHistory | undefined {
    return this.ui.selected === null ? undefined : this.logs.history(this.ui.selected);
  }

  /** Rows of the log in the view that shows it now (the pane, or the full screen). */
  get logRows(): number {
    if (this.ui.mode === 'log') return this.screen.rows - 2;
    return layout(this.screen.rows, this.ui.logRows).logs;
  }

  /** Rows of the table on screen. */
  get tableRows(): number {
    return layout(this.screen.rows, this.ui.logRows).table;
  }

  /** The table's rows now: filtered and sorted (a hundred rows sort in microseconds). */
  currentRows(): ProcessStatus[] {
    return visibleRows(this.store.procs.values(), this.ui.filter, this.ui.sort, Date.now());
  }

  /** Selects process `name` (null: none); its log is shown, following. */
  select(name: string | null): void {
    if (name === this.ui.selected) return;
    this.ui.selected = name;
    this.ui.log = { follow: true, bottom: 0, match: null };
    if (name !== null) this.logs.show(name);
  }

  /** A message on the last row for a few seconds. */
  notice(text: string, error = false): void {
    this.ui.notice = { text, error, until: Date.now() + this.o.settings.noticeMs };
    this.changed();
  }

  /** Start, stop or restart `target`; the answer (or error) is said on the last row. */
  act(action: 'start' | 'stop' | 'restart', target: string): void {
    this.notice(`${action} ${target}…`);
    this.o.client.action(target, action).then(
      () => {
        this.notice(`${action} ${target}: done`);
        this.store.refresh(target);
      },
      (e: unknown) => this.notice(`${action} ${target}: ${errorWords(e)}`, true),
    );
  }

  /** Sends `signal` to `target`'s processes and says to which. */
  signal(target: string, signal: string): void {
    this.o.client.signal(target, signal).then(
      (r) =>
        this.notice(
          `${r.signal} sent to ${r.sent.length > 0 ? r.sent.join(', ') : `no running process of ${target}`}`,
        ),
      (e: unknown) => this.notice(`signal ${target}: ${errorWords(e)}`, true),
    );
  }

  /** The selected process's kept log in the pager; the screen is taken back after. */
  async page(): Promise<void> {
    const h = this.history;
    if (!h || this.ui.selected === null) return;
    this.paused = true;
    this.o.terminal.leave();
    this.o.terminal.interruptsElsewhere = true;
    try {
      await this.o.openPager(h.all(), this.ui.selected);
    } catch (e) {
      this.notice(`pager: ${errorWords(e)}`, true);
    } finally {
      this.o.terminal.interruptsElsewhere = false;
      this.o.terminal.enter();
      this.paused = false;
      this.redrawAll();
    }
  }

  /**
   * The log lines in view (whole, not cut at the edge) to the clipboard, through the terminal
   * (OSC 52: most terminals, and tmux with set-clipboard on, take it; some ignore it).
   */
  copy(full: boolean): void {
    const lines = linesInView(this.history, this.ui.log, this.logRows, full ? this.screen.cols : null);
    if (lines.length === 0) return;
    const text = lines.join('\n');
    this.o.terminal.write(`\x1b]52;c;${Buffer.from(text).toString('base64')}\x07`);
    this.notice(`copied ${lines.length} line${lines.length === 1 ? '' : 's'} (through the terminal: OSC 52)`);
  }

  /** Ctrl-Z: the terminal is given back until `fg`. */
  suspend(): void {
    this.o.terminal.suspend();
  }

  /** Draws everything again (a resize, Ctrl-L, back from the pager or a suspend). */
  /** Whether the terminal is smaller than top can draw on (only q, Ctrl-C, Ctrl-L, Ctrl-Z act then). */
  tooSmall(): boolean {
    return this.screen.cols < this.o.settings.minCols || this.screen.rows < this.o.settings.minRows;
  }

  redrawAll(): void {
    const { cols, rows } = this.o.terminal.size;
    this.screen.resize(cols, rows);
    this.draw();
  }

  /** Something changed: a frame within frameMs (never more often). */
  changed(): void {
    if (this.drawTimer !== null || this.paused) return;
    const wait = Math.max(0, this.lastDraw + this.o.settings.frameMs - Date.now());
    this.drawTimer = setTimeout(() => {
      this.drawTimer = null;
      this.draw();
    }, wait);
  }

  /** Draws a frame now: only the rows that differ from the terminal's are written. */
  draw(): void {
    if (this.paused) return;
    if (this.drawTimer !== null) {
      clearTimeout(this.drawTimer);
      this.drawTimer = null;
    }
    this.lastDraw = Date.now();
    const rows = this.currentRows();
    this.keepSelection(rows);
    drawFrame(this.screen, {
      ui: this.ui,
      rows,
      total: [...this.store.procs.values()],
      history: this.history,
      feed: this.feed,
      now: this.lastDraw,
      style: this.style,
      minCols: this.o.settings.minCols,
      minRows: this.o.settings.minRows,
    });
    this.o.terminal.write(this.screen.flush());
    if (this.ui.notice !== null && this.ui.notice.until <= this.lastDraw) this.ui.notice = null;
  }

  // The selection stays on its process; if that went, on the row where it was; the table scrolls to it.
  private keepSelection(rows: ProcessStatus[]): void {
    let i = this.ui.selected === null ? -1 : rows.findIndex((p) => p.name === this.ui.selected);
    if (i < 0 && rows.length > 0) {
      i = Math.min(this.ui.selectedIndex, rows.length - 1);
      this.select(rows[i].name);
    }
    if (rows.length === 0) this.select(null);
    this.ui.selectedIndex = Math.max(0, i);
    const height = this.tableRows;
    if (i < this.ui.tableTop) this.ui.tableTop = Math.max(0, i);
    if (i >= this.ui.tableTop + height) this.ui.tableTop = i - height + 1;
    this.ui.tableTop = Math.max(0, Math.min(this.ui.tableTop, rows.length - height));
  }
}
