// The pieces of the API on TCP's checks, on a clock of the test's own: login links (once,
// within their time, under their token), session cookies (signed with the token, with an
// expiry), the bearer header, and the addresses --http accepts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bearerToken,
  cookieValue,
  LoginLinks,
  newSession,
  sameSecret,
  validSession,
} from '../../../src/api/auth.js';
import { parseHttpAddress } from '../../../src/api/http-address.js';

test('a login link works once, within its time, and only under the token it was made with', () => {
  let now = 1_000_000;
  const links = new LoginLinks({ ttlMs: 120_000, max: 3, now: () => now });
  const a = links.issue('T');
  assert.equal(links.redeem(a, 'T'), true);
  assert.equal(links.redeem(a, 'T'), false, 'replayed');

  const b = links.issue('T');
  now += 120_000;
  assert.equal(links.redeem(b, 'T'), false, 'expired at 2 minutes');
  const c = links.issue('T');
  now += 119_999;
  assert.equal(links.redeem(c, 'T'), true, 'just in time');

  const d = links.issue('T');
  assert.equal(links.redeem(d, 'rotated'), false, 'the token changed since');
  assert.equal(links.redeem(d, 'T'), false, 'and it is used up');
  assert.equal(links.redeem('made-up', 'T'), false);

  const many = [links.issue('T'), links.issue('T'), links.issue('T'), links.issue('T')];
  assert.equal(links.redeem(many[0], 'T'), false, 'the oldest went past the limit');
  assert.equal(links.redeem(many[3], 'T'), true);
});

test('a session cookie holds under its token until it expires; altered, it does not', () => {
  const cookie = newSession('T', 10_000_000);
  assert.equal(validSession(cookie, 'T', 9_000_000), true);
  assert.equal(validSession(cookie, 'T', 10_000_000), false, 'expired');
  assert.equal(validSession(cookie, 'U', 9_000_000), false, 'another token');
  const [expires, nonce, mac] = cookie.split('.');
  assert.equal(
    validSession(`${Number(expires) + 1000}.${nonce}.${mac}`, 'T', 9_000_000),
    false,
    'expiry moved',
  );
  assert.equal(validSession(`${expires}.${nonce}x.${mac}`, 'T', 9_000_000), false);
  assert.equal(validSession(`${expires}.${nonce}`, 'T', 9_000_000), false);
});

test('the bearer token, cookies and the comparison of secrets', () => {
  assert.equal(bearerToken('Bearer abc'), 'abc');
  assert.equal(bearerToken('bearer abc'), 'abc');
  assert.equal(bearerToken('Basic abc'), null);
  assert.equal(bearerToken('Bearer a b'), null);
  assert.equal(bearerToken(undefined), null);
  assert.equal(cookieValue('a=1; corral_session=x.y.z; b=2', 'corral_session'), 'x.y.z');
  assert.equal(cookieValue('xcorral_session=1', 'corral_session'), null);
  assert.equal(sameSecret('abc', 'abc'), true);
  assert.equal(sameSecret('abc', 'abd'), false);
  assert.equal(sameSecret('abc', 'abcd'), false, 'lengths differ: no throw');
});

test('--http takes HOST:PORT with an IP (or localhost) and knows loopback from the rest', () => {
  assert.deepEqual(parseHttpAddress('127.0.0.1:9100', '--http'), {
    host: '127.0.0.1',
    port: 9100,
    loopback: true,
  });
  assert.deepEqual(parseHttpAddress(':9100', '--http'), { host: '127.0.0.1', port: 9100, loopback: true });
  assert.deepEqual(parseHttpAddress('localhost:0', '--http'), { host: '127.0.0.1', port: 0, loopback: true });
  assert.deepEqual(parseHttpAddress('[::1]:9100', '--http'), { host: '::1', port: 9100, loopback: true });
  assert.equal(parseHttpAddress('127.0.0.2:1', '--http').loopback, true);
  assert.equal(parseHttpAddress('0.0.0.0:9100', '--http').loopback, false);
  assert.equal(parseHttpAddress('[::]:9100', '--http').loopback, false);
  assert.equal(parseHttpAddress('192.168.1.5:9100', '--http').loopback, false);
  for (const bad of [
    '9100',
    'example.com:9100',
    '::1:9100',
    '[127.0.0.1]:1',
    '127.0.0.1:65536',
    '127.0.0.1:x',
  ]) {
    assert.throws(() => parseHttpAddress(bad, '--http'), /^CorralError: --http: expected HOST:PORT/, bad);
  }
});
