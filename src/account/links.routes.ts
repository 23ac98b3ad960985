// The pages emailed links open: accept an invitation, reset or recover a password, confirm
// an email address — and the forgotten-password form. A link that cannot be used gets a page
// saying why (expired, used, unknown) and what to do instead.
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { ValidationError } from '../directory/errors.js';
import { describePolicy } from '../directory/password-policy.js';
import { LinkNotUsableError, type UserLinks } from '../directory/user-links.service.js';
import type { RateLimiter } from '../db/rate-limit.repository.js';
import type { SettingsService } from '../directory/settings.service.js';
import { renderPage } from '../http/render.js';
import type { Views } from '../http/views.js';

export interface LinkRouteDeps {
  links: UserLinks;
  settings: SettingsService;
  rateLimiter: RateLimiter;
  views: Views;
  forms: Middleware;
}

const LIMITS = { perIdentifier: 5, perIp: 20, windowSeconds: 3600 };

const TEXT = {
  invitation: { title: 'Welcome! Choose your password', button: 'Set my password', done: 'Your password is set. You can now sign in to your apps with it.' },
  reset: { title: 'Choose a new password', button: 'Set new password', done: 'Your new password is set, and you were signed out everywhere else. Sign in again with the new password.' },
};

function field(ctx: Context, name: string): string {
  const v = (ctx.request as { body?: Record<string, unknown> }).body?.[name];
  return typeof v === 'string' ? v : '';
}

export function linkRoutes({ links, settings, rateLimiter, views, forms }: LinkRouteDeps): Router {
  const router = new Router();
  router.use(['/invitation', '/reset-password', '/verify-email', '/forgot-password'], async function linkPageHeaders(ctx, next) {
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Referrer-Policy', 'no-referrer'); // the token is in the URL
    await next();
  });
  router.use(['/invitation', '/reset-password', '/verify-email', '/forgot-password'], forms);

  const invalid = (ctx: Context, state: 'used' | 'expired' | 'unknown', kind: string) =>
    renderPage(ctx, views, 'links/invalid.njk', { state, kind }, 410);

  async function passwordForm(ctx: Context, kind: 'invitation' | 'reset', extra: Record<string, unknown> = {}, status = 200) {
    const hint = describePolicy((await settings.current()).passwordPolicy);
    renderPage(ctx, views, 'links/choose-password.njk', { text: TEXT[kind], hint, errors: {}, ...extra }, status);
  }

  for (const [path, kind] of [['/invitation/:token', 'invitation'], ['/reset-password/:token', 'reset']] as const) {
    router.get(path, async function showPasswordLink(ctx) {
      const found = await links.inspect(kind, ctx.params.token);
      if (found.state !== 'valid') return invalid(ctx, found.state, kind);
      await passwordForm(ctx, kind);
    });

    router.post(path, async function usePasswordLink(ctx) {
      const [password, confirm] = [field(ctx, 'password'), field(ctx, 'password_confirm')];
      try {
        if (kind === 'invitation') await links.acceptInvitation(ctx.params.token, password, confirm);
        else await links.completeReset(ctx.params.token, password, confirm);
      } catch (err) {
        if (err instanceof LinkNotUsableError) return invalid(ctx, err.state, kind);
        if (err instanceof ValidationError) return passwordForm(ctx, kind, { errors: err.fields }, 422);
        throw err;
      }
      renderPage(ctx, views, 'links/done.njk', { title: 'All set', message: TEXT[kind].done });
    });
  }

  // A button, not the GET itself: mail scanners open links, and must not use them up.
  router.get('/verify-email/:token', async function showVerification(ctx) {
    const found = await links.inspect('verification', ctx.params.token);
    if (found.state !== 'valid') return invalid(ctx, found.state, 'verification');
    renderPage(ctx, views, 'links/verify-email.njk', { email: found.token.data?.email });
  });

  router.post('/verify-email/:token', async function verifyEmail(ctx) {
    try {
      const user = await links.verifyEmail(ctx.params.token);
      renderPage(ctx, views, 'links/done.njk', { title: 'Address confirmed', message: `Thank you: ${user.email} is confirmed.` });
    } catch (err) {
      if (err instanceof LinkNotUsableError) return invalid(ctx, err.state, 'verification');
      throw err;
    }
  });

  router.get('/forgot-password', function forgotPasswordForm(ctx) {
    renderPage(ctx, views, 'links/forgot-password.njk', { errors: {}, identifier: '' });
  });

  router.post('/forgot-password', async function requestReset(ctx) {
    const identifier = field(ctx, 'identifier').trim();
    if (!identifier || identifier.length > 320) {
      return renderPage(ctx, views, 'links/forgot-password.njk', { errors: { identifier: 'Enter your login, email or phone number' }, identifier: identifier.slice(0, 320) }, 422);
    }
    const [ipOk, identifierOk] = await Promise.all([
      rateLimiter.hit(`forgot:ip:${ctx.ip}`, LIMITS.perIp, LIMITS.windowSeconds),
      rateLimiter.hit(`forgot:id:${identifier.toLowerCase()}`, LIMITS.perIdentifier, LIMITS.windowSeconds),
    ]);
    if (!ipOk || !identifierOk) {
      return renderPage(ctx, views, 'links/done.njk', {
        title: 'Please wait a while', message: 'There have been too many requests for a reset link. Try again in an hour.',
      }, 429);
    }
    await links.requestPasswordReset(identifier, ctx.ip);
    renderPage(ctx, views, 'links/done.njk', {
      title: 'Check your email',
      message: 'If an account with that login, email or phone number exists and has an email address, a link to choose a new password is on its way. It works once and for a limited time.',
    });
  });

  return router;
}
