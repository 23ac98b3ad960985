// Signing in to Foyer's own pages (the admin console, the user's account pages). They have
// no password form of their own: signing in is an authorization request of a first-party
// client, answered by Foyer's sign-in page, and the pages then trust the provider's session,
// read on every request (so ending sessions or blocking takes effect at once).
import { createHash, randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { ClientMetadata } from 'oidc-provider';
import type { User } from '../db/entities/user.entity.js';
import type { UserService } from '../users/user.service.js';
import { renderPage } from '../platform/render.js';
import type { Views } from '../platform/views.js';
import { hasControlCharacters } from '../platform/http/input.js';

export interface FirstPartySignInDeps {
  provider: Provider;
  users: UserService;
  views: Views;
  issuer: string;
  secureCookies: boolean;
  /** Where the pages live, e.g. '/admin'; login, callback and signed-out sit under it. */
  prefix: string;
  clientId: string;
  /** The page shown after signing out or cancelling (gets `message`), and its two messages. */
  signedOutTemplate: string;
  messages: { signedOut: string; cancelled: string };
}

/** The first-party client's metadata: public, code flow, redirects under the prefix. */
export function firstPartyClient(issuer: string, clientId: string, name: string, prefix: string): ClientMetadata {
  return {
    client_id: clientId,
    client_name: name,
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [`${issuer}${prefix}/callback`],
    post_logout_redirect_uris: [`${issuer}${prefix}/signed-out`],
  };
}

export function firstPartySignIn(deps: FirstPartySignInDeps) {
  const { provider, users, views, issuer, prefix, clientId } = deps;
  const flowCookie = `foyer.${prefix.replace(/\W/g, '')}`;
  // Only same-site paths under the prefix may be returned to after signing in.
  const safeNextPattern = new RegExp(`^${prefix}(?:[/?][^\\s\\\\]*)?$`);
  const safeNext = (value: unknown) => (typeof value === 'string' && value.length <= 2000
    && !hasControlCharacters(value) && safeNextPattern.test(value) ? value : prefix);

  /** The signed-in, active user of this browser's provider session, if any. */
  async function sessionUser(ctx: Context): Promise<User | undefined> {
    const session = await provider.Session.get(ctx as never);
    return session.accountId ? users.findActive(session.accountId) : undefined;
  }

  /** Puts the user in ctx.state.user, or sends the browser to sign in. */
  const requireSignedIn: Middleware = async function requireSignedIn(ctx, next) {
    ctx.set('Cache-Control', 'no-store');
    const user = await sessionUser(ctx);
    if (!user) return ctx.redirect(`${prefix}/login?next=${encodeURIComponent(ctx.originalUrl)}`);
    ctx.state.user = user;
    await next();
  };

  const routes = new Router({ prefix });
  routes.get('/login', async function startFirstPartySignIn(ctx) {
    const state = randomBytes(16).toString('base64url');
    // The pages read the provider session instead of redeeming the code, but PKCE is still
    // required of a public client, so the request carries a challenge.
    const challenge = createHash('sha256').update(randomBytes(32)).digest('base64url');
    ctx.cookies.set(flowCookie, JSON.stringify({ state, next: safeNext(ctx.query.next) }), {
      httpOnly: true, sameSite: 'lax', secure: deps.secureCookies, signed: true, path: prefix, maxAge: 15 * 60 * 1000,
    });
    const params = new URLSearchParams({
      client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: `${issuer}${prefix}/callback`,
      state, code_challenge: challenge, code_challenge_method: 'S256',
    });
    if (typeof ctx.query.prompt === 'string' && ctx.query.prompt === 'login') params.set('prompt', 'login');
    ctx.redirect(`/auth?${params}`);
  });

  routes.get('/callback', async function finishFirstPartySignIn(ctx) {
    let flow: { state?: string; next?: string } = {};
    try {
      flow = JSON.parse(ctx.cookies.get(flowCookie, { signed: true }) ?? '{}');
    } catch {
      // a damaged cookie is treated like a missing one
    }
    ctx.cookies.set(flowCookie, null, { path: prefix });
    if (!flow.state || flow.state !== ctx.query.state) return ctx.redirect(`${prefix}/login`);
    if (ctx.query.error) {
      return renderPage(ctx, views, deps.signedOutTemplate, { message: deps.messages.cancelled }, 400);
    }
    ctx.redirect(safeNext(flow.next));
  });

  routes.get('/signed-out', function firstPartySignedOut(ctx) {
    renderPage(ctx, views, deps.signedOutTemplate, { message: deps.messages.signedOut });
  });

  const signOutParams = new URLSearchParams({
    client_id: clientId, post_logout_redirect_uri: `${issuer}${prefix}/signed-out`,
  });
  const signOutUrl = `/session/end?${signOutParams}`;
  return { requireSignedIn, routes, sessionUser, signOutUrl };
}
