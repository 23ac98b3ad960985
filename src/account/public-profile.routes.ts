// /u/<login>: the public profile — off until its user turns it on in Privacy; then only the
// fields (built-in and custom) the user made public. One 404 for every account without one
// (off, unknown, blocked, locked, deleted), so logins cannot be listed; requests are counted
// per IP (429 with Retry-After over the limit). HTML, or JSON with Accept: application/json.
import Router from '@koa/router';
import type { UserData } from '../users/user-data.service.js';
import { BUILT_IN_LABELS } from '../users/field-labels.js';
import { NotFoundError } from '../platform/errors.js';
import { parseId, text } from '../platform/http/input.js';
import { renderPage } from '../platform/render.js';
import type { Views } from '../platform/views.js';
import { retryText, type FailureLimit } from '../security/rate-limits.js';
import type { SettingsService } from '../settings/settings.service.js';

const LOGIN = text(64);

export function publicProfileRoutes({ userData, settings, views, limit }: { userData: UserData;
  settings: SettingsService; views: Views; limit: FailureLimit; }): Router {
  const router = new Router();
  router.get('/u/:login', async function publicProfile(ctx) {
    const refusal = await limit.hit(ctx.ip);
    if (refusal) {
      ctx.set('Retry-After', String(refusal.retryAfterSeconds));
      const message = `Too many profile pages were requested from your address. Try again ${retryText(refusal)}.`;
      if (ctx.accepts('html', 'json') === 'json') {
        ctx.status = 429;
        ctx.body = { error: 'too_many_requests', message, retry_after: refusal.retryAfterSeconds };
        return;
      }
      return renderPage(ctx, views, 'links/done.njk', { title: 'Please wait a while', message }, 429);
    }
    // A login that cannot exist (control characters, too long) is a profile not found.
    const login = parseId(LOGIN, ctx.params.login, 'Profile');
    const profile = await userData.publicProfile(login);
    if (!profile) throw new NotFoundError('Profile');
    ctx.set('Cache-Control', 'no-cache');
    if (ctx.accepts('html', 'json') === 'json') {
      ctx.body = profile;
      return;
    }
    const { login: shownLogin, picture, custom_fields: custom = {}, ...fields } = profile;
    const definitions = (await settings.current()).customFields;
    renderPage(ctx, views, 'account/public-profile.njk', {
      login: shownLogin, picture,
      fields: [
        ...Object.entries(fields).map(([k, v]) => ({ label: BUILT_IN_LABELS[k as keyof typeof BUILT_IN_LABELS] ?? k,
          value: v })),
        ...definitions.filter((d) => Object.hasOwn(custom, d.key)).map((d) => ({ label: d.label,
          value: presentCustom(custom[d.key]) })),
      ],
    });
  });
  return router;
}

function presentCustom(value: unknown): string {
  if (value === true) return 'Yes';
  if (value === false) return 'No';
  return String(value);
}
