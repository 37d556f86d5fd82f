// One line per process for `up --wait`: on a terminal the block of lines is rewritten in place
// (cursor up, each line cleared and written again) as states change, and stays on screen at
// the end; elsewhere (a pipe, a file, CI), or with more processes than the terminal has lines,
// a line is appended for each change.
import { type Colour, paint } from './format.js';

type Stream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };

interface Row {
  name: string;
  label: string;
  colour: Colour;
}

export class ProgressLines {
  private readonly rows = new Map<string, Row>();
  private readonly changed = new Set<string>();
  /** lines of the block on screen (terminal) */
  private drawn = 0;

  constructor(
    private readonly stream: Stream,
    private readonly inPlace: boolean,
    private readonly colour: boolean,
  ) {}

  /** Sets what `name`'s line says; shown at the next flush() if it changed. */
  set(name: string, label: string, colour: Colour): void {
    const row = this.rows.get(name);
    if (row && row.label === label && row.colour === colour) return;
    this.rows.set(name, { name, label, colour });
    this.changed.add(name);
  }

  /** Shows what changed: the whole block again on a terminal, else the changed lines. */
  flush(): void {
    if (this.changed.size === 0) return;
    const width = Math.max(...[...this.rows.keys()].map((n) => n.length));
    let text = '';
    // a block taller than the terminal cannot be reached by moving the cursor up: append then
    if (this.inPlace && this.rows.size < (this.stream.rows || Number.POSITIVE_INFINITY)) {
      if (this.drawn > 0) text += `\x1b[${this.drawn}A`;
      for (const row of this.rows.values()) text += `\r\x1b[2K${this.line(row, width)}\n`;
      this.drawn = this.rows.size;
    } else {
      for (const name of this.changed) text += `${this.line(this.rows.get(name) as Row, width)}\n`;
    }
    this.changed.clear();
    this.stream.write(text);
  }

  /** `  shop/web:0  running`, names aligned; on a terminal cut to its width, so no line wraps. */
  private line(row: Row, width: number): string {
    let name = `  ${row.name.padEnd(width)}  `;
    let label = row.label;
    const columns = this.inPlace ? (this.stream.columns ?? 0) : 0;
    if (columns > 0 && name.length + label.length > columns - 1) {
      const room = columns - 2 - name.length;
      if (room > 0) label = `${label.slice(0, room)}…`;
      else [name, label] = [`${name.slice(0, columns - 2)}…`, ''];
    }
    return name + paint(this.colour, row.colour, label);
  }
}
