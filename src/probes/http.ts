// An HTTP probe: healthy when the URL answers 2xx/3xx (or exactly the expected status).
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type Clock, systemClock } from '../clock.js';

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
    const send = u.protocol === 'https:' ? httpsRequest : request;
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
