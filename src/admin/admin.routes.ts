// The console's pages. Every route here is behind requireStaff.
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { renderPage } from '../http/render.js';
import type { Views } from '../http/views.js';
import { CONSOLE_CLIENT_ID } from './console-client.js';

export function adminRoutes({ views, requireStaff, issuer }: { views: Views; requireStaff: Middleware; issuer: string }): Router {
  const router = new Router({ prefix: '/admin' });
  router.use(requireStaff);
  router.get('/', function adminHome(ctx) {
    const signOut = `/session/end?${new URLSearchParams({ client_id: CONSOLE_CLIENT_ID, post_logout_redirect_uri: `${issuer}/admin/signed-out` })}`;
    renderPage(ctx, views, 'admin/home.njk', { admin: ctx.state.admin, signOut });
  });
  return router;
}
