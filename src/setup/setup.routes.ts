import Router from '@koa/router';
import type { Middleware } from 'koa';
import { ValidationError } from '../directory/errors.js';
import { renderPage } from '../http/render.js';
import type { Views } from '../http/views.js';
import type { AdminSetup } from './admin-setup.service.js';

export function setupRoutes({ setup, views, issuer, forms }: { setup: AdminSetup; views: Views; issuer: string; forms: Middleware }): Router {
  const router = new Router({ prefix: '/setup/:token' });
  router.use(async function noStore(ctx, next) {
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Referrer-Policy', 'no-referrer'); // the token is in the URL
    await next();
  });
  router.use(forms);

  router.get('/', async function showSetup(ctx) {
    if (!(await setup.isUsable(ctx.params.token))) return renderPage(ctx, views, 'setup/invalid.njk', {}, 410);
    renderPage(ctx, views, 'setup/form.njk', { values: {}, passwordHint: await setup.passwordHint() });
  });

  router.post('/', async function submitSetup(ctx) {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const text = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
    const values = { login: text('login').trim(), email: text('email').trim() };
    const errors: Record<string, string> = {};
    if (!values.login) errors.login = 'Choose a login';
    if (!values.email) errors.email = 'Enter an email address';
    if (!text('password')) errors.password = 'Choose a password';
    else if (text('password') !== text('password_confirm')) errors.password_confirm = 'The two passwords differ';
    if (Object.keys(errors).length) return renderPage(ctx, views, 'setup/form.njk', { values, errors, passwordHint: await setup.passwordHint() }, 400);
    try {
      const user = await setup.complete(ctx.params.token, { ...values, password: text('password') });
      renderPage(ctx, views, 'setup/done.njk', { login: user.login, issuer });
    } catch (err) {
      if (err instanceof ValidationError) return renderPage(ctx, views, 'setup/form.njk', { values, errors: err.fields, passwordHint: await setup.passwordHint() }, 400);
      throw err;
    }
  });
  return router;
}
