// How many terminal cells text takes: wide (CJK, emoji) characters two, combining marks and
// format characters none; and text cut or padded to a number of cells. Log lines are made safe
// here too: escape sequences and control characters a service printed never reach the terminal.

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;

// ranges of East Asian Wide and Fullwidth characters, and the emoji blocks terminals draw two cells wide
const WIDE: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x23e9, 0x23ec],
  [0x23f0, 0x23f0],
  [0x23f3, 0x23f3],
  [0x25fd, 0x25fe],
  [0x2614, 0x2615],
  [0x2648, 0x2653],
  [0x267f, 0x267f],
  [0x2693, 0x2693],
  [0x26a1, 0x26a1],
  [0x26aa, 0x26ab],
  [0x26bd, 0x26be],
  [0x26c4, 0x26c5],
  [0x26ce, 0x26ce],
  [0x26d4, 0x26d4],
  [0x26ea, 0x26ea],
  [0x26f2, 0x26f3],
  [0x26f5, 0x26f5],
  [0x26fa, 0x26fa],
  [0x26fd, 0x26fd],
  [0x2705, 0x2705],
  [0x270a, 0x270b],
  [0x2728, 0x2728],
  [0x274c, 0x274c],
  [0x274e, 0x274e],
  [0x2753, 0x2755],
  [0x2757, 0x2757],
  [0x2795, 0x2797],
  [0x27b0, 0x27b0],
  [0x27bf, 0x27bf],
  [0x2b1b, 0x2b1c],
  [0x2b50, 0x2b50],
  [0x2b55, 0x2b55],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x17000, 0x18cff],
  [0x1b000, 0x1b2ff],
  [0x1f004, 0x1f004],
  [0x1f0cf, 0x1f0cf],
  [0x1f18e, 0x1f18e],
  [0x1f191, 0x1f19a],
  [0x1f200, 0x1f251],
  [0x1f300, 0x1f64f],
  [0x1f680, 0x1f6ff],
  [0x1f7e0, 0x1f7eb],
  [0x1f90c, 0x1f9ff],
  [0x1fa70, 0x1faff],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];

/** Cells one code point takes: 0, 1 or 2. */
export function charWidth(cp: number): number {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (cp < 0x300) return 1;
  if (ZERO_WIDTH.test(String.fromCodePoint(cp))) return 0;
  let lo = 0;
  let hi = WIDE.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [from, to] = WIDE[mid];
    if (cp < from) hi = mid - 1;
    else if (cp > to) lo = mid + 1;
    else return 2;
  }
  return 1;
}

/** Cells `text` takes (text without escape sequences). */
export function textWidth(text: string): number {
  let w = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x7f) {
      if (c >= 0x20) w++;
      continue;
    }
    const cp = text.codePointAt(i) as number;
    if (cp > 0xffff) i++;
    w += charWidth(cp);
  }
  return w;
}

/**
 * `text` in exactly `cells` cells: cut (with … as its last cell when `ellipsis`) or padded with
 * spaces. A wide character that would straddle the edge is replaced by a space.
 */
export function fit(text: string, cells: number, ellipsis = true): string {
  if (cells <= 0) return '';
  let w = 0;
  let out = '';
  for (const ch of text) {
    const cw = charWidth(ch.codePointAt(0) as number);
    if (w + cw > cells) {
      // it does not fit: cut, and say so in the last cell
      if (!ellipsis) return out + ' '.repeat(cells - w);
      return cutTo(out, cells - 1) + '…';
    }
    out += ch;
    w += cw;
  }
  return out + ' '.repeat(cells - w);
}

/** The longest start of `text` within `cells` cells, padded to exactly that. */
function cutTo(text: string, cells: number): string {
  let w = 0;
  let out = '';
  for (const ch of text) {
    const cw = charWidth(ch.codePointAt(0) as number);
    if (w + cw > cells) break;
    out += ch;
    w += cw;
  }
  return out + ' '.repeat(cells - w);
}

/** `text` cut into pieces of at most `cells` cells each (at least one piece, maybe empty). */
export function wrap(text: string, cells: number): string[] {
  const pieces: string[] = [];
  let w = 0;
  let piece = '';
  for (const ch of text) {
    const cw = charWidth(ch.codePointAt(0) as number);
    if (w + cw > cells && piece !== '') {
      pieces.push(piece);
      piece = '';
      w = 0;
    }
    piece += ch;
    w += cw;
  }
  pieces.push(piece);
  return pieces;
}

// CSI and OSC sequences (and any other ESC pair), then the C0 and C1 controls left over
const ESCAPES = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-_]|.?)|\x9b[0-?]*[ -/]*[@-~]/g;
const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

/** A line a service printed, safe to draw: escape sequences and controls removed, tabs expanded. */
export function sanitize(line: string): string {
  let text = line;
  if (text.includes('\x1b') || text.includes('\x9b')) text = text.replace(ESCAPES, '');
  text = text.replace(CONTROLS, '');
  if (text.includes('\t')) text = expandTabs(text);
  return text;
}

/** Tabs as spaces to the next multiple of 8 cells. */
function expandTabs(text: string): string {
  let out = '';
  let w = 0;
  for (const ch of text) {
    if (ch === '\t') {
      const n = 8 - (w % 8);
      out += ' '.repeat(n);
      w += n;
    } else {
      out += ch;
      w += charWidth(ch.codePointAt(0) as number);
    }
  }
  return out;
}
