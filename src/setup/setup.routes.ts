import Router from '@koa/router';
import type { Middleware } from 'koa';
import { z } from 'zod';
import { ValidationError } from '../platform/errors.js';
import { fieldMessages, requiredText, secretText } from '../platform/http/input.js';
import { renderPage } from '../platform/render.js';
import type { Views } from '../platform/views.js';
import type { AdminSetup } from './admin-setup.service.js';

const SETUP_FORM = z.object({
  login: requiredText(320, 'Choose a login'),
  email: requiredText(320, 'Enter an email address'),
  password: secretText(1000, 'Choose a password'),
  password_confirm: z.preprocess((v) => v ?? '', z.string({ error: 'Type the password again' })),
});

export function setupRoutes({ setup, views, issuer, forms }: { setup: AdminSetup; views: Views; issuer: string;
  forms: Middleware; }): Router {
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
    const typed = (k: string) => (typeof body[k] === 'string' ? (body[k] as string).trim().slice(0, 320).replace(/[\u0000-\u001F\u007F]/g, '') : '');
    const values = { login: typed('login'), email: typed('email') };
    const form = SETUP_FORM.safeParse(body);
    const errors: Record<string, string> = form.success ? {} : fieldMessages(form.error);
    if (form.success && form.data.password !== form.data.password_confirm) {
      errors.password_confirm = 'The two passwords differ';
    }
    if (!form.success || Object.keys(errors).length) {
      return renderPage(ctx, views, 'setup/form.njk', { values, errors, passwordHint: await setup.passwordHint() },
        400);
    }
    try {
      const { login, email, password } = form.data;
      const user = await setup.complete(ctx.params.token, { login, email, password });
      renderPage(ctx, views, 'setup/done.njk', { login: user.login, issuer });
    } catch (err) {
      if (err instanceof ValidationError) {
        return renderPage(ctx, views, 'setup/form.njk',
          { values, errors: err.fields, passwordHint: await setup.passwordHint() }, 400);
      }
      throw err;
    }
  });
  return router;
}
