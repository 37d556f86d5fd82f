// serveDashboard over a real HTTP server: the page's files with their types, a strict policy and
// ETags; anything else (another path, a way out of the folder, another method) left alone.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { CONTENT_SECURITY_POLICY, serveDashboard } from '../../src/dashboard/serve.js';
import { DEFAULTS } from '../../src/defaults.js';

describe('serveDashboard', () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((req, res) => {
      serveDashboard(req, res).then((answered) => {
        if (!answered) {
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('not the dashboard');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('/ is the page, with a policy that allows no inline script and no other origin', async () => {
    const res = await fetch(`${base}/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(res.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
    assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/);
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval/);
    assert.match(CONTENT_SECURITY_POLICY, /frame-ancestors 'none'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const html = await res.text();
    assert.match(html, /<table id="process-table"/);
    assert.match(html, /<script type="module" src="\/app.js"><\/script>/);
    assert.doesNotMatch(html, /<script>|<script type="module">|style="/, 'no inline script or style');
  });

  test('scripts, styles and settings have their types; an unchanged file is a 304', async () => {
    const js = await fetch(`${base}/app.js`);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    const etag = js.headers.get('etag');
    assert.ok(etag, 'an ETag');
    assert.equal((await fetch(`${base}/style.css`)).headers.get('content-type'), 'text/css; charset=utf-8');
    const again = await fetch(`${base}/app.js`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(await again.text(), '');
    const settings = await fetch(`${base}/settings.json?x=1`);
    assert.deepEqual(await settings.json(), DEFAULTS.internal.dashboard);
  });

  test('no other path is answered: not the API, not a missing file, not a way out of the folder', async () => {
    for (const path of [
      '/v1/services',
      '/nope.js',
      '/../package.json',
      '/%2e%2e/package.json',
      '/..%2fserve.ts',
      '/serve.ts',
      '//etc/passwd',
      '/index.html/',
    ]) {
      const res = await fetch(`${base}${path}`);
      assert.equal(res.status, 404, path);
      assert.equal(await res.text(), 'not the dashboard', path);
    }
    const post = await fetch(`${base}/`, { method: 'POST', body: '{}' });
    assert.equal(post.status, 404, 'only GET (and HEAD)');
  });
});
