// Who may use the API on TCP: a request carrying `Authorization: Bearer <HOME/token>`, or a
// browser holding the session cookie it got from a one-time login link. Tokens are compared in
// constant time; the session cookie is signed with the token (an HMAC), so it outlives a
// daemon restart and dies with a token rotation.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The cookie a logged-in browser holds. */
export const SESSION_COOKIE = 'corral_session';

/** sha256 of a secret: equal-length digests to compare, and keys that do not hold the secret. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Whether `given` is `expected`, in time that depends on neither. */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token of an `Authorization: Bearer TOKEN` header; null for any other header or none. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const m = /^Bearer +(\S+) *$/i.exec(header);
  return m ? m[1] : null;
}

/** The value of cookie `name` in a Cookie header, or null. */
export function cookieValue(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

// The MAC of a session's expiry and nonce under the token.
function sessionMac(token: string, expires: string, nonce: string): Buffer {
  return createHmac('sha256', token).update(`corral-session\0${expires}\0${nonce}`).digest();
}

/** A new session cookie value, valid until `expiresAtMs` under `token`: `EXPIRES.NONCE.MAC`. */
export function newSession(token: string, expiresAtMs: number): string {
  const expires = String(Math.floor(expiresAtMs / 1000));
  const nonce = randomBytes(16).toString('base64url');
  return `${expires}.${nonce}.${sessionMac(token, expires, nonce).toString('base64url')}`;
}

/** Whether a session cookie value was made under `token` and has not expired at `nowMs`. */
export function validSession(value: string, token: string, nowMs: number): boolean {
  const parts = value.split('.');
  if (parts.length !== 3) return false;
  const [expires, nonce, mac] = parts;
  if (!/^\d{1,12}$/.test(expires) || Number(expires) * 1000 <= nowMs) return false;
  const given = Buffer.from(mac, 'base64url');
  const expected = sessionMac(token, expires, nonce);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * One-time login links: each secret is good once, for `ttlMs`, and only under the token it was
 * issued with. Kept in memory (by digest), pruned when one is issued or used: no timer.
 */
export class LoginLinks {
  private readonly links = new Map<string, { expiresAtMs: number; token: Buffer }>();
  private readonly ttlMs: number;
  private readonly max: number;
  private readonly now: () => number;

  constructor(opts: { ttlMs: number; max: number; now?: () => number }) {
    this.ttlMs = opts.ttlMs;
    this.max = opts.max;
    this.now = opts.now ?? Date.now;
  }

  /** A new one-time secret under `token`. */
  issue(token: string): string {
    this.prune();
    // the oldest goes first when too many are outstanding
    while (this.links.size >= this.max) this.links.delete(this.links.keys().next().value as string);
    const secret = randomBytes(32).toString('base64url');
    this.links.set(digest(secret).toString('hex'), {
      expiresAtMs: this.now() + this.ttlMs,
      token: digest(token),
    });
    return secret;
  }

  /** Whether `secret` is a link not used yet, not expired, issued under `token`; it is used up either way. */
  redeem(secret: string, token: string): boolean {
    this.prune();
    const key = digest(secret).toString('hex');
    const link = this.links.get(key);
    if (!link) return false;
    this.links.delete(key);
    return timingSafeEqual(link.token, digest(token));
  }

  private prune(): void {
    const now = this.now();
    for (const [key, link] of this.links) if (link.expiresAtMs <= now) this.links.delete(key);
  }
}
