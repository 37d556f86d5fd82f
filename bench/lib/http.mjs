// One HTTP request over a unix socket: how the harness asks a daemon for its state cheaply.
import { request } from 'node:http';

/** Resolves { status, body } (body as text); rejects on a connection error or after timeoutMs. */
export function unixRequest(socketPath, method, path, { body, headers = {}, timeoutMs = 10_000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}
