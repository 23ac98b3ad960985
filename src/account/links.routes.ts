// The pages emailed links open: accept an invitation, reset or recover a password, confirm
// an email address — and the forgotten-password form. A link that cannot be used gets a page
// saying why (expired, used, replaced by a newer link, its invitation cancelled, unknown) and
// what to do instead.
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { ValidationError } from '../platform/errors.js';
import { describePolicy } from '../settings/password-policy.js';
import { LinkNotUsableError, type UserLinks } from '../users/user-links.service.js';
import { retryText, type RateLimits } from '../security/rate-limits.js';
import type { SettingsService } from '../settings/settings.service.js';
import { fieldMessages, hasControlCharacters, NO_CONTROL_CHARACTERS, requiredText } from '../platform/http/input.js';
import { renderPage } from '../platform/render.js';
import type { Views } from '../platform/views.js';

export interface LinkRouteDeps {
  links: UserLinks;
  settings: SettingsService;
  /** Forgotten-password requests per identifier and per IP (every request counts). */
  rateLimits: Pick<RateLimits, 'resetPerIdentifier' | 'resetPerIp' | 'identifierKey'>;
  views: Views;
  forms: Middleware;
}

const TEXT = {
  invitation: { title: 'Welcome! Choose your password', button: 'Set my password',
    done: 'Your password is set. You can now sign in to your apps with it.' },
  reset: { title: 'Choose a new password', button: 'Set new password',
    done: 'Your new password is set, and you were signed out everywhere else. Sign in again with the new password.' },
};

const FORGOT_PASSWORD_FORM = z.object({
  identifier: requiredText(320, 'Enter your login, email or phone number',
    'That is too long to be a login, email or phone number'),
});
/** Only what no password may hold: the policy judges the rest, with its own messages. */
const PASSWORD_FORM = z.object({ password: z.string().refine((s) => !hasControlCharacters(s)),
  confirm: z.string().refine((s) => !hasControlCharacters(s)) });

function field(ctx: Context, name: string): string {
  const v = (ctx.request as { body?: Record<string, unknown> }).body?.[name];
  return typeof v === 'string' ? v : '';
}

export function linkRoutes({ links, settings, rateLimits, views, forms }: LinkRouteDeps): Router {
  const router = new Router();
  router.use(['/invitation', '/reset-password', '/verify-email', '/forgot-password'],
    async function linkPageHeaders(ctx, next) {
      ctx.set('Cache-Control', 'no-store');
      ctx.set('Referrer-Policy', 'no-referrer'); // the token is in the URL
      await next();
    });
  router.use(['/invitation', '/reset-password', '/verify-email', '/forgot-password'], forms);

  const invalid = (ctx: Context, state: LinkNotUsableError['state'], kind: string) =>
    renderPage(ctx, views, 'links/invalid.njk', { state, kind }, 410);

  async function passwordForm(ctx: Context, kind: 'invitation' | 'reset', extra: Record<string, unknown> = {},
    status = 200) {
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
      const typed = PASSWORD_FORM.safeParse({ password, confirm });
      if (!typed.success) return passwordForm(ctx, kind, { errors: { password: NO_CONTROL_CHARACTERS } }, 422);
      try {
        if (kind === 'invitation') await links.acceptInvitation(ctx.params.token, password, confirm);
        else await links.completeReset(ctx.params.token, password, confirm);
      } catch (err) {
        if (err instanceof LinkNotUsableError) return invalid(ctx, err.state, kind);
        if (err instanceof ValidationError) return passwordForm(ctx, kind, { errors: err.fields }, 422);
        throw err;
      }
      // Links on to signing in (the account page starts it) and the account page: no dead end.
      renderPage(ctx, views, 'links/done.njk', { title: 'All set', message: TEXT[kind].done, nextSteps: true });
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
      renderPage(ctx, views, 'links/done.njk',
        { title: 'Address confirmed', message: `Thank you: ${user.email} is confirmed.` });
    } catch (err) {
      if (err instanceof LinkNotUsableError) return invalid(ctx, err.state, 'verification');
      throw err;
    }
  });

  router.get('/forgot-password', function forgotPasswordForm(ctx) {
    renderPage(ctx, views, 'links/forgot-password.njk', { errors: {}, identifier: '' });
  });

  router.post('/forgot-password', async function requestReset(ctx) {
    const form = FORGOT_PASSWORD_FORM.safeParse((ctx.request as { body?: unknown }).body ?? {});
    if (!form.success) {
      const typed = field(ctx, 'identifier').trim().slice(0, 320).replace(/[\u0000-\u001F\u007F]/g, '');
      return renderPage(ctx, views, 'links/forgot-password.njk',
        { errors: fieldMessages(form.error), identifier: typed }, 422);
    }
    const { identifier } = form.data;
    const refusals = (await Promise.all([
      rateLimits.resetPerIp.hit(ctx.ip),
      rateLimits.resetPerIdentifier.hit(rateLimits.identifierKey(identifier)),
    ])).filter((r) => r !== undefined);
    if (refusals.length) {
      const refusal = refusals.sort((a, b) => b.retryAfterSeconds - a.retryAfterSeconds)[0];
      ctx.set('Retry-After', String(refusal.retryAfterSeconds));
      return renderPage(ctx, views, 'links/done.njk', {
        title: 'Please wait a while',
        message: `There have been too many requests for a reset link. Try again ${retryText(refusal)}.`,
      }, 429);
    }
    await links.requestPasswordReset(identifier, ctx.ip);
    renderPage(ctx, views, 'links/done.njk', {
      title: 'Check your email',
      message: 'If an account with that login, email or phone number exists and has an email address, a link to '
        + 'choose a new password is on its way. It works once and for a limited time.',
    });
  });

  return router;
}
