// /scim/v2 (RFC 7644): discovery, Users and Groups, authenticated by a user's API key with
// that user's permissions (Administrator: everything; Manager: their organization). Errors are
// SCIM error bodies; every response is application/scim+json.
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
import { applyPatch } from '../provisioning/scim/scim-patch.js';
import { resourceTypes, schemas, serviceProviderConfig } from './scim-discovery.js';
import { LIST_SCHEMA, SCIM_CONTENT_TYPE } from '../provisioning/scim/scim-schemas.js';
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

/** What the routes need of Users and of Groups. */
interface ScimResources<T> {
  list(query: ListQuery, scope: ScimCaller['scope']): Promise<{ total: number; resources: T[] }>;
  find(id: string, scope: ScimCaller['scope']): Promise<T>;
  represent(resource: T): Promise<Record<string, unknown>>;
  create(body: Record<string, unknown>, caller: ScimCaller): Promise<T>;
  replace(id: string, body: Record<string, unknown>, caller: ScimCaller): Promise<T>;
  savePatched(existing: T, patched: Record<string, unknown>, caller: ScimCaller): Promise<T>;
  delete(id: string, caller: ScimCaller): Promise<void>;
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
  router.use(parseBodies({
    types: ['json'], jsonTypes: [SCIM_CONTENT_TYPE], limit: '1mb',
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
  const listQuery = (ctx: Context) => parseListQuery(ctx.query);

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

  /** The same six operations for each resource type: list, read, create, replace, patch, delete. */
  function resourceRoutes<T>(path: string, resources: ScimResources<T>) {
    router.get(path, async function listResources(ctx) {
      const query = listQuery(ctx);
      const { total, resources: found } = await resources.list(query, caller(ctx).scope);
      const listed = await Promise.all(found.map(async (r) => project(await resources.represent(r), projection(ctx))));
      ctx.body = { schemas: [LIST_SCHEMA], totalResults: total, startIndex: query.startIndex,
        itemsPerPage: listed.length, Resources: listed };
    });

    router.get(`${path}/:id`, async function getResource(ctx) {
      ctx.body = project(await resources.represent(await resources.find(ctx.params.id, caller(ctx).scope)),
        projection(ctx));
    });

    router.post(path, async function createResource(ctx) {
      const representation = await resources.represent(await resources.create(body(ctx), caller(ctx)));
      ctx.status = 201;
      ctx.set('Location', String((representation.meta as { location: string }).location));
      ctx.body = project(representation, projection(ctx));
    });

    router.put(`${path}/:id`, async function replaceResource(ctx) {
      ctx.body = project(await resources.represent(await resources.replace(ctx.params.id, body(ctx), caller(ctx))),
        projection(ctx));
    });

    router.patch(`${path}/:id`, async function patchResource(ctx) {
      const existing = await resources.find(ctx.params.id, caller(ctx).scope);
      const patched = applyPatch(await resources.represent(existing), body(ctx));
      ctx.body = project(await resources.represent(await resources.savePatched(existing, patched, caller(ctx))),
        projection(ctx));
    });

    router.delete(`${path}/:id`, async function deleteResource(ctx) {
      await resources.delete(ctx.params.id, caller(ctx));
      ctx.status = 204;
      ctx.body = null;
    });
  }

  resourceRoutes('/Users', users);
  resourceRoutes('/Groups', groups);

  return router;
}
