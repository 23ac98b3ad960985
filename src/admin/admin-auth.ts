// Who is using the console: signed in through Foyer's own sign-in page as the first-party
// console client (src/oidc/first-party-sign-in.ts). Staff get the console; a Member who owns
// or administers applications gets the Applications section only (ctx.state.appsOnly);
// everyone else sees "no access".
import compose from 'koa-compose';
import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { UserService } from '../users/user.service.js';
import { isStaff } from '../users/user.policy.js';
import { firstPartySignIn } from '../oidc/first-party-sign-in.js';
import { renderPage } from '../platform/render.js';
import type { Views } from '../platform/views.js';
import { CONSOLE_CLIENT_ID } from '../oidc/console-client.js';

export interface AdminAuthDeps {
  provider: Provider;
  users: UserService;
  views: Views;
  issuer: string;
  secureCookies: boolean;
  /** Whether this user owns or administers any application. */
  looksAfterApplications: (userId: string) => Promise<boolean>;
}

export function createAdminAuth(deps: AdminAuthDeps) {
  const signIn = firstPartySignIn({ ...deps, prefix: '/admin', clientId: CONSOLE_CLIENT_ID,
    signedOutTemplate: 'admin/signed-out.njk',
    messages: { signedOut: 'You have signed out of the console.',
      cancelled: 'Signing in to the console was cancelled.' },
  });

  const staffOnly: Middleware = async function staffOnly(ctx, next) {
    const staff = isStaff(ctx.state.user.role);
    if (!staff && !(await deps.looksAfterApplications(ctx.state.user.id))) {
      return renderPage(ctx, deps.views, 'admin/no-access.njk', { user: ctx.state.user }, 403);
    }
    ctx.state.admin = ctx.state.user;
    ctx.state.appsOnly = !staff;
    await next();
  };

  /** Staff and application owners/administrators: others are sent to sign in, or shown that they have no access. */
  const requireStaff = compose([signIn.requireSignedIn, staffOnly]) as Middleware;
  return { requireStaff, routes: signIn.routes, signOutUrl: signIn.signOutUrl };
}
