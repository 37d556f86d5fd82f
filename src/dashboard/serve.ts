// The web dashboard's files, as the daemon's TCP listener serves them (after it has checked the
// request's session). The files are the ones in src/dashboard/web/, shipped as they are in the
// package (no build step); only those are ever served: a request names one of a fixed list, so
// no path from the request reaches the file system. Every answer carries a strict
// Content-Security-Policy (no inline script or style, nothing from elsewhere) and an ETag.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULTS } from '../defaults.js';

/** Where the page's files are: beside the sources, relative to this module built into dist/src/dashboard/. */
export const DASHBOARD_FILES_DIR: URL = new URL('../../../src/dashboard/web/', import.meta.url);

/** The page's policy: its own files only; no inline script, no eval, no frames, no other origin. */
export const CONTENT_SECURITY_POLICY: string = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

let assets: Map<string, Asset> | null = null;

// The served files by URL path, read once: every file of the folder plus /settings.json.
function loadAssets(): Map<string, Asset> {
  if (assets) return assets;
  const map = new Map<string, Asset>();
  for (const name of readdirSync(DASHBOARD_FILES_DIR)) {
    const dot = name.lastIndexOf('.');
    const type = dot < 0 ? undefined : TYPES[name.slice(dot)];
    if (type === undefined) continue;
    map.set(`/${name}`, asset(readFileSync(new URL(name, DASHBOARD_FILES_DIR)), type));
  }
  const index = map.get('/index.html');
  if (index) map.set('/', index);
  map.set('/settings.json', asset(Buffer.from(JSON.stringify(DEFAULTS.internal.dashboard)), TYPES['.json']));
  assets = map;
  return map;
}

// One file with its content type and a strong ETag of its bytes.
function asset(body: Buffer, type: string): Asset {
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/**
 * Answers a GET of one of the dashboard's files (true), or leaves the request alone (false) for
 * any other path. The caller has authenticated the request.
 */
export async function serveDashboard(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const file = loadAssets().get(path);
  if (file === undefined) return false;
  const headers: Record<string, string | number> = {
    'content-type': file.type,
    etag: file.etag,
    // revalidated each time (the ETag makes that a 304): a new corral version serves new files
    'cache-control': 'no-cache',
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };
  if (req.headers['if-none-match'] === file.etag) {
    res.writeHead(304, headers);
    res.end();
    return true;
  }
  headers['content-length'] = file.body.length;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : file.body);
  return true;
}
