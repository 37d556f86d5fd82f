// The log lines `top` keeps of one process: at least the newest `kept` whole lines, each numbered from
// the first line this history ever took (so a view anchored on a line stays on it while new lines
// come and old ones are dropped), the part of a line still being written, and search.
import { stripTimestamp } from '../logs/format.js';
import { sanitize } from './width.js';

export class LogHistory {
  private lines: string[] = [];
  /** number of lines[0] */
  first = 0;
  private carry = '';
  private readonly kept: number;
  /** the stream's state, said in the pane's title: '' (live), 'reconnecting', 'closed' */
  state = '';

  constructor(kept: number) {
    this.kept = kept;
  }

  /** The number one past the newest line. */
  get end(): number {
    return this.first + this.lines.length;
  }

  /** Line number `n`, or undefined when it was dropped or not written yet. */
  at(n: number): string | undefined {
    return this.lines[n - this.first];
  }

  /** Replaces what is kept (a new tail read after the stream was reopened). */
  clear(): void {
    this.first = this.end;
    this.lines = [];
    this.carry = '';
  }

  /** One whole line (as the stream's replay sends them). */
  addLine(line: string): void {
    this.push(this.carry + line);
    this.carry = '';
  }

  /** Live output: whole lines are kept, the rest waits for its end. */
  addText(text: string): void {
    const parts = (this.carry + text).split('\n');
    this.carry = parts.pop() ?? '';
    for (const part of parts) this.push(part);
  }

  /** The newest line number before `from` (exclusive) that contains `query`, or null. */
  searchBack(query: string, from: number): number | null {
    const q = query.toLowerCase();
    for (let n = Math.min(from, this.end) - 1; n >= this.first; n--) {
      if ((this.at(n) as string).toLowerCase().includes(q)) return n;
    }
    return null;
  }

  /** The oldest line number after `from` (exclusive) that contains `query`, or null. */
  searchForward(query: string, from: number): number | null {
    const q = query.toLowerCase();
    for (let n = Math.max(from + 1, this.first); n < this.end; n++) {
      if ((this.at(n) as string).toLowerCase().includes(q)) return n;
    }
    return null;
  }

  /** How many kept lines contain `query`, and how many of them are at or before line `upTo`. */
  countMatches(query: string, upTo: number): { total: number; before: number } {
    const q = query.toLowerCase();
    let total = 0;
    let before = 0;
    for (let i = 0; i < this.lines.length; i++) {
      if (this.lines[i].toLowerCase().includes(q)) {
        total++;
        if (this.first + i <= upTo) before++;
      }
    }
    return { total, before };
  }

  /** Every kept line, oldest first (for the pager). */
  all(): readonly string[] {
    return this.lines;
  }

  // Keeps a line drawn safely (no escape sequence of the service's reaches the terminal).
  private push(raw: string): void {
    this.lines.push(sanitize(stripTimestamp(raw)));
    // dropped a quarter at a time, not one line per line past the limit
    const over = this.lines.length - this.kept;
    if (over > this.kept / 4) {
      this.lines.splice(0, over);
      this.first += over;
    }
  }
}
