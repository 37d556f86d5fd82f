// A typed client of the daemon's HTTP API over its unix socket; used by the CLI.
import { Pool } from 'undici';
import type { ApplyBody, Health, LogEntry, ProcessStatus } from '../api/schemas.js';
import type { ProjectSpec } from '../config/types.js';
import type { CorralEvent } from '../engine/states.js';
import type { ApplyResult } from '../engine/supervisor.js';
import { CorralError, type ErrorCode } from '../errors.js';

export class CorralClient {
  private readonly client: Pool;
  readonly socketPath: string;

  constructor(socketPath: string) {
    this.socketPath = socketPath;
    // a pool, so that a follow (which holds its connection) never blocks other requests
    this.client = new Pool('http://localhost', {
      socketPath,
      // follows (logs -f, events -f) stay open for as long as the user wants
      bodyTimeout: 0,
      headersTimeout: 0,
    });
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

  projects(): Promise<ProjectSpec[]> {
    return this.request('GET', '/v1/projects');
  }

  apply(body: ApplyBody): Promise<ApplyResult> {
    return this.request('POST', '/v1/projects', body);
  }

  removeProject(project: string): Promise<unknown> {
    return this.request('DELETE', `/v1/projects/${encodeURIComponent(project)}`);
  }

  action(name: string, action: 'start' | 'stop' | 'restart'): Promise<ProcessStatus[]> {
    return this.request('POST', `/v1/services/${encodeURIComponent(name)}/${action}`, {});
  }

  signal(name: string, signal: string): Promise<{ signal: string; sent: string[] }> {
    return this.request('POST', `/v1/services/${encodeURIComponent(name)}/signal`, { signal });
  }

  logs(name: string, query: { tail?: number; since?: string }): Promise<{ entries: LogEntry[] }> {
    return this.request('GET', `/v1/services/${encodeURIComponent(name)}/logs${queryString(query)}`);
  }

  events(since?: string): Promise<CorralEvent[]> {
    return this.request('GET', `/v1/events${queryString({ since })}`);
  }

  shutdown(keepServices: boolean): Promise<unknown> {
    return this.request('POST', '/v1/daemon/shutdown', { keep_services: keepServices });
  }

  /** Follows a text/event-stream until the server ends it or `signal` aborts; calls onEvent for each event. */
  async stream(
    path: string,
    onEvent: (event: string, data: unknown) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const res = await this.client.request({ method: 'GET', path, signal }).catch((e) => {
      throw unreachable(this.socketPath, e);
    });
    if (res.statusCode >= 400) throw await errorFrom(res.statusCode, res.body);
    let buffer = '';
    try {
      for await (const chunk of res.body) {
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

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.client
      .request({
        method: method as 'GET',
        path,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      .catch((e) => {
        throw unreachable(this.socketPath, e);
      });
    if (res.statusCode >= 400) throw await errorFrom(res.statusCode, res.body);
    return (await res.body.json()) as T;
  }

  close(): Promise<void> {
    return this.client.close();
  }
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

async function errorFrom(
  status: number,
  body: { json(): Promise<unknown>; text(): Promise<string> },
): Promise<CorralError> {
  const text = await body.text();
  try {
    const parsed = JSON.parse(text) as { error?: { code?: string; message?: string; details?: unknown } };
    const code = (parsed.error?.code ?? 'INTERNAL') as ErrorCode;
    return new CorralError(code, parsed.error?.message ?? text, parsed.error?.details);
  } catch {
    return new CorralError('INTERNAL', `The daemon answered ${status}: ${text.slice(0, 200)}`);
  }
}
