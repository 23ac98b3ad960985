// /u/<login>: the public profile — only the fields the user made public; 404 for accounts
// with nothing public, blocked or deleted ones. HTML, or JSON with Accept: application/json.
import Router from '@koa/router';
import type { UserData } from '../users/user-data.service.js';
import { BUILT_IN_LABELS } from '../users/field-labels.js';
import { NotFoundError } from '../platform/errors.js';
import { parseId, text } from '../platform/http/input.js';
import { renderPage } from '../platform/render.js';
import type { Views } from '../platform/views.js';

const LOGIN = text(64);

export function publicProfileRoutes({ userData, views }: { userData: UserData; views: Views }): Router {
  const router = new Router();
  router.get('/u/:login', async function publicProfile(ctx) {
    // A login that cannot exist (control characters, too long) is a profile not found.
    const login = parseId(LOGIN, ctx.params.login, 'Profile');
    const profile = await userData.publicProfile(login);
    if (!profile) throw new NotFoundError('Profile');
    ctx.set('Cache-Control', 'no-cache');
    if (ctx.accepts('html', 'json') === 'json') {
      ctx.body = profile;
      return;
    }
    const { login: shownLogin, picture, ...fields } = profile;
    renderPage(ctx, views, 'account/public-profile.njk', {
      login: shownLogin, picture,
      fields: Object.entries(fields).map(([k, v]) => ({ label: BUILT_IN_LABELS[k as keyof typeof BUILT_IN_LABELS] ?? k,
        value: v })),
    });
  });
  return router;
}
