// The API on TCP (`--http ADDR`, `POST /v1/daemon/http`): the same routes as the unix socket,
// plus the browser's login and the dashboard's pages, behind three checks in this order:
// the Host is this listener's own (no DNS rebinding: 403), an Origin sent is this listener's own
// (no cross-site request: 403), and the request carries the token or a session cookie (401).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { ensureToken, readToken } from '../daemon/token.js';
import { DEFAULTS } from '../defaults.js';
import { CorralError } from '../errors.js';
import type { Logger } from '../log.js';
import {
  bearerToken,
  cookieValue,
  LoginLinks,
  newSession,
  SESSION_COOKIE,
  sameSecret,
  validSession,
} from './auth.js';
import {
  formatHostPort,
  type HttpAddress,
  isLoopbackIp,
  isWildcardIp,
  parseHttpAddress,
  publicRefused,
  publicWarning,
} from './http-address.js';
import { type HttpControl, type HttpInfo, type LoginLink, listenerOff } from './http-control.js';

// node:http required, not imported (see server.ts: an ESM import loads undici on Node 22+)
const { createServer } = createRequire(import.meta.url)('node:http') as typeof import('node:http');

/** The dashboard's pages: true when it answered the request. */
export type PageHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface TcpOptions {
  /** answers a request of the API (the unix socket's handler) */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** HOME/token */
  tokenFile: string;
  logger: Logger;
  /** the dashboard's pages, for an authenticated GET outside /v1/, /metrics and /login */
  pages?: PageHandler;
  /** each connection accepted (the idle timer counts clients) */
  onConnection?: (socket: Socket) => void;
}

/** The page an unauthenticated browser gets. */
const LOGIN_NEEDED =
  '<!doctype html><meta charset="utf-8"><title>corral: log in</title>' +
  "<p>This is corral's dashboard. To log in, run <code>corral dashboard</code> on this machine " +
  'and open the link it prints.</p>\n';

/** The page a used or expired login link gets. */
const LINK_USED =
  '<!doctype html><meta charset="utf-8"><title>corral: log in</title>' +
  '<p>This login link was used or has expired: run <code>corral dashboard</code> again.</p>\n';

export class TcpListener implements HttpControl {
  private readonly opts: TcpOptions;
  private readonly log: Logger;
  private readonly links = new LoginLinks({
    ttlMs: DEFAULTS.internal.loginLinkTtlMs,
    max: DEFAULTS.internal.loginLinksMax,
  });
  private server: Server | null = null;
  private starting: Promise<HttpInfo> | null = null;
  private bound: { host: string; port: number; public: boolean } | null = null;

  constructor(opts: TcpOptions) {
    this.opts = opts;
    this.log = opts.logger.child({ component: 'http' });
  }

  info(): HttpInfo {
    if (!this.bound) return { url: null, address: null, public: false };
    const { host, port } = this.bound;
    // a browser on this machine reaches a wildcard bind through loopback
    const urlHost = host === '0.0.0.0' ? '127.0.0.1' : isWildcardIp(host) ? '::1' : host;
    return {
      url: `http://${formatHostPort(urlHost, port)}`,
      address: formatHostPort(host, port),
      public: this.bound.public,
    };
  }

  start(address: string, allowPublic: boolean, where = 'address'): Promise<HttpInfo> {
    if (this.starting) return this.starting;
    let addr: HttpAddress;
    try {
      addr = parseHttpAddress(address, where);
      if (!addr.loopback && !allowPublic) throw publicRefused(addr, where);
    } catch (e) {
      return Promise.reject(e);
    }
    this.starting = this.listen(addr);
    this.starting.catch(() => {
      this.starting = null;
    });
    return this.starting;
  }

  loginLink(): LoginLink {
    const url = this.info().url;
    if (url === null) throw listenerOff();
    const token = ensureToken(this.opts.tokenFile);
    return { url: `${url}/login?token=${this.links.issue(token)}` };
  }

  /** Stops listening and closes every connection, followers included. */
  close(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.bound = null;
    this.starting = null;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  // Makes the token if there is none, then binds; says so (a warning outside loopback).
  private async listen(addr: HttpAddress): Promise<HttpInfo> {
    ensureToken(this.opts.tokenFile);
    const server = createServer(
      addr.loopback
        ? // no header deadline on loopback: its timer would wake an idle daemon
          { requestTimeout: 0, headersTimeout: 0, keepAliveTimeout: DEFAULTS.internal.apiKeepAliveMs }
        : {
            requestTimeout: 0,
            headersTimeout: DEFAULTS.internal.httpPublicHeadersTimeoutMs,
            keepAliveTimeout: DEFAULTS.internal.apiKeepAliveMs,
          },
      (req, res) => void this.answer(req, res),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          new CorralError(
            'BAD_REQUEST',
            `Cannot serve the API on ${formatHostPort(addr.host, addr.port)}: ${bindProblem(e)}`,
          ),
        ),
      );
      server.listen(addr.port, addr.host, () => resolve());
    });
    server.removeAllListeners('error');
    if (this.opts.onConnection) server.on('connection', this.opts.onConnection);
    server.on('error', (err) => this.log.error({ err }, 'the API on TCP failed'));
    const port = (server.address() as { port: number }).port;
    this.server = server;
    this.bound = { host: addr.host, port, public: !addr.loopback };
    const info = this.info();
    if (addr.loopback) this.log.info({ address: info.address }, 'the API listens on TCP');
    else this.log.warn({ address: info.address }, publicWarning(info.address as string));
    return info;
  }

  // One request: Host, Origin, then who is asking; then the login, the API or a page.
  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const sent = req.headers['x-request-id'];
    res.setHeader('x-request-id', typeof sent === 'string' && sent !== '' ? sent : randomUUID());
    // a refusal reads no body: what was sent is drained, not parsed
    const deny = (status: number, text: string, headers: Record<string, string> = {}): void => {
      req.resume();
      refuse(res, status, text, headers);
    };
    try {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const host = (req.headers.host ?? '').toLowerCase();
      if (!this.ownHost(host)) {
        deny(403, `Host "${req.headers.host ?? ''}" is not this listener's address; refused (DNS rebinding)`);
        return;
      }
      const origin = req.headers.origin;
      if (origin !== undefined && origin.toLowerCase() !== `http://${host}`) {
        deny(
          403,
          `Origin "${origin}" is not this listener's own (http://${host}); refused (cross-site request)`,
        );
        return;
      }
      const method = req.method ?? 'GET';
      const isGet = method === 'GET' || method === 'HEAD';
      // GET only: a HEAD (a link preview) does not use the link up
      if (path === '/login' && method === 'GET') {
        this.login(req, res, q < 0 ? '' : url.slice(q + 1));
        return;
      }
      const api = path.startsWith('/v1/') || path === '/metrics';
      const token = readToken(this.opts.tokenFile);
      const by = token === null ? null : this.authenticated(req, token);
      if (by === null) {
        req.resume();
        if (!api && isGet)
          sendText(res, 401, 'text/html; charset=utf-8', LOGIN_NEEDED, { 'www-authenticate': 'Bearer' });
        else deny(401, '', { 'www-authenticate': 'Bearer' });
        return;
      }
      // a browser's action says where it comes from (every browser sends Origin with a POST)
      if (by === 'cookie' && !isGet && origin === undefined) {
        deny(403, 'A request with a session cookie must carry its Origin; refused (cross-site request)');
        return;
      }
      if (api || !isGet || !this.opts.pages) {
        this.opts.handle(req, res);
        return;
      }
      req.resume();
      if (!(await this.opts.pages(req, res)) && !res.headersSent) refuse(res, 404, `No page ${path}`);
    } catch (err) {
      this.log.error({ err, url: req.url }, 'request on TCP failed');
      if (!res.headersSent) refuse(res, 500, `Internal error: ${(err as Error).message}`);
      else res.destroy();
    }
  }

  // How a request proves itself: its bearer token (only that, when it sends one), or its cookie.
  private authenticated(req: IncomingMessage, token: string): 'bearer' | 'cookie' | null {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const given = bearerToken(header);
      return given !== null && sameSecret(given, token) ? 'bearer' : null;
    }
    const session = cookieValue(req.headers.cookie, SESSION_COOKIE);
    return session !== null && validSession(session, token, Date.now()) ? 'cookie' : null;
  }

  // GET /login?token=ONE_TIME: the session cookie and a 303 to `/`, once; 401 after.
  private login(req: IncomingMessage, res: ServerResponse, query: string): void {
    req.resume();
    const secret = new URLSearchParams(query).get('token');
    const token = readToken(this.opts.tokenFile);
    const headers = { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' };
    if (secret === null || token === null || !this.links.redeem(secret, token)) {
      sendText(res, 401, 'text/html; charset=utf-8', LINK_USED, headers);
      return;
    }
    const ttlMs = DEFAULTS.internal.sessionTtlMs;
    const cookie = `${SESSION_COOKIE}=${newSession(token, Date.now() + ttlMs)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.floor(ttlMs / 1000)}`;
    res.writeHead(303, { ...headers, location: '/', 'set-cookie': cookie, 'content-length': 0 });
    res.end();
  }

  // Whether a Host header names this listener: its address, `localhost` on loopback, and for a
  // wildcard bind the machine's own addresses and name; with the port (optional for 80).
  private ownHost(host: string): boolean {
    if (!this.bound) return false;
    const { port } = this.bound;
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
    if (!m || (m[2] === undefined ? port !== 80 : Number(m[2]) !== port)) return false;
    const name = m[1].startsWith('[') ? m[1].slice(1, -1) : m[1];
    const bound = this.bound.host.toLowerCase();
    if (name === bound) return true;
    if (name === 'localhost') return isLoopbackIp(bound) || isWildcardIp(bound);
    if (!isWildcardIp(bound)) return false;
    if (name === hostname().toLowerCase()) return true;
    for (const list of Object.values(networkInterfaces()))
      for (const a of list ?? []) if (a.address.toLowerCase() === name) return true;
    return false;
  }
}

/** What a failed bind means, in words. */
function bindProblem(e: NodeJS.ErrnoException): string {
  if (e.code === 'EADDRINUSE') return 'the address is in use (EADDRINUSE); choose another port';
  if (e.code === 'EADDRNOTAVAIL') return 'no interface of this machine has that address (EADDRNOTAVAIL)';
  if (e.code === 'EACCES') return 'a port below 1024 needs privileges (EACCES)';
  return e.message;
}

/** A short plain-text answer (empty: headers only). */
function refuse(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  sendText(res, status, 'text/plain; charset=utf-8', text === '' ? '' : `${text}\n`, headers);
}

function sendText(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...headers,
    'content-type': type,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
