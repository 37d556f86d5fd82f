// The OpenAPI 3.1 document of the API, built from the routes' own schemas. Loaded only when
// GET /v1/openapi.json asks for it.
import type { Route } from './router.js';

type Schemas = Record<string, unknown>;

/** The document for GET /v1/openapi.json. */
export function openApiDocument(routes: readonly Route[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const r = { url: route.url, method: route.method, schema: route.schema as Schemas };
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
