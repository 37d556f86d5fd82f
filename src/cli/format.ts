// Formatting for people: tables, durations, sizes, colours.
import type { ProcessStatus } from '../api/schemas.js';

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1 } as const;
export type Colour = keyof typeof CODES;

export function paint(on: boolean, colour: Colour, text: string): string {
  return on ? `\x1b[${CODES[colour]}m${text}\x1b[0m` : text;
}

/** Colours that tell services apart in `run` and `logs` prefixes. */
export const PREFIX_COLOURS: readonly Colour[] = ['cyan', 'yellow', 'green', 'magenta', 'blue'];

const STATE_COLOURS: Record<string, Colour> = {
  running: 'green',
  starting: 'yellow',
  waiting: 'yellow',
  stopping: 'yellow',
  backoff: 'yellow',
  failed: 'red',
  exited: 'gray',
  stopped: 'gray',
};

/** 3s, 5m 2s, 2h 5m, 3d 4h */
export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)}${units[i]}`;
}

/** Left-aligned columns separated by two spaces; colour codes do not count towards widths. */
export function table(header: string[], rows: string[][]): string {
  const visible = (s: string): number => s.replace(/\x1b\[[0-9;]*m/g, '').length;
  const widths = header.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i] ?? ''))));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i] - visible(c))))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** The `ps` table; each process named as everywhere else (shop/api:0, as in logs, events and --json). */
export function psTable(list: ProcessStatus[], colour: boolean, now: number): string {
  const rows = list.map((s) => {
    let state: string = s.state;
    if (s.state === 'backoff' && s.backoff_ms !== null)
      state = `backoff (${Math.ceil(s.backoff_ms / 1000)}s)`;
    if ((s.state === 'exited' || s.state === 'failed' || s.state === 'backoff') && s.last_exit?.code != null)
      state += ` (${s.last_exit.code})`;
    if (s.state === 'waiting' && s.message) state = waitingText(s.message);
    if (s.status_text) state += `: ${s.status_text}`;
    return [
      s.name,
      paint(colour, STATE_COLOURS[s.state] ?? 'gray', state),
      s.pid === null ? '-' : String(s.pid),
      s.pid !== null && s.started_at ? formatDuration(now - Date.parse(s.started_at)) : '-',
      String(s.restarts),
      s.health === 'none' ? '-' : s.health,
      s.cpu === null ? '-' : `${s.cpu.toFixed(1)}%`,
      s.memory === null ? '-' : formatBytes(s.memory),
    ];
  });
  return table(['NAME', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'HEALTH', 'CPU', 'MEM'], rows);
}

/** A waiting process's state cell: `waiting for db to be ready`, from its message. */
export function waitingText(message: string): string {
  return /^waiting\b/.test(message) ? message : `waiting: ${message}`;
}

/** A duration as a config file writes it: 2s, 1m30s, 500ms, 1h. */
export function writtenDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join('');
}

/** A command as it was written: the string of a `/bin/sh -c` one, else the list in YAML's flow form. */
export function writtenCommand(command: readonly string[]): string {
  if (command.length === 3 && command[0] === '/bin/sh' && command[1] === '-c') return command[2];
  const word = (w: string): string => (/^[\w@%+=:,./-]+$/.test(w) ? w : JSON.stringify(w));
  return `[${command.map(word).join(', ')}]`;
}
