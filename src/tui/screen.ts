// The screen buffer: the frame being drawn, one string per terminal row (text with its SGR
// attributes, exactly as wide as the terminal), and the frame on the terminal now. `flush`
// returns only the rows that changed, each as a cursor move and the row's text, so a frame in
// which nothing changed writes nothing.

export class Screen {
  private shown: Array<string | null> = [];
  private next: string[] = [];
  cols = 0;
  rows = 0;

  constructor(cols: number, rows: number) {
    this.resize(cols, rows);
  }

  /** A new size: the next flush draws every row (the terminal's old contents are unknown). */
  resize(cols: number, rows: number): void {
    this.cols = cols;
    this.rows = rows;
    this.next = new Array<string>(rows).fill('');
    this.invalidate();
  }

  /** Forgets what the terminal shows: the next flush clears it and draws every row. */
  invalidate(): void {
    this.shown = new Array<string | null>(this.rows).fill(null);
  }

  /** Sets row `y` of the next frame (already fitted to the width, attributes closed). */
  set(y: number, row: string): void {
    if (y >= 0 && y < this.rows) this.next[y] = row;
  }

  /** The bytes that bring the terminal from what it shows to the next frame; '' when nothing changed. */
  flush(): string {
    let out = '';
    if (this.shown.every((r) => r === null)) out += '\x1b[0m\x1b[2J';
    for (let y = 0; y < this.rows; y++) {
      const row = this.next[y];
      if (row === this.shown[y]) continue;
      out += `\x1b[${y + 1};1H${row}\x1b[0m`;
      this.shown[y] = row;
    }
    return out;
  }
}
