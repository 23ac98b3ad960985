// /scim/v2 (RFC 7644): discovery, Users and Groups, authenticated by a user's API key with
// that user's permissions (Administrator: everything; Manager: their organization). Every
// response under /scim/v2, unknown paths and errors included, is application/scim+json with a
// SCIM body; bodies are read as application/scim+json or application/json, others are 415.
// Resources carry their version (ETag, meta.version): If-Match guards writes, If-None-Match reads.
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { DomainError, ValidationError } from '../platform/errors.js';
import { parseBodies } from '../platform/http/body-parsing.js';
import { scopeOf } from '../platform/access.js';
import { actorOf, isStaff } from '../users/user.policy.js';
import { invalidValue, ScimError } from '../provisioning/scim/scim-error.js';
import { RETRY_AFTER_SECONDS } from '../db/database-outage.js';
import { reportOutage } from '../platform/http/database-unavailable.js';
import { retryText } from '../security/rate-limits.js';
import { checkBodyText, parseListQuery, parseProjection, type ListQuery } from './scim-input.js';
import { resourceTypes, schemas, serviceProviderConfig } from './scim-discovery.js';
import { LIST_SCHEMA, SCIM_CONTENT_TYPE } from '../provisioning/scim/scim-schemas.js';
import { namesVersion, versionOf } from '../provisioning/scim/scim-version.js';
import type { ScimCaller, ScimUsers } from '../provisioning/scim/scim-users.service.js';
import type { ScimGroups } from '../provisioning/scim/scim-groups.service.js';
import { project } from '../provisioning/scim/scim-projection.js';
import { safeError } from '../platform/logger.js';
import type { ApiKeys } from '../api-keys/api-key.service.js';
import type { RateLimits } from '../security/rate-limits.js';

/** The services this section uses, and no others. */
export interface ScimRouteServices {
  apiKeys: ApiKeys;
  rateLimits: RateLimits;
}

type Json = Record<string, unknown>;

/** What the routes need of Users and of Groups: representations in, representations out. */
interface ScimResources {
  list(query: ListQuery, scope: ScimCaller['scope']): Promise<{ total: number; resources: Json[] }>;
  get(id: string, scope: ScimCaller['scope']): Promise<Json>;
  create(body: Json, caller: ScimCaller): Promise<Json>;
  replace(id: string, body: Json, caller: ScimCaller, ifMatch?: string): Promise<Json>;
  patch(id: string, body: unknown, caller: ScimCaller, ifMatch?: string): Promise<Json>;
  delete(id: string, caller: ScimCaller, ifMatch?: string): Promise<void>;
}

/** The media types a body may have; any charset parameter (type-is ignores parameters and case). */
const BODY_TYPES = ['application/json', SCIM_CONTENT_TYPE];

/** Paths that exist, with the methods each answers, for 405 rather than 404. */
const RESOURCE_PATHS: [RegExp, string[]][] = [
  [/^\/(Users|Groups)$/i, ['GET', 'POST']],
  [/^\/(Users|Groups)\/\.search$/i, ['POST']],
  [/^\/(Users|Groups)\/[^/]+$/i, ['GET', 'PUT', 'PATCH', 'DELETE']],
  [/^\/(ServiceProviderConfig|ResourceTypes|Schemas)(\/[^/]+)?$/i, ['GET']],
];

/** A SearchRequest body (RFC 7644 §3.4.3) as the query parameters of a list. */
function searchQuery(body: Json): Record<string, unknown> {
  const text = (v: unknown) => (Array.isArray(v) ? v.map(String).join(',') : v === undefined || v === null ? undefined
    : String(v));
  return { filter: text(body.filter), startIndex: text(body.startIndex), count: text(body.count),
    sortBy: text(body.sortBy), sortOrder: text(body.sortOrder), attributes: text(body.attributes),
    excludedAttributes: text(body.excludedAttributes) };
}

function scimError(status: number, detail: string, scimType?: string) {
  return { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status),
    ...(scimType ? { scimType } : {}), detail };
}

/** Body parser and Koa errors about the request itself (malformed JSON, too large). */
function isClientError(err: unknown): boolean {
  const status = (err as { status?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/** Every error as a SCIM error body, mapped once here. */
const scimErrors: Middleware = async function scimErrors(ctx, next) {
  try {
    await next();
    if (ctx.status === 404 && !ctx.body) {
      ctx.status = 404;
      ctx.body = scimError(404, 'No such endpoint');
    }
  } catch (err) {
    if (err instanceof ScimError) {
      ctx.status = err.status;
      ctx.body = err.toJSON();
    } else if (err instanceof ValidationError) {
      ctx.status = 400;
      ctx.body = scimError(400, Object.entries(err.fields).map(([f, m]) => `${f}: ${m}`).join('; '), 'invalidValue');
    } else if (err instanceof DomainError) {
      ctx.status = err.status;
      ctx.body = scimError(err.status, err.message);
    } else if (isClientError(err)) {
      ctx.status = (err as { status: number }).status;
      ctx.body = scimError(ctx.status, `The request could not be read: ${(err as Error).message}`, 'invalidSyntax');
    } else if (reportOutage(ctx, err)) {
      // The database is unreachable: 503 with Retry-After; the outage monitor logs it once.
      ctx.status = 503;
      ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
      ctx.body = scimError(503, 'The service is briefly unavailable; try again shortly');
    } else {
      (ctx.state.log ?? console).error({ err: safeError(err) }, 'SCIM request failed');
      ctx.status = 500;
      ctx.body = scimError(500, 'Something went wrong on our side');
    }
  }
  ctx.type = SCIM_CONTENT_TYPE;
  ctx.set('Cache-Control', 'no-store');
};

export function scimRoutes({ services, users, groups, issuer }: { services: ScimRouteServices; users: ScimUsers;
  groups: ScimGroups; issuer: string; }): Router {
  const base = `${issuer}/scim/v2`;
  const router = new Router({ prefix: '/scim/v2' });
  router.use(scimErrors);

  /** The API key's owner, as actor and scope; only staff may provision. */
  router.use(async function apiKeyAuth(ctx, next) {
    // Key guessing: an address with too many bad keys is refused until its window ends.
    const limit = await services.rateLimits.scimAuthPerIp.check(ctx.ip);
    if (limit.refused) {
      ctx.set('Retry-After', String(limit.retryAfterSeconds));
      throw new ScimError(429, undefined,
        `Too many requests without a valid API key from this address; try again ${retryText(limit)}`);
    }
    const header = ctx.get('authorization');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const owner = match ? await services.apiKeys.authenticate(match[1]) : undefined;
    if (!owner) {
      await services.rateLimits.scimAuthPerIp.fail(ctx.ip);
      ctx.set('WWW-Authenticate', 'Bearer realm="scim"');
      throw new ScimError(401, undefined, 'A valid API key is required: Authorization: Bearer <key>');
    }
    if (!isStaff(owner.role)) throw new ScimError(403, undefined, "This API key's owner may not manage users");
    ctx.state.scim = { actor: { ...actorOf(owner), label: `${actorOf(owner).label} (API key)` },
      scope: scopeOf(owner) } satisfies ScimCaller;
    await next();
  });
  // A body that cannot be read (bad encoding, malformed JSON, too large) is a SCIM error, never a 500.
  router.use(async function scimBodyType(ctx, next) {
    if (ctx.request.length && !ctx.is(BODY_TYPES)) {
      throw new ScimError(415, undefined, 'Send the body as application/scim+json or application/json');
    }
    await next();
  });
  router.use(parseBodies({
    types: ['json'], jsonTypes: BODY_TYPES, limit: '1mb',
    errorAs: (err) => new ScimError(err.status, err.status === 400 ? 'invalidSyntax' : undefined, err.message),
  }));

  const caller = (ctx: Context) => ctx.state.scim as ScimCaller;
  const body = (ctx: Context) => {
    const b = (ctx.request as { body?: unknown }).body;
    if (!b || typeof b !== 'object' || Array.isArray(b)) throw invalidValue('The request body must be a JSON object');
    checkBodyText(b);
    return b as Record<string, unknown>;
  };
  const projection = (ctx: Context) => parseProjection(ctx.query);

  router.get('/ServiceProviderConfig', (ctx) => { ctx.body = serviceProviderConfig(base); });
  router.get('/ResourceTypes', (ctx) => {
    const list = resourceTypes(base);
    ctx.body = { schemas: [LIST_SCHEMA], totalResults: list.length, startIndex: 1, itemsPerPage: list.length,
      Resources: list };
  });
  router.get('/ResourceTypes/:id', (ctx) => {
    const found = resourceTypes(base).find((r) => r.id === ctx.params.id);
    if (!found) throw new ScimError(404, undefined, `Resource type ${ctx.params.id} not found`);
    ctx.body = found;
  });
  router.get('/Schemas', (ctx) => {
    const list = schemas(base);
    ctx.body = { schemas: [LIST_SCHEMA], totalResults: list.length, startIndex: 1, itemsPerPage: list.length,
      Resources: list };
  });
  router.get('/Schemas/:id', (ctx) => {
    const found = schemas(base).find((s) => s.id === ctx.params.id);
    if (!found) throw new ScimError(404, undefined, `Schema ${ctx.params.id} not found`);
    ctx.body = found;
  });

  /** Answers with a resource: its version as ETag, the projection the client asked for. */
  function answer(ctx: Context, resource: Json, status = 200) {
    ctx.status = status;
    ctx.set('ETag', versionOf(resource));
    ctx.body = project(resource, projection(ctx));
  }
  const ifMatch = (ctx: Context) => ctx.get('if-match') || undefined;

  /** The same operations for each resource type: list, search, read, create, replace, patch, delete. */
  function resourceRoutes(path: string, resources: ScimResources) {
    async function list(ctx: Context, raw: Record<string, unknown>) {
      const query = parseListQuery(raw);
      const { total, resources: found } = await resources.list(query, caller(ctx).scope);
      const shown = parseProjection(raw);
      const listed = found.map((r) => project(r, shown));
      ctx.body = { schemas: [LIST_SCHEMA], totalResults: total, startIndex: query.startIndex,
        itemsPerPage: listed.length, Resources: listed };
    }

    router.get(path, async function listResources(ctx) {
      await list(ctx, ctx.query);
    });

    router.post(`${path}/.search`, async function searchResources(ctx) {
      await list(ctx, searchQuery(body(ctx)));
    });

    router.get(`${path}/:id`, async function getResource(ctx) {
      const resource = await resources.get(ctx.params.id, caller(ctx).scope);
      if (namesVersion(ctx.get('if-none-match') || undefined, versionOf(resource))) {
        ctx.status = 304;
        ctx.set('ETag', versionOf(resource));
        return;
      }
      answer(ctx, resource);
    });

    router.post(path, async function createResource(ctx) {
      const created = await resources.create(body(ctx), caller(ctx));
      ctx.set('Location', String((created.meta as { location: string }).location));
      answer(ctx, created, 201);
    });

    router.put(`${path}/:id`, async function replaceResource(ctx) {
      answer(ctx, await resources.replace(ctx.params.id, body(ctx), caller(ctx), ifMatch(ctx)));
    });

    router.patch(`${path}/:id`, async function patchResource(ctx) {
      answer(ctx, await resources.patch(ctx.params.id, body(ctx), caller(ctx), ifMatch(ctx)));
    });

    router.delete(`${path}/:id`, async function deleteResource(ctx) {
      await resources.delete(ctx.params.id, caller(ctx), ifMatch(ctx));
      ctx.status = 204;
      ctx.body = null;
    });
  }

  resourceRoutes('/Users', users);
  resourceRoutes('/Groups', groups);

  // The methods clients send; `all` would also claim CONNECT and TRACE, which Node's HTTP server answers itself.
  const everyMethod = (paths: string[], handler: Middleware) => {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) router[method](paths, handler);
  };
  everyMethod(['/Me', '/Me/{*rest}', '/Bulk', '/.search'], function notImplemented() {
    throw new ScimError(501, undefined, 'This endpoint is not supported by this server');
  });
  // Anything else under /scim/v2 is a SCIM 404 (or 405 on a path that exists), never the HTML page.
  everyMethod(['/{*rest}'], function unknownEndpoint(ctx) {
    const path = ctx.path.replace(/^\/scim\/v2/, '');
    const known = RESOURCE_PATHS.find(([pattern]) => pattern.test(path));
    if (known && !known[1].includes(ctx.method)) {
      ctx.set('Allow', known[1].join(', '));
      throw new ScimError(405, undefined, `${ctx.method} is not allowed here; use ${known[1].join(' or ')}`);
    }
    throw new ScimError(404, undefined, 'No such endpoint');
  });

  return router;
}
