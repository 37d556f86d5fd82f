// The OpenAPI 3.1 document of the API, built from the routes' own schemas.
import type { FastifyInstance } from 'fastify';

export interface RouteInfo {
  method: string;
  url: string;
  schema?: Record<string, unknown>;
}

/** Collects routes as they are added; call before the routes are declared. */
export function collectRoutes(app: FastifyInstance): RouteInfo[] {
  const routes: RouteInfo[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      routes.push({ method, url: route.url, schema: route.schema as Record<string, unknown> | undefined });
    }
  });
  return routes;
}

/** The document for GET /v1/openapi.json. */
export function openApiDocument(routes: readonly RouteInfo[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.url.replace(/:([A-Za-z_]+)/g, '{$1}');
    const op: Record<string, unknown> = { responses: { default: { description: 'see docs/api.md' } } };
    const params =
      (r.schema?.params as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
    const query =
      (r.schema?.querystring as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
    op.parameters = [
      ...Object.entries(params).map(([name, schema]) => ({ name, in: 'path', required: true, schema })),
      ...Object.entries(query).map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
    ];
    if (r.schema?.body) op.requestBody = { content: { 'application/json': { schema: r.schema.body } } };
    const ok = (r.schema?.response as Record<string, unknown> | undefined)?.['200'];
    if (ok) op.responses = { 200: { description: 'OK', content: { 'application/json': { schema: ok } } } };
    paths[path] = { ...(paths[path] ?? {}), [r.method.toLowerCase()]: op };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'corral', version: '1' },
    paths,
  };
}
