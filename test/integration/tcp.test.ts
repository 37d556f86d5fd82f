// The TCP listener on a real socket, in front of a stand-in API: which requests reach the API,
// which reach the dashboard's page handler (authenticated GETs outside /v1/, /metrics, /login),
// which are kept for the unix socket, and what an unauthenticated browser is told.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { type PageHandler, TcpListener } from '../../src/api/tcp.js';
import { ensureToken } from '../../src/daemon/token.js';
import { silentLogger } from '../../src/log.js';
import { tempHome } from '../helpers/home.js';
import { httpRequest } from '../helpers/http.js';

/** GET `path` on `base` with `headers`: status, content type and body. */
const get = (base: string, path: string, headers: Record<string, string> = {}) =>
  httpRequest(`${base}${path}`, { headers });

test('pages answer authenticated GETs outside the API; the API keeps /v1/ and /metrics', async (t) => {
  const home = tempHome();
  const tokenFile = join(home.dir, 'token');
  const seen: string[] = [];
  const pages: PageHandler = async (req, res) => {
    seen.push(req.url ?? '');
    if (req.url !== '/') return false;
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<p>dashboard</p>');
    return true;
  };
  const tcp = new TcpListener({
    handle: (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ api: req.url }));
    },
    tokenFile,
    logger: silentLogger(),
    pages,
  });
  t.after(async () => {
    await tcp.close();
    home.cleanup();
  });
  const info = await tcp.start('127.0.0.1:0', false);
  const base = info.url as string;
  const auth = { authorization: `Bearer ${ensureToken(tokenFile)}` };

  const page = await get(base, '/', auth);
  assert.deepEqual([page.status, page.body], [200, '<p>dashboard</p>']);
  assert.equal((await get(base, '/nosuch.js', auth)).status, 404, 'the handler said no');
  assert.deepEqual(seen, ['/', '/nosuch.js']);
  assert.deepEqual(JSON.parse((await get(base, '/v1/services', auth)).body), { api: '/v1/services' });
  assert.deepEqual(JSON.parse((await get(base, '/metrics', auth)).body), { api: '/metrics' });
  assert.deepEqual(seen, ['/', '/nosuch.js'], 'the API is not a page');

  const anonymous = await get(base, '/');
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.type, /^text\/html/);
  assert.match(anonymous.body, /run <code>corral dashboard<\/code>/);
  assert.deepEqual(seen, ['/', '/nosuch.js'], 'no page for a stranger');
  const login = tcp.loginLink();
  assert.match(login.url, new RegExp(`^${base}/login\\?token=`));
});
