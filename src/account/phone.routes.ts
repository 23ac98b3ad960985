// Confirming one's own phone number from the account page: "Verify" sends a code by text
// message and opens this page, where the code is typed back. Every POST ends in a redirect or
// a page of its own, so a reload repeats nothing; over a limit the page says when to try again
// (429 with Retry-After).
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Actor } from '../audit/audit.service.js';
import type { User } from '../db/entities/user.entity.js';
import { ValidationError } from '../platform/errors.js';
import { formatTime } from '../platform/format.js';
import { firstOf, formOf } from '../platform/http/form.js';
import { renderPage } from '../platform/render.js';
import type { Views } from '../platform/views.js';
import { parsePhoneCodeForm } from '../users/phone-verification.input.js';
import { PhoneCodeLimitError, type PhoneVerification } from '../users/phone-verification.service.js';
import { describeUser, type UserService } from '../users/user.service.js';

export interface PhoneRouteDeps {
  phoneVerification: PhoneVerification;
  users: UserService;
  views: Views;
  requireSignedIn: Middleware;
  /** Body parsing and CSRF checks. */
  forms: Middleware;
}

const NOTICES = { sent: 'sent' } as const;

export function phoneRoutes({ phoneVerification, users, views, requireSignedIn, forms }: PhoneRouteDeps): Router {
  const router = new Router({ prefix: '/account/phone' });
  router.use(requireSignedIn);
  router.use(forms);

  const me = (ctx: Context): User => ctx.state.user as User;
  const self = (user: User): Actor => ({ type: 'user', id: user.id, label: describeUser(user) });

  /** The page: where the code went, until when it works, the form to type it and "Send a new code". */
  async function renderPhone(ctx: Context, extra: { errors?: Record<string, string>; problem?: string;
    typed?: string; } = {}, status = 200) {
    const user = (await users.findById(me(ctx).id))!;
    const pending = user.phoneNumber && !user.phoneNumberVerified
      ? await phoneVerification.pending(user.id) : undefined;
    renderPage(ctx, views, 'account/phone.njk', {
      phone: user.phoneNumber, verified: user.phoneNumberVerified,
      sent: ctx.query.done === NOTICES.sent, ttlMinutes: phoneVerification.codeTtlMinutes,
      pending: pending && { until: formatTime(pending.expiresAt), attemptsLeft: pending.attemptsLeft },
      errors: extra.errors ?? {}, problem: extra.problem, typed: extra.typed ?? '',
    }, status);
  }

  /** Over a limit: the page with the reason and when to try again. */
  function refused(ctx: Context, err: PhoneCodeLimitError) {
    ctx.set('Retry-After', String(err.refusal.retryAfterSeconds));
    return renderPhone(ctx, { problem: err.message }, 429);
  }

  router.get('/', async function phonePage(ctx) {
    const user = (await users.findById(me(ctx).id))!;
    if (!user.phoneNumber) {
      ctx.redirect('/account#identifiers');
      return;
    }
    await renderPhone(ctx);
  });

  router.post('/send', async function sendPhoneCode(ctx) {
    try {
      await phoneVerification.sendCode(me(ctx).id, self(me(ctx)));
    } catch (err) {
      if (err instanceof PhoneCodeLimitError) return refused(ctx, err);
      if (!(err instanceof ValidationError)) throw err;
      return renderPhone(ctx, { problem: Object.values(err.fields)[0] }, 422);
    }
    ctx.status = 303;
    ctx.redirect(`/account/phone?done=${NOTICES.sent}`);
  });

  router.post('/verify', async function verifyPhone(ctx) {
    const form = formOf(ctx);
    try {
      await phoneVerification.verify(me(ctx).id, parsePhoneCodeForm(form), self(me(ctx)));
    } catch (err) {
      if (err instanceof PhoneCodeLimitError) return refused(ctx, err);
      if (!(err instanceof ValidationError)) throw err;
      // What was typed stays in the field (bounded, without control characters).
      const typed = firstOf(form.code).slice(0, 40).replace(/[\u0000-\u001F\u007F]/g, '');
      if (err.fields.code) return renderPhone(ctx, { errors: { code: err.fields.code }, typed }, 422);
      return renderPhone(ctx, { problem: Object.values(err.fields)[0] }, 422);
    }
    ctx.status = 303;
    ctx.redirect('/account?done=phone-verified#identifiers');
  });

  return router;
}
