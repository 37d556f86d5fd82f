// An HTTP probe: healthy when the URL answers 2xx/3xx (or exactly the expected status).
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Resolves with null when healthy, else with why not. Never rejects. */
export function probeHttp(url: string, timeoutMs: number, expectStatus?: number): Promise<string | null> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const send = u.protocol === 'https:' ? httpsRequest : request;
    const req = send(u, { method: 'GET', timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      const ok = expectStatus === undefined ? status >= 200 && status < 400 : status === expectStatus;
      resolve(ok ? null : `${url} answered ${status}`);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e) => resolve(`${url}: ${e.message}`));
    req.end();
  });
}
