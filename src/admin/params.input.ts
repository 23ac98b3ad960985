// The console's path parameters, parsed by the type of the column they name before any
// handler runs: users, groups, jobs, messages and API keys are bigserial, organizations
// serial, applications text ids without control characters, custom fields a key. An id that
// cannot exist is the thing not being found (404), never a database error.
import type { Middleware } from 'koa';
import type { RouterParameterMiddleware } from '@koa/router';
import { z } from 'zod';
import { bigserialId, parseId, serialId } from '../platform/http/input.js';

/** Client ids are random base64url; ones made elsewhere (CLI, seeds) are printable ASCII too. */
export const clientIdParam = z.string().regex(/^[\x21-\x7E]{1,200}$/);
/** As parseDefinition accepts a custom field's key. */
export const customFieldKeyParam = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/);

/** For `router.param(name, ...)`: refuses the value with a 404 unless it parses. */
export function idParam(schema: z.ZodType, what: string): RouterParameterMiddleware {
  return function parseIdParam(value, _ctx, next) {
    parseId(schema, value, what);
    return next();
  };
}

/** For one route in a router whose `:id` names different things: parses the path params with `shape`. */
function pathParams(shape: Record<string, z.ZodType>, what: string): Middleware {
  const schema = z.object(shape);
  return function parsePathParams(ctx, next) {
    parseId(schema, ctx.params, what);
    return next();
  };
}

export const userIdParam = idParam(bigserialId, 'User');
export const userPath = pathParams({ id: bigserialId }, 'User');
export const groupPath = pathParams({ id: bigserialId }, 'Group');
export const applicationPath = pathParams({ id: clientIdParam }, 'Application');
export const organizationIdParam = idParam(serialId, 'Organization');
