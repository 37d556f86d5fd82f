// The keys of `top`: the short reminder on the last row (for the view and pane in use) and the
// help screen (?) that lists them all.
import type { Mode } from './ui-state.js';

/** The help line's pairs of key and words, most useful first (a narrow terminal cuts the rest). */
export function helpPairs(mode: Mode, focus: 'table' | 'logs', scope: string): Array<[string, string]> {
  if (mode === 'help') return [['any key', 'back']];
  if (mode === 'log')
    return [
      ['q', 'back'],
      ['↑↓', 'scroll'],
      ['f', 'follow'],
      ['/', 'search'],
      ['n/N', 'next/prev'],
      ['p', 'pager'],
      ['y', 'copy'],
      ['?', 'help'],
    ];
  if (focus === 'logs')
    return [
      ['q', 'quit'],
      ['Tab', 'table'],
      ['↑↓', 'scroll'],
      ['f', 'follow'],
      ['/', 'search'],
      ['n/N', 'next/prev'],
      ['⏎', 'full'],
      ['p', 'pager'],
      ['?', 'help'],
    ];
  return [
    ['q', 'quit'],
    ['?', 'help'],
    ['Tab', 'logs'],
    ['s', 'start'],
    ['x', 'stop'],
    ['r', 'restart'],
    ['k', 'signal'],
    ['t', scope],
    ['/', 'filter'],
    ['o', 'sort'],
    ['⏎', 'full log'],
  ];
}

/** The help screen's lines. */
export const HELP_LINES: readonly string[] = [
  'corral top: the processes of this home, live',
  '',
  'Process table',
  '  ↑ ↓ PgUp PgDn Home End   select a process',
  '  s  start     r  restart     x  stop (asks first)     k  send a signal (asks which)',
  '  t  what the keys act on: the process, its service, or its project',
  '  /  filter by name or state (Esc clears)     o  next sort column     O  reverse order',
  '  e  events of every process, or of the selected one',
  '  +  -  a taller or shorter log pane',
  '',
  'Logs',
  '  Tab  move between the table and the log pane     f  follow the end, or hold',
  '  ↑ ↓ PgUp PgDn Home End   scroll (the view holds; new lines do not move it)',
  '  /  search (any case)     n  older match     N  newer match     Esc  clear the search',
  '  Enter  the log full-screen, long lines wrapped: select with the mouse to copy',
  '  p  the log in $PAGER (less when unset)     y  copy the lines in view (OSC 52)',
  '',
  'Anywhere',
  '  ?  this help     Ctrl-L  draw again     Ctrl-Z  suspend     q  back, or quit     Ctrl-C  quit',
  '',
  'Columns: NAME STATE PID UPTIME RESTARTS HEALTH CPU (% of one core) MEM (resident, whole tree)',
];
