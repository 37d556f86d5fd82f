// An HTTP probe: healthy when the URL answers 2xx/3xx (or exactly the expected status).
import { createRequire } from 'node:module';
import { type Clock, systemClock } from '../clock.js';

// required, not imported: on Node 22 and later an ESM import of node:http loads undici (see
// api/server.ts)
const require = createRequire(import.meta.url);
const { request } = require('node:http') as typeof import('node:http');
// node:https (and TLS with it) only for a daemon that has an https probe to send
let httpsRequest: typeof import('node:https').request | undefined;
function sendHttps(): typeof import('node:https').request {
  httpsRequest ??= (require('node:https') as typeof import('node:https')).request;
  return httpsRequest;
}

/**
 * Resolves with null when healthy, else with why not. Never rejects. The timeout bounds the whole
 * request, up to the response's status line (a server that trickles bytes does not extend it).
 */
export function probeHttp(
  url: string,
  timeoutMs: number,
  expectStatus?: number,
  clock: Clock = systemClock,
): Promise<string | null> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const send = u.protocol === 'https:' ? sendHttps() : request;
    const req = send(u, { method: 'GET', rejectUnauthorized: false }, (res) => {
      timer.cancel();
      res.resume();
      const status = res.statusCode ?? 0;
      const ok = expectStatus === undefined ? status >= 200 && status < 400 : status === expectStatus;
      resolve(ok ? null : `${url} answered ${status}`);
    });
    const timer = clock.after(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e) => {
      timer.cancel();
      resolve(`${url}: ${e.message}`);
    });
    req.end();
  });
}
