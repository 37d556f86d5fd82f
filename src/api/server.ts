// The HTTP API (SPEC §6): fastify routes over the daemon's controller, one error shape for all.
// Routes parse and validate; every operation is the controller's.
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import { DEFAULTS } from '../defaults.js';
import { isCorralError } from '../errors.js';
import { parseSignal } from '../signals.js';
import { collectRoutes, openApiDocument } from './openapi.js';
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
  type ProjectInfo,
  ProjectParams,
  ProjectsQuery,
  ShutdownBody,
  SignalBody,
  type SignalResult,
} from './schemas.js';
import { parseSince } from './since.js';
import { checkApplyBody, describeValidation } from './validation.js';

/** Every operation the API performs: the daemon's controller. */
export interface ApiContext {
  health(): Health;
  statuses(): ProcessStatus[];
  /** the processes a name means; throws SERVICE_NOT_FOUND or AMBIGUOUS_NAME */
  status(name: string): ProcessStatus[];
  /** every loaded project; environment values whose names look secret are masked unless `showSecrets` */
  projects(showSecrets: boolean): ProjectInfo[];
  apply(body: ApplyBody): Promise<ApplyResult>;
  removeProject(name: string): Promise<void>;
  /** resolves every name before acting on any */
  act(action: Action, names: readonly string[]): Promise<ProcessStatus[]>;
  signal(name: string, signal: NodeJS.Signals): SignalResult;
  /** resolves the name first (404 before anything is read) */
  tailLogs(name: string, lines: number, sinceMs: number | null): Promise<LogEntry[]>;
  /** the tail as it was when following began, then every chunk after it; resolves to the unsubscribe */
  followLogs(
    name: string,
    tail: { lines: number; sinceMs: number | null },
    onLine: (entry: LogEntry) => void,
    onChunk: (name: string, text: string) => void,
  ): Promise<() => void>;
  events(sinceMs: number | null): CorralEvent[];
  onEvent(fn: (event: CorralEvent) => void): () => void;
  /** resolves once the services are stopped (or at once when kept), naming those still alive */
  stopServices(keepServices: boolean): Promise<{ stillAlive: string[] }>;
  /** closes the daemon and exits with `code`; called once the shutdown answer is sent or abandoned */
  finish(keepServices: boolean, code: number): void;
}

/** A yes/no query parameter (`follow`, `secrets`): `1` or `true` is yes; absent is no. */
const isYes = (v: string | undefined): boolean => v === '1' || v === 'true';

/** Builds the fastify app; the caller listens (on the unix socket, or inject() in tests). */
export function buildApi(ctx: ApiContext, logger: Logger): FastifyInstance {
  const app = Fastify({
    // requests are not logged one by one; errors are
    loggerInstance: logger.child(
      { component: 'api' },
      { level: logger.levelVal > 40 ? logger.level : 'warn' },
    ) as FastifyBaseLogger,
    requestIdHeader: 'x-request-id',
    forceCloseConnections: true,
    genReqId: () => randomUUID(),
    // input is validated, never coerced: `null` is not `false`, "abc" is not a number
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
  });

  const routes = collectRoutes(app);

  // no body at all means an empty one; a body that is there is validated as it is
  app.addHook('preValidation', async (req) => {
    if (req.body === undefined) req.body = {};
  });

  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  app.setErrorHandler(
    (err: Error & { validation?: unknown; validationContext?: string; statusCode?: number }, req, reply) => {
      if (isCorralError(err)) {
        return reply.status(err.status).send({ error: err.toJSON() });
      }
      if (err.validation) {
        return reply.status(400).send({
          error: { code: 'BAD_REQUEST', message: describeValidation(err), details: err.validation },
        });
      }
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
        return reply.status(err.statusCode).send({ error: { code: 'BAD_REQUEST', message: err.message } });
      }
      req.log.error({ err, url: req.url }, 'request handler failed');
      return reply
        .status(500)
        .send({ error: { code: 'INTERNAL', message: `Internal error: ${err.message}` } });
    },
  );

  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: `No route ${req.method} ${req.url}` } });
  });

  const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 500: ErrorBody };

  app.get('/v1/health', { schema: { response: { 200: Health } } }, async () => ctx.health());

  app.get('/v1/services', async () => ctx.statuses());

  app.get<{ Params: NameParams }>('/v1/services/:name', { schema: { params: NameParams } }, async (req) =>
    ctx.status(req.params.name),
  );

  app.get<{ Querystring: ProjectsQuery }>(
    '/v1/projects',
    { schema: { querystring: ProjectsQuery } },
    async (req) => ctx.projects(isYes(req.query.secrets)),
  );

  app.post<{ Body: ApplyBody }>(
    '/v1/projects',
    { schema: { body: ApplyBody, response: { 200: ApplyResult, ...errors } } },
    async (req) => {
      checkApplyBody(req.body);
      return ctx.apply(req.body);
    },
  );

  app.delete<{ Params: ProjectParams }>(
    '/v1/projects/:project',
    { schema: { params: ProjectParams } },
    async (req) => {
      await ctx.removeProject(req.params.project);
      return { removed: req.params.project };
    },
  );

  for (const action of ['start', 'stop', 'restart'] as const) {
    app.post<{ Params: NameParams; Body: ActionBody | undefined }>(
      `/v1/services/:name/${action}`,
      { schema: { params: NameParams, body: ActionBody } },
      async (req) => ctx.act(action, [req.params.name]),
    );
  }

  app.post<{ Params: ActionParams; Body: BatchBody }>(
    '/v1/actions/:action',
    { schema: { params: ActionParams, body: BatchBody } },
    async (req) => ctx.act(req.params.action, req.body.names),
  );

  app.post<{ Params: NameParams; Body: SignalBody }>(
    '/v1/services/:name/signal',
    { schema: { params: NameParams, body: SignalBody } },
    async (req) => ctx.signal(req.params.name, parseSignal(req.body.signal, 'body.signal')),
  );

  app.get<{ Params: NameParams; Querystring: LogsQuery }>(
    '/v1/services/:name/logs',
    { schema: { params: NameParams, querystring: LogsQuery } },
    async (req, reply) => {
      const sinceMs = req.query.since === undefined ? null : parseSince(req.query.since, Date.now());
      const follow = isYes(req.query.follow);
      const tail =
        req.query.tail !== undefined
          ? Number(req.query.tail)
          : follow
            ? DEFAULTS.logsFollowTailLines
            : DEFAULTS.logsTailLines;
      if (!follow) return { entries: await ctx.tailLogs(req.params.name, tail, sinceMs) };
      const lines: LogEntry[] = [];
      const chunks: Array<{ name: string; text: string }> = [];
      let raw: ServerResponse | null = null;
      // nothing is written before the tail is read: a 404 still answers as one
      const stop = await ctx.followLogs(
        req.params.name,
        { lines: tail, sinceMs },
        (e) => lines.push(e),
        (name, text) => (raw ? sendEvent(raw, 'chunk', { name, text }) : chunks.push({ name, text })),
      );
      raw = startStream(req, reply);
      for (const e of lines) sendEvent(raw, 'line', e);
      for (const c of chunks) sendEvent(raw, 'chunk', c);
      req.raw.on('close', stop);
    },
  );

  app.get<{ Querystring: EventsQuery }>(
    '/v1/events',
    { schema: { querystring: EventsQuery } },
    async (req, reply) => {
      const sinceMs = req.query.since === undefined ? null : parseSince(req.query.since, Date.now());
      const past = ctx.events(sinceMs);
      if (!isYes(req.query.follow)) return past;
      const raw = startStream(req, reply);
      for (const e of past) sendEvent(raw, 'event', e);
      const off = ctx.onEvent((e) => sendEvent(raw, 'event', e));
      req.raw.on('close', off);
    },
  );

  app.post<{ Body: ShutdownBody | undefined }>(
    '/v1/daemon/shutdown',
    { schema: { body: ShutdownBody } },
    async (req, reply) => {
      const keep = req.body?.keep_services ?? false;
      // the daemon leaves once the answer is out, or once the client has gone (`daemon stop
      // --timeout` gives up waiting): a shutdown asked for always ends the daemon
      let code: number | null = null;
      let clientGone = false;
      const leave = (): void => {
        if (code !== null) ctx.finish(keep, code);
      };
      reply.raw.once('close', () => {
        clientGone = true;
        leave();
      });
      const { stillAlive } = await ctx.stopServices(keep);
      code = stillAlive.length > 0 ? 1 : 0;
      if (clientGone) leave();
      return { stopped: stillAlive.length === 0, keep_services: keep, still_running: stillAlive };
    },
  );

  app.get('/v1/openapi.json', async () => openApiDocument(routes));

  return app;
}

function startStream(req: FastifyRequest, reply: FastifyReply): ServerResponse {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-request-id': req.id,
  });
  raw.flushHeaders();
  return raw;
}

function sendEvent(raw: ServerResponse, event: string, data: unknown): void {
  raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
