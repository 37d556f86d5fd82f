// Attributes of text on the screen. With colour off (NO_COLOR, --no-color) only the monochrome
// ones are used (bold, reverse video), as terminals' own monochrome schemes do: the selected row
// and a search match are still seen, and no colour is ever sent.

const COLOURS = {
  red: '31',
  green: '32',
  yellow: '33',
  blue: '34',
  magenta: '35',
  cyan: '36',
  gray: '90',
} as const;
export type Colour = keyof typeof COLOURS;

/** Text attributes of one span. */
export interface Attrs {
  colour?: Colour;
  bold?: boolean;
  reverse?: boolean;
}

/** Paints spans of text; `colour` false drops colours and keeps bold and reverse video. */
export class Style {
  readonly colour: boolean;

  constructor(colour: boolean) {
    this.colour = colour;
  }

  /** `text` with `attrs`, closed with a reset so the next span starts plain. */
  paint(text: string, attrs: Attrs): string {
    const codes: string[] = [];
    if (attrs.bold) codes.push('1');
    if (attrs.reverse) codes.push('7');
    if (attrs.colour && this.colour) codes.push(COLOURS[attrs.colour]);
    if (codes.length === 0 || text === '') return text;
    return `\x1b[${codes.join(';')}m${text}\x1b[0m`;
  }
}

/** The colour of a process state (as `ps` paints it). */
export function stateColour(state: string): Colour {
  switch (state) {
    case 'running':
      return 'green';
    case 'starting':
    case 'stopping':
    case 'backoff':
    case 'waiting':
      return 'yellow';
    case 'failed':
      return 'red';
    default:
      return 'gray';
  }
}
