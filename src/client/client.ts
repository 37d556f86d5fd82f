// A typed client of the daemon's HTTP API over its unix socket; used by the CLI. Its types are
// the wire contract's (api/schemas.ts) alone.
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import type {
  Action,
  ApplyBody,
  ApplyResult,
  CorralEvent,
  Health,
  LogEntry,
  ProcessStatus,
  ProjectInfo,
  SignalResult,
} from '../api/schemas.js';
import { CorralError, type ErrorCode, isCorralError } from '../errors.js';

// node:http required, not imported: on Node 22 and later an ESM import of it evaluates its lazy
// exports and so loads undici, about 30 ms of CPU at every command
const { request } = createRequire(import.meta.url)('node:http') as typeof import('node:http');

export class CorralClient {
  readonly socketPath: string;
  /** called once when the daemon does not answer (no socket, or refused); the request is then retried */
  onUnreachable: (() => Promise<void>) | null = null;

  constructor(socketPath: string) {
    this.socketPath = socketPath;
  }

  health(): Promise<Health> {
    return this.request('GET', '/v1/health');
  }

  services(): Promise<ProcessStatus[]> {
    return this.request('GET', '/v1/services');
  }

  service(name: string): Promise<ProcessStatus[]> {
    return this.request('GET', `/v1/services/${encodeURIComponent(name)}`);
  }

  projects(opts: { secrets?: boolean } = {}): Promise<ProjectInfo[]> {
    return this.request('GET', opts.secrets ? '/v1/projects?secrets=1' : '/v1/projects');
  }

  apply(body: ApplyBody): Promise<ApplyResult> {
    return this.request('POST', '/v1/projects', body);
  }

  removeProject(project: string): Promise<unknown> {
    return this.request('DELETE', `/v1/projects/${encodeURIComponent(project)}`);
  }

  action(name: string, action: Action): Promise<ProcessStatus[]> {
    return this.request('POST', `/v1/services/${encodeURIComponent(name)}/${action}`, {});
  }

  /** Acts on every name together; the daemon resolves all of them before it touches any. */
  act(action: Action, names: string[]): Promise<ProcessStatus[]> {
    return this.request('POST', `/v1/actions/${action}`, { names });
  }

  signal(name: string, signal: string): Promise<SignalResult> {
    return this.request('POST', `/v1/services/${encodeURIComponent(name)}/signal`, { signal });
  }

  logs(name: string, query: { tail?: number; since?: string }): Promise<{ entries: LogEntry[] }> {
    return this.request('GET', `/v1/services/${encodeURIComponent(name)}/logs${queryString(query)}`);
  }

  events(since?: string): Promise<CorralEvent[]> {
    return this.request('GET', `/v1/events${queryString({ since })}`);
  }

  /** Answered once the services are stopped (or left running); `signal` gives up waiting. */
  shutdown(
    keepServices: boolean,
    signal?: AbortSignal,
  ): Promise<{ stopped: boolean; keep_services: boolean; still_running: string[] }> {
    return this.request('POST', '/v1/daemon/shutdown', { keep_services: keepServices }, signal);
  }

  /** Follows a text/event-stream until the server ends it or `signal` aborts; calls onEvent for each event. */
  async stream(
    path: string,
    onEvent: (event: string, data: unknown) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const res = await this.sendOrStart('GET', path, undefined, signal);
    if ((res.statusCode ?? 500) >= 400) throw errorFrom(res.statusCode ?? 500, await readAll(res));
    let buffer = '';
    try {
      for await (const chunk of res) {
        buffer += chunk.toString();
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data !== '') onEvent(event, JSON.parse(data));
          end = buffer.indexOf('\n\n');
        }
      }
    } catch (e) {
      if (signal?.aborted) return;
      throw e;
    }
  }

  async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const res = await this.sendOrStart(method, path, body, signal);
    const text = await readAll(res);
    if ((res.statusCode ?? 500) >= 400) throw errorFrom(res.statusCode ?? 500, text);
    return JSON.parse(text) as T;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** send(), starting a daemon (once) when none answers. */
  private async sendOrStart(
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<IncomingMessage> {
    try {
      return await this.send(method, path, body, signal);
    } catch (e) {
      const start = this.onUnreachable;
      if (!start || !isCorralError(e) || e.code !== 'DAEMON_UNREACHABLE') throw e;
      this.onUnreachable = null;
      await start();
      return this.send(method, path, body, signal);
    }
  }

  private send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          // a connection of our own per request: no agent, whose bookkeeping (a TLS server
          // name, even for a unix socket) costs more than the request itself
          createConnection: () => connect(this.socketPath),
          path,
          method,
          signal,
          headers:
            payload === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        resolve,
      );
      req.on('error', (e) => reject(signal?.aborted ? e : unreachable(this.socketPath, e)));
      req.end(payload);
    });
  }
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => {
      text += d;
    });
    res.on('end', () => resolve(text));
    res.on('error', reject);
  });
}

function queryString(query: Record<string, string | number | undefined>): string {
  const parts = Object.entries(query)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`);
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

function unreachable(socketPath: string, e: unknown): CorralError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') {
    return new CorralError('DAEMON_UNREACHABLE', `No corral daemon answers on ${socketPath} (${code})`);
  }
  return new CorralError(
    'DAEMON_UNREACHABLE',
    `Cannot reach the daemon on ${socketPath}: ${(e as Error).message}`,
  );
}

function errorFrom(status: number, text: string): CorralError {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: string; message?: string; details?: unknown } };
    const code = (parsed.error?.code ?? 'INTERNAL') as ErrorCode;
    return new CorralError(code, parsed.error?.message ?? text, parsed.error?.details);
  } catch {
    return new CorralError('INTERNAL', `The daemon answered ${status}: ${text.slice(0, 200)}`);
  }
}
