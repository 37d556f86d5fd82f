// One HTTP request from a test, to a URL or a unix socket, and its whole answer as text.
import { type IncomingHttpHeaders, type RequestOptions, request } from 'node:http';

export interface Answer {
  status: number;
  /** the content-type header ('undefined' when there is none) */
  type: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * Sends one request (no keep-alive agent) to `to`: a URL, or options such as
 * `{ socketPath, path }`; `body` is sent as it is.
 */
export function httpRequest(
  to: string | RequestOptions,
  opts: RequestOptions & { body?: string } = {},
): Promise<Answer> {
  const { body: payload, ...options } = opts;
  return new Promise((resolve, reject) => {
    const onAnswer = (res: import('node:http').IncomingMessage): void => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type']),
          headers: res.headers,
          body,
        }),
      );
    };
    const req =
      typeof to === 'string'
        ? request(to, { agent: false, ...options }, onAnswer)
        : request({ agent: false, ...to, ...options }, onAnswer);
    req.on('error', reject);
    req.end(payload);
  });
}
