// The one table of signal names and numbers: config (`stop.signal`), the CLI (`signal -s`), the
// API (`POST …/signal`) and the reaper all read signals through here. Pure: no libc, no koffi.
import { constants as osConstants } from 'node:os';
import { CorralError } from './errors.js';

/** What a signal may be written as, for error messages. */
export const SIGNAL_EXPECTED = 'a signal like SIGTERM, TERM or 15';

const signals = osConstants.signals as Readonly<Record<string, number>>;

// number -> name; where two names share a number (SIGABRT/SIGIOT, SIGIO/SIGPOLL) the first,
// conventional one wins
const BY_NUMBER = new Map<number, NodeJS.Signals>();
for (const [name, n] of Object.entries(signals))
  if (!BY_NUMBER.has(n)) BY_NUMBER.set(n, name as NodeJS.Signals);

/** Every signal name this platform knows, e.g. SIGTERM. */
export function signalNames(): string[] {
  return Object.keys(signals);
}

/** The name of signal number `n` (15: SIGTERM), or null when this platform has none. */
export function signalName(n: number): NodeJS.Signals | null {
  return BY_NUMBER.get(n) ?? null;
}

/** The canonical name of a signal written as SIGTERM, sigterm, TERM, term or 15; null when unknown. */
export function toSignal(value: unknown): NodeJS.Signals | null {
  if (typeof value === 'number') return Number.isInteger(value) ? signalName(value) : null;
  if (typeof value !== 'string') return null;
  if (/^\d+$/.test(value)) return signalName(Number(value));
  const upper = value.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return Object.hasOwn(signals, name) ? (name as NodeJS.Signals) : null;
}

/**
 * The canonical name of a signal written as a name (with or without SIG, any case) or a number;
 * throws CorralError BAD_SIGNAL saying what was expected, prefixed with `field` when given
 * (`body.signal: expected …`).
 */
export function parseSignal(value: string | number, field?: string): NodeJS.Signals {
  const signal = toSignal(value);
  if (signal !== null) return signal;
  const where = field === undefined ? '' : `${field}: `;
  throw new CorralError('BAD_SIGNAL', `${where}expected ${SIGNAL_EXPECTED}, got ${JSON.stringify(value)}`);
}
