// Who is using the console. The console has no password form of its own: signing in is an
// authorization request of the console client, answered by Foyer's sign-in page, and the
// console then trusts the provider's session, read on every request (so ending sessions or
// blocking takes effect at once).
import { createHash, randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { User } from '../db/entities/user.entity.js';
import type { UserService } from '../directory/user.service.js';
import { renderPage } from '../http/render.js';
import type { Views } from '../http/views.js';
import { CONSOLE_CLIENT_ID } from './console-client.js';

const FLOW_COOKIE = 'foyer.console';
const STAFF = new Set(['ADMIN', 'MANAGER']);

export interface AdminAuthDeps {
  provider: Provider;
  users: UserService;
  views: Views;
  issuer: string;
  secureCookies: boolean;
}

/** Only same-site console paths may be returned to after signing in. */
function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/admin(?:[/?][^\s\\]*)?$/.test(value) ? value : '/admin';
}

export function createAdminAuth(deps: AdminAuthDeps) {
  const { provider, users, views, issuer } = deps;

  /** The signed-in, active user of this browser's provider session, if any. */
  async function sessionUser(ctx: Context): Promise<User | undefined> {
    const session = await provider.Session.get(ctx as never);
    return session.accountId ? users.findActive(session.accountId) : undefined;
  }

  /** Staff only: others are sent to sign in, or shown that they have no access. */
  const requireStaff: Middleware = async function requireStaff(ctx, next) {
    ctx.set('Cache-Control', 'no-store');
    const user = await sessionUser(ctx);
    if (!user) return ctx.redirect(`/admin/login?next=${encodeURIComponent(ctx.originalUrl)}`);
    if (!STAFF.has(user.role)) return renderPage(ctx, views, 'admin/no-access.njk', { user }, 403);
    ctx.state.admin = user;
    await next();
  };

  const routes = new Router({ prefix: '/admin' });
  routes.get('/login', async function startConsoleSignIn(ctx) {
    const state = randomBytes(16).toString('base64url');
    // The console reads the provider session instead of redeeming the code, but PKCE is
    // still required of a public client, so the request carries a challenge.
    const challenge = createHash('sha256').update(randomBytes(32)).digest('base64url');
    ctx.cookies.set(FLOW_COOKIE, JSON.stringify({ state, next: safeNext(ctx.query.next) }), {
      httpOnly: true, sameSite: 'lax', secure: deps.secureCookies, signed: true, path: '/admin', maxAge: 15 * 60 * 1000,
    });
    const params = new URLSearchParams({
      client_id: CONSOLE_CLIENT_ID, response_type: 'code', scope: 'openid', redirect_uri: `${issuer}/admin/callback`,
      state, code_challenge: challenge, code_challenge_method: 'S256',
    });
    ctx.redirect(`/auth?${params}`);
  });

  routes.get('/callback', async function finishConsoleSignIn(ctx) {
    let flow: { state?: string; next?: string } = {};
    try {
      flow = JSON.parse(ctx.cookies.get(FLOW_COOKIE, { signed: true }) ?? '{}');
    } catch {
      // a damaged cookie is treated like a missing one
    }
    ctx.cookies.set(FLOW_COOKIE, null, { path: '/admin' });
    if (!flow.state || flow.state !== ctx.query.state) return ctx.redirect('/admin/login');
    if (ctx.query.error) {
      return renderPage(ctx, views, 'admin/signed-out.njk', { message: 'Signing in to the console was cancelled.' }, 400);
    }
    ctx.redirect(safeNext(flow.next));
  });

  routes.get('/signed-out', function consoleSignedOut(ctx) {
    renderPage(ctx, views, 'admin/signed-out.njk', { message: 'You have signed out of the console.' });
  });

  return { requireStaff, routes };
}
