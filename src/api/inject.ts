// One request answered in process: the server is handed one end of an in-memory stream pair as
// a connection, and node:http's own client writes the request into the other end. Requests and
// answers go through the same parsing as on the socket; only the socket is missing.
import type { IncomingHttpHeaders, Server } from 'node:http';
import { createRequire } from 'node:module';
import { Duplex } from 'node:stream';

// required, not imported: see server.ts
const { request } = createRequire(import.meta.url)('node:http') as typeof import('node:http');

export interface InjectOptions {
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** an object is sent as JSON; a string as it is */
  payload?: unknown;
}

export interface InjectResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: a test reads whatever shape it expects
  json(): any;
}

/** Sends one request to `server` without a socket and resolves with its whole answer. */
export function inject(server: Server, opts: InjectOptions): Promise<InjectResponse> {
  const [client, served] = streamPair();
  server.emit('connection', served);
  const payload =
    opts.payload === undefined
      ? undefined
      : typeof opts.payload === 'string'
        ? opts.payload
        : JSON.stringify(opts.payload);
  const headers: Record<string, string | number> = { ...opts.headers };
  if (payload !== undefined) {
    // a chunked request (transfer-encoding given) says no length up front
    if (!('transfer-encoding' in headers)) headers['content-length'] = Buffer.byteLength(payload);
    if (typeof opts.payload !== 'string' && !('content-type' in headers))
      headers['content-type'] = 'application/json';
  }
  return new Promise((resolve, reject) => {
    const req = request(
      { createConnection: () => client as never, method: opts.method, path: opts.url, headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => {
          client.destroy();
          resolve({
            statusCode: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json: () => JSON.parse(body),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

// Two connected in-memory streams: what one writes, the other reads.
function streamPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const end = (other: () => Duplex): Duplex => {
    const d = new Duplex({
      read() {},
      write(chunk, _encoding, done) {
        other().push(chunk);
        done();
      },
      final(done) {
        other().push(null);
        done();
      },
      destroy(err, done) {
        const peer = other();
        if (!peer.destroyed) peer.destroy();
        done(err);
      },
    });
    // what node:http calls on a net.Socket, where an in-memory stream has nothing to do
    Object.assign(d, {
      setTimeout: () => d,
      setNoDelay: () => d,
      setKeepAlive: () => d,
      destroySoon: () => d.end(),
    });
    return d;
  };
  ends.push(
    end(() => ends[1]),
    end(() => ends[0]),
  );
  return [ends[0], ends[1]];
}
