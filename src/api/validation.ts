// Checks of API input beyond its JSON schema, and the one way validation failures are worded:
// `body.field: what is wrong`, so a 400 always names the field.

import { isAbsolute } from 'node:path';
import { CorralError } from '../errors.js';
import { checkSchema, type SchemaError } from '../schema/check.js';
import type { RouteSchema } from './router.js';
import type { ApplyBody } from './schemas.js';

/** A request that its route's schemas refuse: the failures of the first part that fails. */
export class ValidationError extends Error {
  constructor(
    readonly validationContext: 'params' | 'body' | 'querystring',
    readonly validation: SchemaError[],
  ) {
    super(`${validationContext}: invalid`);
  }
}

/** Checks params, then body, then query against the route's schemas (never coerced). */
export function validateRequest(
  schema: RouteSchema,
  parts: { params: unknown; body: unknown; querystring: unknown },
): void {
  for (const context of ['params', 'body', 'querystring'] as const) {
    const s = schema[context];
    if (s === undefined) continue;
    const failures = checkSchema(s, parts[context]);
    if (failures.length > 0) throw new ValidationError(context, failures);
  }
}

/** A POST /v1/projects body that its schema cannot judge alone: one source, absolute paths. */
export function checkApplyBody(body: ApplyBody): void {
  if ((body.path === undefined) === (body.config === undefined)) {
    throw badRequest('body', 'expected exactly one of "path" or "config"');
  }
  if (body.path !== undefined && !isAbsolute(body.path)) {
    throw badRequest('body.path', `expected an absolute path, got "${body.path}"`);
  }
  if (body.config !== undefined && body.dir === undefined) {
    throw badRequest('body.dir', 'required with "config": the directory relative paths resolve against');
  }
  for (const field of ['dir', 'file'] as const) {
    const value = body[field];
    if (value !== undefined && !isAbsolute(value)) {
      throw badRequest(`body.${field}`, `expected an absolute path, got "${value}"`);
    }
  }
  if (body.path !== undefined) {
    for (const field of ['dir', 'file', 'format'] as const) {
      if (body[field] !== undefined) throw badRequest(`body.${field}`, 'only allowed with "config"');
    }
  }
}

/** One message for every schema violation of a request, each naming its field. */
export function describeValidation(err: ValidationError): string {
  return err.validation
    .map((v) => {
      const where = `${err.validationContext}${v.instancePath.replace(/\//g, '.')}`;
      const params = v.params;
      if (v.keyword === 'additionalProperties')
        return `${where}: unknown field "${String(params.additionalProperty)}"`;
      if (v.keyword === 'required') return `${where}: missing field "${String(params.missingProperty)}"`;
      if (v.keyword === 'pattern' && params.pattern === WHOLE_NUMBER)
        return `${where}: expected a whole number`;
      return `${where}: ${String(v.message)}`;
    })
    .join('; ');
}

/** The pattern of a whole number in a query string (query values are strings, never coerced). */
export const WHOLE_NUMBER = '^[0-9]+$';

function badRequest(field: string, message: string): CorralError {
  return new CorralError('BAD_REQUEST', `${field}: ${message}`, { field });
}
