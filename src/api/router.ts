// The API's routes: a method and a path pattern (`/v1/services/:name/logs`) each, with the
// schemas its parameters, query and body are checked against. Matching splits the path into
// segments and decodes each one, so an encoded slash (`talk%2Fsay`) stays within its parameter.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Schema } from '../schema/check.js';

/** What a handler is given: the request's id, its checked parameters, query and body. */
export interface ApiRequest<P = Record<string, string>, Q = Record<string, unknown>, B = unknown> {
  id: string;
  params: P;
  query: Q;
  body: B;
  url: string;
  raw: IncomingMessage;
}

/** The schemas of a route: each part of the request it checks, and its documented answer. */
export interface RouteSchema {
  params?: Schema;
  querystring?: Schema;
  body?: Schema;
  response?: Record<number, Schema>;
}

/**
 * A route's handler: resolves to the value sent as JSON (200), or to undefined once it has
 * answered on `res` itself (a stream).
 */
// biome-ignore lint/suspicious/noExplicitAny: each route declares its own request shape
export type Handler = (req: ApiRequest<any, any, any>, res: ServerResponse) => Promise<unknown>;

export interface Route {
  method: string;
  /** the pattern, `:name` for a parameter */
  url: string;
  schema: RouteSchema;
  handler: Handler;
  segments: string[];
}

export class Router {
  readonly routes: Route[] = [];

  /** Adds a route. */
  add(method: string, url: string, schema: RouteSchema, handler: Handler): void {
    this.routes.push({ method, url, schema, handler, segments: url.split('/') });
  }

  /** The route for a method and path, with its parameters decoded; null when none matches. */
  match(method: string, pathname: string): { route: Route; params: Record<string, string> } | null {
    const parts = pathname.split('/');
    // HEAD is answered as GET, without the body
    const wanted = method === 'HEAD' ? 'GET' : method;
    for (const route of this.routes) {
      if (route.method !== wanted || route.segments.length !== parts.length) continue;
      const params = matchSegments(route.segments, parts);
      if (params) return { route, params };
    }
    return null;
  }
}

// The parameters when every segment matches; null otherwise (or when one cannot be decoded).
function matchSegments(pattern: string[], parts: string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i += 1) {
    if (pattern[i].startsWith(':')) {
      try {
        params[pattern[i].slice(1)] = decodeURIComponent(parts[i]);
      } catch {
        return null;
      }
    } else if (pattern[i] !== parts[i]) return null;
  }
  return params;
}
