// Control characters never reach the provider's storage. PostgreSQL refuses NUL in text and
// `\u0000` in jsonb, and the adapter's reads and writes are batched across requests, so one
// `state=%00` would fail other people's sign-ins in the same batch. OAuth parameters are
// single-line text (RFC 6749 appendix A: printable ASCII for most), so a control character
// is an invalid_request, answered before the provider runs.
//
// Cost on the token path: the query string the provider parses anyway (Koa memoizes it) is
// scanned; back-channel bodies (/token, introspection, revocation) are not read here — codes
// and tokens are looked up by their hash (adapter.ts), and the one value that reaches a text
// column as sent, the client id (also from a client assertion), is checked at the client
// lookup (guardClientLookup). Bodies of the front-channel endpoints that store what
// they are sent (authorization, pushed authorization requests, logout) are read here, with
// the provider's own size limit, and handed to the provider as its documented already-read
// body (`ctx.req.body`).
import * as querystring from 'node:querystring';
import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import { hasControlCharacters } from '../platform/http/input.js';
import type { Views } from '../platform/views.js';

/** The provider's own limit for a form body (lib/shared/selective_body.js). */
const BODY_LIMIT = 56 * 1024;

/** Parameters whose value is JSON, where JSON whitespace (tab, newline) is allowed. */
const MULTI_LINE = new Set(['claims', 'authorization_details']);

/** Endpoints a browser is sent to: their errors are a page (the redirect_uri is not verified yet). */
const FRONT_CHANNEL = ['authorization', 'end_session', 'end_session_confirm', 'end_session_success'];
/**
 * Endpoints whose form body goes into a stored payload as is (a pushed request becomes the
 * interaction's params; a POSTed logout request the session's logout state). The logout
 * confirmation only compares its two fields. Reading these bodies here makes the provider
 * print, once per process, that it was handed an already read body.
 */
const STORED_BODIES = ['authorization', 'pushed_authorization_request', 'end_session'];
const ALL_ROUTES = [...FRONT_CHANNEL, 'pushed_authorization_request', 'token', 'introspection', 'revocation',
  'userinfo', 'jwks', 'discovery',
  'registration', 'code_verification', 'device_authorization', 'backchannel_authentication', 'challenge', 'credential'];

function pathsFor(provider: Provider, names: string[]): Set<string> {
  const paths = new Set<string>();
  for (const name of names) {
    try {
      paths.add(provider.pathFor(name));
    } catch {
      // a feature that is not enabled has no route
    }
  }
  return paths;
}

/** The name of the first parameter holding a control character, if any. */
function badParameter(params: Record<string, unknown>): string | undefined {
  for (const [name, value] of Object.entries(params)) {
    const values = Array.isArray(value) ? value : [value];
    if (hasControlCharacters(name)
      || values.some((v) => typeof v === 'string' && hasControlCharacters(v, MULTI_LINE.has(name)))) return name;
  }
  return undefined;
}

async function readBody(ctx: Context): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let received = 0;
  try {
    for await (const chunk of ctx.req) {
      received += (chunk as Buffer).length;
      if (received > BODY_LIMIT) break;
      chunks.push(chunk as Buffer);
    }
  } catch {
    ctx.throw(400, 'The request body could not be read');
  }
  if (received > BODY_LIMIT) ctx.throw(413, 'The request body is too large');
  return Buffer.concat(chunks, received);
}

export function providerInputGuard({ provider, views }: { provider: Provider; views: Views }): Middleware {
  const routes = pathsFor(provider, ALL_ROUTES);
  const frontChannel = pathsFor(provider, FRONT_CHANNEL);
  const storedBodies = pathsFor(provider, STORED_BODIES);

  function refuse(ctx: Context, name: string) {
    const description = `The ${name.slice(0, 40).replace(/[^\x20-\x7E]/g, '?')} parameter must not contain control `
      + `characters.`;
    ctx.status = 400;
    ctx.set('Cache-Control', 'no-store');
    if (frontChannel.has(ctx.path)) {
      ctx.type = 'html';
      ctx.body = views.render('errors/oidc-error.njk', { error: 'invalid_request', description });
    } else {
      ctx.body = { error: 'invalid_request', error_description: description };
    }
  }

  return async function providerInputGuardMiddleware(ctx, next) {
    if (!routes.has(ctx.path) && !routes.has(ctx.path.slice(0, ctx.path.lastIndexOf('/')))) return next();
    const inQuery = badParameter(ctx.query);
    if (inQuery) return refuse(ctx, inQuery);
    if (ctx.method === 'POST' && storedBodies.has(ctx.path) && ctx.is('application/x-www-form-urlencoded')) {
      const raw = await readBody(ctx);
      const inBody = badParameter(querystring.parse(raw.toString('utf8')));
      if (inBody) return refuse(ctx, inBody);
      // The stream is read: the provider takes the body from here instead.
      (ctx.req as unknown as { body: string }).body = raw.toString('utf8');
    }
    return next();
  };
}

/** A client id with a control character names no client: refused before any query runs. */
export function guardClientLookup<T>(findClient: (clientId: string) => Promise<T
  | undefined>): (clientId: string) => Promise<T | undefined> {
  return async function guardedClientLookup(clientId) {
    if (typeof clientId !== 'string' || hasControlCharacters(clientId)) {
      throw new errors.InvalidRequest('client_id must not contain control characters');
    }
    return findClient(clientId);
  };
}
