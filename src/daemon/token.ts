// The token of the API on TCP: `HOME/token`, mode 0600, 32 random bytes in hex. Made on first
// use (the first TCP listener, or `corral daemon token`), replaced by `daemon token --rotate`.
// The daemon reads the file at each request, so a rotation is in effect at once.
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, unlinkSync } from 'node:fs';
import { writeFileAtomic } from '../state/atomic.js';

/** A new token: 32 random bytes, hex. */
function newToken(): string {
  return randomBytes(32).toString('hex');
}

/** The token in `file`, or null when there is none (no file, or an empty one). */
export function readToken(file: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const token = text.trim();
  return token === '' ? null : token;
}

/**
 * The token in `file`, made when there is none: written whole beside it, then linked into
 * place (a link never replaces a file), so that two makers at once agree on one token and no
 * reader sees a half-written one.
 */
export function ensureToken(file: string): string {
  const existing = readToken(file);
  if (existing !== null) return existing;
  const tmp = `${file}.${process.pid}.new`;
  writeFileAtomic(tmp, `${newToken()}\n`, 0o600);
  try {
    linkSync(tmp, file);
  } catch (e) {
    // another maker won the race: theirs is the token
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    unlinkSync(tmp);
  }
  const token = readToken(file);
  if (token === null) throw new Error(`${file} is empty`);
  return token;
}

/** Replaces the token in `file` with a new one (atomically, 0600) and returns it. */
export function rotateToken(file: string): string {
  const token = newToken();
  writeFileAtomic(file, `${token}\n`, 0o600);
  return token;
}
