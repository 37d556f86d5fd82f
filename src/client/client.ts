// A typed client of the daemon's HTTP API over its unix socket; used by the CLI. Its types are
// the wire contract's (api/schemas.ts) alone.

import { existsSync } from 'node:fs';
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
  ProjectRemoval,
  SignalResult,
} from '../api/schemas.js';
import { DEFAULTS } from '../defaults.js';
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

  /** Every loaded project's definition; `signal` gives up waiting (shell completion asks with a short one). */
  projects(opts: { secrets?: boolean; signal?: AbortSignal } = {}): Promise<ProjectInfo[]> {
    const path = opts.secrets ? '/v1/projects?secrets=1' : '/v1/projects';
    return this.request('GET', path, undefined, opts.signal);
  }

  apply(body: ApplyBody): Promise<ApplyResult> {
    return this.request('POST', '/v1/projects', body);
  }

  removeProject(project: string): Promise<ProjectRemoval> {
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
    try {
      await readEvents(res, onEvent);
    } catch (e) {
      if (signal?.aborted) return;
      throw e;
    }
  }

  /**
   * Follows a text/event-stream for as long as `signal` lets it: when the connection drops
   * (the daemon restarted, was killed or crashed), it connects again with backoff and resumes
   * after the last id it was given (`Last-Event-ID`), so `onEvent` sees every entry once. A
   * daemon that died (its socket left behind) and that nobody else started again within
   * `internal.followStartAfterMs` is started as the first request would start one; after a
   * clean stop it waits for the next daemon. The first connection failing, or an error answer,
   * ends it with that error.
   */
  async follow(
    path: string,
    onEvent: (event: string, data: unknown) => void,
    opts: FollowOptions = {},
  ): Promise<void> {
    const { signal } = opts;
    const start = this.onUnreachable;
    let lastId = null as string | null;
    let connected = false;
    let dropped = false;
    let awaySince = 0;
    // only a daemon that died leaves its socket behind; give whoever restarts it (a user's
    // `daemon start`, systemd) the first moment, then start one as a command would
    const rearm = (): void => {
      const late = Date.now() - awaySince >= DEFAULTS.internal.followStartAfterMs;
      this.onUnreachable = late && existsSync(this.socketPath) ? start : null;
    };
    let delay: number = DEFAULTS.internal.followRetryMs;
    for (;;) {
      if (signal?.aborted) return;
      let res: IncomingMessage;
      try {
        const headers: Record<string, string> = lastId === null ? {} : { 'last-event-id': lastId };
        res = await this.sendOrStart('GET', path, undefined, signal, headers);
      } catch (e) {
        if (signal?.aborted) return;
        if (!connected || !isCorralError(e) || e.code !== 'DAEMON_UNREACHABLE') throw e;
        if (!dropped) {
          opts.onDrop?.(e.message);
          awaySince = Date.now();
        }
        dropped = true;
        await pause(delay, signal);
        delay = Math.min(delay * 2, DEFAULTS.internal.followMaxRetryMs);
        rearm();
        continue;
      }
      if ((res.statusCode ?? 500) >= 400) throw errorFrom(res.statusCode ?? 500, await readAll(res));
      connected = true;
      if (dropped) opts.onBack?.();
      dropped = false;
      delay = DEFAULTS.internal.followRetryMs;
      try {
        await readEvents(res, onEvent, (id) => {
          lastId = id;
        });
      } catch (e) {
        if (signal?.aborted) return;
        if (e instanceof SyntaxError) throw e;
      }
      if (signal?.aborted) return;
      opts.onDrop?.('the connection to the daemon closed');
      dropped = true;
      awaySince = Date.now();
      rearm();
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
    headers: Record<string, string> = {},
  ): Promise<IncomingMessage> {
    try {
      return await this.send(method, path, body, signal, headers);
    } catch (e) {
      const start = this.onUnreachable;
      if (!start || !isCorralError(e) || e.code !== 'DAEMON_UNREACHABLE') throw e;
      this.onUnreachable = null;
      await start();
      return this.send(method, path, body, signal, headers);
    }
  }

  private send(
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
    headers: Record<string, string> = {},
  ): Promise<IncomingMessage> {
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
              ? headers
              : {
                  ...headers,
                  'content-type': 'application/json',
                  'content-length': Buffer.byteLength(payload),
                },
        },
        resolve,
      );
      req.on('error', (e) => reject(signal?.aborted ? e : unreachable(this.socketPath, e)));
      req.end(payload);
    });
  }
}

/** What a follow says besides its entries: the connection dropped (once per drop), it is back. */
export interface FollowOptions {
  signal?: AbortSignal;
  onDrop?(reason: string): void;
  onBack?(): void;
}

/**
 * Reads the events of a text/event-stream until it ends: onEvent for each one with data, onId
 * for each id (after its event was handled, so an id is only kept for what was seen).
 */
async function readEvents(
  res: IncomingMessage,
  onEvent: (event: string, data: unknown) => void,
  onId: (id: string) => void = () => {},
): Promise<void> {
  let buffer = '';
  for await (const chunk of res) {
    buffer += chunk.toString();
    let end = buffer.indexOf('\n\n');
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      let data = '';
      let id: string | null = null;
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
        else if (line.startsWith('id: ')) id = line.slice(4);
      }
      if (data !== '') onEvent(event, JSON.parse(data));
      if (id !== null) onId(id);
      end = buffer.indexOf('\n\n');
    }
  }
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
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
