// The HTTP API (SPEC §6) on node:http: routes over the daemon's controller, one error shape for
// all. Routes parse and validate; every operation is the controller's. Each answer carries the
// request's id (X-Request-Id as sent, or a new one).
import { randomUUID } from 'node:crypto';
import { createReadStream, rmSync, statSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { TakenProfile } from '../daemon/profile.js';
import { DEFAULTS } from '../defaults.js';
import { isCorralError } from '../errors.js';
import type { Logger } from '../log.js';
import { parseSignal } from '../signals.js';
import { parseQuery, RequestError, readJsonBody } from './body.js';
import {
  type EventsFrom,
  type EventsStart,
  type LogSink,
  type LogsFrom,
  lastEventId,
  logSink,
  sendEvent,
  startStream,
  streamEvents,
} from './follow.js';
import { EmptyBody, type HttpControl, HttpInfo, HttpStartBody, LoginLink } from './http-control.js';
import { type InjectOptions, type InjectResponse, inject } from './inject.js';
import { type ApiRequest, type Handler, Router, type RouteSchema } from './router.js';
import {
  type Action,
  ActionBody,
  ActionParams,
  ApplyBody,
  ApplyResult,
  BatchBody,
  type CorralEvent,
  ErrorBody,
  EventsQuery,
  Health,
  type LogEntry,
  LogsQuery,
  NameParams,
  type ProcessStatus,
  ProfileBody,
  type ProjectInfo,
  ProjectParams,
  ProjectRemoval,
  ProjectsQuery,
  ShutdownBody,
  SignalBody,
  type SignalResult,
  UsageQuery,
  UsageReport,
} from './schemas.js';
import { parseSince } from './since.js';
import { checkApplyBody, describeValidation, ValidationError, validateRequest } from './validation.js';

// node:http required, not imported: on Node 22 and later an ESM import of it evaluates its lazy
// exports and so loads undici, which the daemon never uses (about 15 MB of RSS)
const { createServer } = createRequire(import.meta.url)('node:http') as typeof import('node:http');

/** Every operation the API performs: the daemon's controller. */
export interface ApiContext {
  health(): Health;
  statuses(): ProcessStatus[];
  /** the processes a name means; throws SERVICE_NOT_FOUND or AMBIGUOUS_NAME */
  status(name: string): ProcessStatus[];
  /** every loaded project; environment values whose names look secret are masked unless `showSecrets` */
  projects(showSecrets: boolean): ProjectInfo[];
  apply(body: ApplyBody): Promise<ApplyResult>;
  removeProject(name: string): Promise<ProjectRemoval>;
  /** resolves every name before acting on any */
  act(action: Action, names: readonly string[]): Promise<ProcessStatus[]>;
  signal(name: string, signal: NodeJS.Signals): SignalResult;
  /** resolves the name first (404 before anything is read) */
  tailLogs(name: string, lines: number, sinceMs: number | null): Promise<LogEntry[]>;
  /**
   * resolves the name (throws before the sink begins), then: the tail as it was when following
   * began, or what came after the positions `from` names, then every chunk after it, each with its
   * id; resolves to the unsubscribe once the live chunks flow
   */
  followLogs(name: string, from: LogsFrom, sink: LogSink): Promise<() => void>;
  events(sinceMs: number | null): CorralEvent[];
  /** what an events stream sends first; onEvent in the same turn of the loop then misses nothing */
  followEvents(from: EventsFrom): EventsStart;
  onEvent(fn: (event: CorralEvent, seq: number) => void): () => void;
  /** resolves once the services are stopped (or at once when kept), naming those still alive */
  stopServices(keepServices: boolean): Promise<{ stillAlive: string[] }>;
  /** closes the daemon and exits with `code`; called once the shutdown answer is sent or abandoned */
  finish(keepServices: boolean, code: number): void;
  /** CPU and memory of every running process (the one sampler's figures) */
  usage(): UsageReport;
  /** a usage report now and then every interval; resolves to the unsubscribe */
  followUsage(send: (report: UsageReport) => void): () => void;
  /** the Prometheus text exposition */
  metrics(): Promise<string>;
  /** a profile of the daemon in a file, for the caller to send and remove; refused off the unix socket */
  profile(body: ProfileBody, onUnixSocket: boolean): Promise<TakenProfile>;
}

/** A yes/no query parameter (`follow`, `secrets`): `1` or `true` is yes; absent is no. */
const isYes = (v: string | undefined): boolean => v === '1' || v === 'true';

/** The API as a server: listen on a unix socket, or answer requests in process (inject). */
export interface Api {
  readonly server: Server;
  readonly router: Router;
  listen(opts: { path: string }): Promise<void>;
  /** answers one request of any transport (the TCP listener calls it once a request is authenticated) */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** one request answered in process, without a socket (tests) */
  inject(opts: InjectOptions): Promise<InjectResponse>;
  /** resolves once every route is in place (at once: kept for callers that wait for it) */
  ready(): Promise<void>;
  /** stops listening and closes every connection, followers included */
  close(): Promise<void>;
}

/** Builds the API; the caller listens (on the unix socket, or inject() in tests). `http`: the TCP listener's routes. */
export function buildApi(ctx: ApiContext, logger: Logger, opts: { http?: HttpControl } = {}): Api {
  // requests are not logged one by one; errors are
  const log = logger.child({ component: 'api' }, { level: logger.levelVal > 40 ? logger.level : 'warn' });
  const router = routes(ctx, opts.http);
  const handle = (req: IncomingMessage, res: ServerResponse): void => void answer(router, log, req, res);
  const server = createServer(
    // no request or header deadline: none is needed on a local socket, and their timer would wake an idle daemon
    { requestTimeout: 0, headersTimeout: 0, keepAliveTimeout: DEFAULTS.internal.apiKeepAliveMs },
    handle,
  );
  return {
    server,
    router,
    handle,
    listen: (opts) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(opts.path, () => {
          server.off('error', reject);
          resolve();
        });
      }),
    inject: (opts) => inject(server, opts),
    ready: async () => {},
    close: () =>
      new Promise((resolve) => {
        if (!server.listening) {
          server.closeAllConnections();
          resolve();
          return;
        }
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// One request: its route, its id, its parts checked, then the handler; every failure in the error shape.
async function answer(router: Router, log: Logger, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const header = req.headers['x-request-id'];
  const id = typeof header === 'string' && header !== '' ? header : randomUUID();
  const url = req.url ?? '/';
  res.setHeader('x-request-id', id);
  try {
    const q = url.indexOf('?');
    const pathname = q < 0 ? url : url.slice(0, q);
    const found = router.match(req.method ?? 'GET', pathname);
    if (!found) {
      req.resume();
      sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `No route ${req.method} ${url}` } });
      return;
    }
    const { route, params } = found;
    const query = parseQuery(q < 0 ? '' : url.slice(q + 1));
    let body: unknown;
    if (req.method === 'GET' || req.method === 'HEAD') req.resume();
    else body = await readJsonBody(req, DEFAULTS.internal.apiBodyLimitBytes);
    // no body at all means an empty one; a body that is there is validated as it is
    if (body === undefined) body = {};
    validateRequest(route.schema, { params, body, querystring: query });
    const request: ApiRequest = { id, params, query, body, url, raw: req };
    const result = await route.handler(request, res);
    if (!res.headersSent) sendJson(res, 200, result ?? null);
  } catch (e) {
    sendError(res, log, id, url, e as Error);
  }
}

// The error shape for what went wrong: a corral error, a refused request, or a bug (500).
function sendError(res: ServerResponse, log: Logger, id: string, url: string, err: Error): void {
  if (res.headersSent) {
    log.error({ reqId: id, err, url }, 'request handler failed after answering');
    res.destroy();
    return;
  }
  if (isCorralError(err)) {
    sendJson(res, err.status, { error: err.toJSON() });
  } else if (err instanceof ValidationError) {
    const details = err.validation.map(({ instancePath, schemaPath, keyword, params, message }) => ({
      instancePath,
      schemaPath,
      keyword,
      params,
      message,
    }));
    sendJson(res, 400, { error: { code: 'BAD_REQUEST', message: describeValidation(err), details } });
  } else if (err instanceof RequestError) {
    sendJson(res, err.statusCode, { error: { code: 'BAD_REQUEST', message: err.message } });
  } else {
    log.error({ reqId: id, err, url }, 'request handler failed');
    sendJson(res, 500, { error: { code: 'INTERNAL', message: `Internal error: ${err.message}` } });
  }
}

// A JSON answer, whole, with its length.
function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

// Every route of the API, each over one operation of the controller.
function routes(ctx: ApiContext, http?: HttpControl): Router {
  const router = new Router();
  const route = <P, Q, B>(
    method: string,
    url: string,
    schema: RouteSchema,
    handler: (req: ApiRequest<P, Q, B>, res: ServerResponse) => Promise<unknown>,
  ): void => router.add(method, url, schema, handler as Handler);
  const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 500: ErrorBody };

  route('GET', '/v1/health', { response: { 200: Health } }, async () => ctx.health());

  route('GET', '/v1/services', {}, async () => ctx.statuses());

  route<NameParams, unknown, unknown>('GET', '/v1/services/:name', { params: NameParams }, async (req) =>
    ctx.status(req.params.name),
  );

  route<unknown, ProjectsQuery, unknown>('GET', '/v1/projects', { querystring: ProjectsQuery }, async (req) =>
    ctx.projects(isYes(req.query.secrets)),
  );

  route<unknown, unknown, ApplyBody>(
    'POST',
    '/v1/projects',
    { body: ApplyBody, response: { 200: ApplyResult, ...errors } },
    async (req) => {
      checkApplyBody(req.body);
      return ctx.apply(req.body);
    },
  );

  route<ProjectParams, unknown, unknown>(
    'DELETE',
    '/v1/projects/:project',
    { params: ProjectParams, response: { 200: ProjectRemoval } },
    async (req) => ctx.removeProject(req.params.project),
  );

  for (const action of ['start', 'stop', 'restart'] as const) {
    route<NameParams, unknown, ActionBody>(
      'POST',
      `/v1/services/:name/${action}`,
      { params: NameParams, body: ActionBody },
      async (req) => ctx.act(action, [req.params.name]),
    );
  }

  route<ActionParams, unknown, BatchBody>(
    'POST',
    '/v1/actions/:action',
    { params: ActionParams, body: BatchBody },
    async (req) => ctx.act(req.params.action, req.body.names),
  );

  route<NameParams, unknown, SignalBody>(
    'POST',
    '/v1/services/:name/signal',
    { params: NameParams, body: SignalBody },
    async (req) => ctx.signal(req.params.name, parseSignal(req.body.signal, 'body.signal')),
  );

  route<NameParams, LogsQuery, unknown>(
    'GET',
    '/v1/services/:name/logs',
    { params: NameParams, querystring: LogsQuery },
    async (req, res) => {
      const sinceMs = req.query.since === undefined ? null : parseSince(req.query.since, Date.now());
      const follow = isYes(req.query.follow);
      const tail =
        req.query.tail !== undefined
          ? Number(req.query.tail)
          : follow
            ? DEFAULTS.logsFollowTailLines
            : DEFAULTS.logsTailLines;
      if (!follow) return { entries: await ctx.tailLogs(req.params.name, tail, sinceMs) };
      // a client that comes back names where it was; the tail is then not sent again
      const resumeFrom = lastEventId(req.raw, req.query);
      const from: LogsFrom = resumeFrom === null ? { lines: tail, sinceMs } : { lastEventId: resumeFrom };
      let gone = false;
      res.on('close', () => {
        gone = true;
      });
      // the stream begins once the name is resolved: a 404 still answers as one
      const stop = await ctx.followLogs(
        req.params.name,
        from,
        logSink(res, () => startStream(res)),
      );
      if (gone) stop();
      else res.on('close', stop);
      return undefined;
    },
  );

  route<unknown, EventsQuery, unknown>(
    'GET',
    '/v1/events',
    { querystring: EventsQuery },
    async (req, res) => {
      const sinceMs = req.query.since === undefined ? null : parseSince(req.query.since, Date.now());
      if (!isYes(req.query.follow)) return ctx.events(sinceMs);
      const resumeFrom = lastEventId(req.raw, req.query);
      // one turn of the loop from reading the journal to subscribing: no event falls between
      const start = ctx.followEvents(resumeFrom === null ? { sinceMs } : { lastEventId: resumeFrom });
      streamEvents(res, start, (fn) => ctx.onEvent(fn));
      return undefined;
    },
  );

  route<unknown, unknown, ShutdownBody>(
    'POST',
    '/v1/daemon/shutdown',
    { body: ShutdownBody },
    async (req, res) => {
      const keep = req.body.keep_services ?? false;
      // the daemon leaves once the answer is out, or once the client has gone (`daemon stop
      // --timeout` gives up waiting): a shutdown asked for always ends the daemon
      let code: number | null = null;
      let clientGone = false;
      const leave = (): void => {
        if (code !== null) ctx.finish(keep, code);
      };
      res.once('close', () => {
        clientGone = true;
        leave();
      });
      const { stillAlive } = await ctx.stopServices(keep);
      code = stillAlive.length > 0 ? 1 : 0;
      if (clientGone) leave();
      return { stopped: stillAlive.length === 0, keep_services: keep, still_running: stillAlive };
    },
  );

  // the document is built only when asked for
  route('GET', '/v1/openapi.json', {}, async () =>
    (await import('./openapi.js')).openApiDocument(router.routes),
  );

  if (http) {
    route('GET', '/v1/daemon/http', { response: { 200: HttpInfo } }, async () => http.info());

    // starts the API on TCP if it is off (`corral dashboard`); when on, answers where it listens
    route<unknown, unknown, HttpStartBody>(
      'POST',
      '/v1/daemon/http',
      { body: HttpStartBody, response: { 200: HttpInfo, ...errors } },
      async (req) => http.start(req.body.address, req.body.public ?? false, 'body.address'),
    );

    route(
      'POST',
      '/v1/daemon/login',
      { body: EmptyBody, response: { 200: LoginLink, ...errors } },
      async () => http.loginLink(),
    );
  }

  route('GET', '/metrics', {}, async (_req, res) => {
    const text = await ctx.metrics();
    const { EXPOSITION_CONTENT_TYPE } = await import('../metrics/exposition.js');
    res.writeHead(200, {
      'content-type': EXPOSITION_CONTENT_TYPE,
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
    return undefined;
  });

  route<unknown, UsageQuery, unknown>(
    'GET',
    '/v1/usage',
    { querystring: UsageQuery, response: { 200: UsageReport } },
    async (req, res) => {
      if (!isYes(req.query.follow)) return ctx.usage();
      startStream(res);
      // a client that does not read gets no report until it has caught up: each report stands
      // alone (figures now), and none piles up in the daemon's memory for a stalled client
      const off = ctx.followUsage((report) => {
        if (!res.writableNeedDrain) sendEvent(res, 'usage', report);
      });
      res.on('close', off);
      return undefined;
    },
  );

  // unix socket only
  route<unknown, unknown, ProfileBody>(
    'POST',
    '/v1/daemon/profile',
    { body: ProfileBody, response: { 400: ErrorBody, 403: ErrorBody, 500: ErrorBody } },
    async (req, res) => {
      // a TCP socket has a remote address; one already closed tells nothing, and is refused too
      const { socket } = req.raw;
      const taken = await ctx.profile(req.body, !socket.destroyed && socket.remoteAddress === undefined);
      sendProfile(res, taken);
      return undefined;
    },
  );

  return router;
}

// Sends a profile's file as the answer; the file is removed as soon as it is open (its open fd
// still reads it), so nothing is left behind, whether the client reads it all or goes away.
function sendProfile(res: ServerResponse, taken: TakenProfile): void {
  const remove = (): void => rmSync(taken.path, { force: true });
  try {
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': statSync(taken.path).size,
      'content-disposition': `attachment; filename="${taken.name}"`,
    });
  } catch (e) {
    remove();
    throw e;
  }
  const file = createReadStream(taken.path);
  file.once('open', remove);
  file.on('error', () => {
    remove();
    res.destroy();
  });
  res.once('close', () => file.destroy());
  file.pipe(res);
}
