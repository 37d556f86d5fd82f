// The HTTP API (SPEC §6): fastify routes over the daemon's context, one error shape for all.
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { constants as osConstants } from 'node:os';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import type { CorralEvent } from '../engine/states.js';
import type { ApplyResult as ApplyResultT, Supervisor } from '../engine/supervisor.js';
import { CorralError, isCorralError } from '../errors.js';
import type { EventJournal } from '../state/journal.js';
import { collectRoutes, openApiDocument } from './openapi.js';
import {
  ApplyBody,
  ApplyResult,
  ErrorBody,
  EventsQuery,
  Health,
  LogsQuery,
  NameParams,
  type ProcessStatus,
  ProjectParams,
  ShutdownBody,
  SignalBody,
} from './schemas.js';
import { parseSince } from './since.js';

/** What the API needs from the daemon. */
export interface ApiContext {
  supervisor: Supervisor;
  journal: EventJournal;
  health(): Health;
  statuses(): ProcessStatus[];
  apply(body: ApplyBody): Promise<ApplyResultT>;
  removeProject(name: string): Promise<void>;
  /** resolves once the services are stopped (or at once when kept) */
  stopServices(keepServices: boolean): Promise<boolean>;
  /** closes the daemon and exits; called once the shutdown answer is sent */
  finish(keepServices: boolean): void;
  tailLogs(
    names: string,
    lines: number,
    sinceMs: number | null,
  ): Promise<Array<{ name: string; line: string }>>;
  followLogs(names: string, onChunk: (name: string, text: string) => void): () => void;
  logger: Logger;
}

const following = (v: string | undefined): boolean => v === '1' || v === 'true';

/** Builds the fastify app; the caller listens (on the unix socket, or inject() in tests). */
export function buildApi(ctx: ApiContext): FastifyInstance {
  const app = Fastify({
    // requests are not logged one by one; errors are
    loggerInstance: ctx.logger.child(
      { component: 'api' },
      { level: ctx.logger.levelVal > 40 ? ctx.logger.level : 'warn' },
    ) as FastifyBaseLogger,
    requestIdHeader: 'x-request-id',
    forceCloseConnections: true,
    genReqId: () => randomUUID(),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: true } },
  });

  const routes = collectRoutes(app);

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

  app.get<{ Params: NameParams }>('/v1/services/:name', { schema: { params: NameParams } }, async (req) => {
    const names = new Set(ctx.supervisor.resolve(req.params.name).map((i) => i.name));
    return ctx.statuses().filter((s) => names.has(s.name));
  });

  app.get('/v1/projects', async () => [...ctx.supervisor.projects.values()].map((p) => p.spec));

  app.post<{ Body: ApplyBody }>(
    '/v1/projects',
    { schema: { body: ApplyBody, response: { 200: ApplyResult, ...errors } } },
    async (req) => {
      if ((req.body.path === undefined) === (req.body.config === undefined)) {
        throw new CorralError('BAD_REQUEST', 'body: expected exactly one of "path" or "config"');
      }
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
    app.post<{ Params: NameParams }>(
      `/v1/services/:name/${action}`,
      { schema: { params: NameParams } },
      async (req) => {
        const instances = ctx.supervisor.resolve(req.params.name);
        if (action === 'start') ctx.supervisor.start(instances);
        else if (action === 'stop') await ctx.supervisor.stop(instances);
        else await ctx.supervisor.restart(instances);
        const names = new Set(instances.map((i) => i.name));
        return ctx.statuses().filter((s) => names.has(s.name));
      },
    );
  }

  app.post<{ Params: NameParams; Body: SignalBody }>(
    '/v1/services/:name/signal',
    { schema: { params: NameParams, body: SignalBody } },
    async (req) => {
      const signal = normalizeSignal(req.body.signal);
      const instances = ctx.supervisor.resolve(req.params.name);
      const sent = instances.filter((i) => i.signal(signal)).map((i) => i.name);
      if (sent.length === 0) {
        throw new CorralError('NOT_RUNNING', `${req.params.name} has no running process to signal`);
      }
      return { signal, sent };
    },
  );

  app.get<{ Params: NameParams; Querystring: LogsQuery }>(
    '/v1/services/:name/logs',
    { schema: { params: NameParams, querystring: LogsQuery } },
    async (req, reply) => {
      ctx.supervisor.resolve(req.params.name); // 404 before anything streams
      const sinceMs = req.query.since === undefined ? null : parseSince(req.query.since, Date.now());
      const tail = req.query.tail ?? (following(req.query.follow) ? 10 : 100);
      const entries = await ctx.tailLogs(req.params.name, tail, sinceMs);
      if (!following(req.query.follow)) return { entries };
      const raw = startStream(req, reply);
      for (const e of entries) sendEvent(raw, 'line', e);
      const stop = ctx.followLogs(req.params.name, (name, text) => sendEvent(raw, 'chunk', { name, text }));
      req.raw.on('close', stop);
    },
  );

  app.get<{ Querystring: EventsQuery }>(
    '/v1/events',
    { schema: { querystring: EventsQuery } },
    async (req, reply) => {
      const sinceMs = req.query.since === undefined ? null : parseSince(req.query.since, Date.now());
      const past = ctx.journal.read(sinceMs);
      if (!following(req.query.follow)) return past;
      const raw = startStream(req, reply);
      for (const e of past) sendEvent(raw, 'event', e);
      const onEvent = (e: CorralEvent): void => sendEvent(raw, 'event', e);
      ctx.journal.on('event', onEvent);
      req.raw.on('close', () => ctx.journal.off('event', onEvent));
    },
  );

  app.post<{ Body: ShutdownBody | undefined }>(
    '/v1/daemon/shutdown',
    { schema: { body: ShutdownBody } },
    async (req, reply) => {
      const keep = req.body?.keep_services ?? false;
      await ctx.stopServices(keep);
      reply.raw.once('finish', () => ctx.finish(keep));
      return { stopped: true, keep_services: keep };
    },
  );

  app.get('/v1/openapi.json', async () => openApiDocument(routes));

  return app;
}

function normalizeSignal(text: string): NodeJS.Signals {
  const upper = text.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  const numeric = /^\d+$/.test(text) ? Number(text) : null;
  const signals = osConstants.signals as unknown as Record<string, number>;
  if (numeric !== null) {
    const found = Object.entries(signals).find(([, n]) => n === numeric);
    if (found) return found[0] as NodeJS.Signals;
  } else if (name in signals) {
    return name as NodeJS.Signals;
  }
  throw new CorralError(
    'BAD_SIGNAL',
    `body.signal: expected a signal name like SIGTERM, SIGHUP or KILL, got "${text}"`,
  );
}

function describeValidation(err: {
  validation?: unknown;
  validationContext?: string;
  message: string;
}): string {
  const list = Array.isArray(err.validation) ? (err.validation as Array<Record<string, unknown>>) : [];
  if (list.length === 0) return err.message;
  return list
    .map((v) => {
      const where = `${err.validationContext ?? 'body'}${String(v.instancePath ?? '').replace(/\//g, '.')}`;
      const params = (v.params ?? {}) as Record<string, unknown>;
      if (v.keyword === 'additionalProperties')
        return `${where}: unknown field "${String(params.additionalProperty)}"`;
      if (v.keyword === 'required') return `${where}: missing field "${String(params.missingProperty)}"`;
      return `${where}: ${String(v.message)}`;
    })
    .join('; ');
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
