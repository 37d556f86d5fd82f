// Drawing a process's log: the pane of the main view (one terminal row per line, cut at the
// edge) and the full-screen view (long lines wrapped, so a line can be read and copied whole);
// search matches in reverse video; the position moved by the keys, kept on its line while new
// lines come (only following moves with them).
import type { LogHistory } from './log-history.js';
import type { Style } from './style.js';
import type { LogPosition } from './ui-state.js';
import { fit, wrap } from './width.js';

/** The line number at the bottom of the view. */
export function bottomOf(h: LogHistory | undefined, pos: LogPosition, rows: number): number {
  if (!h) return 0;
  const last = h.end - 1;
  if (pos.follow) return last;
  return Math.max(Math.min(pos.bottom, last), Math.min(h.first + rows - 1, last));
}

/** Moves the view by `delta` lines (negative: up); back at the end, it follows again. */
export function scroll(h: LogHistory | undefined, pos: LogPosition, rows: number, delta: number): void {
  if (!h) return;
  const from = bottomOf(h, pos, rows);
  const to = from + delta;
  if (to >= h.end - 1) {
    pos.follow = true;
    pos.bottom = h.end - 1;
    return;
  }
  pos.follow = false;
  pos.bottom = Math.max(to, Math.min(h.first + rows - 1, h.end - 1));
}

/** Stops following where the view is now (the first move of the keys up). */
export function hold(h: LogHistory | undefined, pos: LogPosition, rows: number): void {
  pos.bottom = bottomOf(h, pos, rows);
  pos.follow = false;
}

/** `rows` lines of the log ending at the view's bottom line, each cut to `width` cells. */
export function paneLines(
  h: LogHistory | undefined,
  pos: LogPosition,
  rows: number,
  width: number,
  query: string,
  style: Style,
): string[] {
  const out: string[] = [];
  if (h) {
    const bottom = bottomOf(h, pos, rows);
    for (let n = Math.max(h.first, bottom - rows + 1); n <= bottom; n++) {
      out.push(highlight(fit(h.at(n) ?? '', width), query, style));
    }
  }
  while (out.length < rows) out.unshift(' '.repeat(width));
  return out;
}

/** `rows` rows of the log ending at the view's bottom line, long lines wrapped at `width`. */
export function wrappedLines(
  h: LogHistory | undefined,
  pos: LogPosition,
  rows: number,
  width: number,
  query: string,
  style: Style,
): string[] {
  const out: string[] = [];
  if (h) {
    const bottom = bottomOf(h, pos, rows);
    for (let n = bottom; n >= h.first && out.length < rows; n--) {
      const pieces = wrap(h.at(n) ?? '', width);
      for (let i = pieces.length - 1; i >= 0 && out.length < rows; i--) {
        out.push(highlight(fit(pieces[i], width, false), query, style));
      }
    }
  }
  out.reverse();
  while (out.length < rows) out.push(' '.repeat(width));
  return out;
}

/** The whole lines the view shows now (wrapped: as many as fit `rows` rows of `width` cells). */
export function linesInView(
  h: LogHistory | undefined,
  pos: LogPosition,
  rows: number,
  width: number | null,
): string[] {
  const out: string[] = [];
  if (!h) return out;
  let used = 0;
  for (let n = bottomOf(h, pos, rows); n >= h.first; n--) {
    const line = h.at(n) ?? '';
    used += width === null ? 1 : wrap(line, width).length;
    if (used > rows && out.length > 0) break;
    out.push(line);
    if (used >= rows) break;
  }
  return out.reverse();
}

/** What the log's title says of the view: following, or held with how many lines came since. */
export function positionWords(h: LogHistory | undefined, pos: LogPosition, rows: number): string {
  if (!h) return '';
  if (pos.follow) return 'following';
  const newer = h.end - 1 - bottomOf(h, pos, rows);
  return newer > 0 ? `held, ${newer} newer line${newer === 1 ? '' : 's'} (f follows)` : 'held (f follows)';
}

// The matches of `query` in a fitted line, in reverse video (case does not matter).
function highlight(text: string, query: string, style: Style): string {
  if (query === '') return text;
  const lower = text.toLowerCase();
  const q = query.toLowerCase();
  let at = lower.indexOf(q);
  if (at < 0) return text;
  let out = '';
  let from = 0;
  while (at >= 0) {
    out += text.slice(from, at) + style.paint(text.slice(at, at + q.length), { reverse: true });
    from = at + q.length;
    at = lower.indexOf(q, from);
  }
  return out + text.slice(from);
}
