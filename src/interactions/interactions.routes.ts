// Sign-in and consent pages, in the shape of the provider's own example:
// interactionDetails -> check prompt.name -> interactionResult.
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import type { UserService } from '../users/user.service.js';
import { ValidationError } from '../platform/errors.js';
import { describePolicy } from '../settings/password-policy.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { UserLinks } from '../users/user-links.service.js';
import type { UserLifecycle } from '../users/user-lifecycle.service.js';
import { fieldMessages, parseInput, requiredText, secretText, textList } from '../platform/http/input.js';
import { renderPage } from '../platform/render.js';
import type { Views } from '../platform/views.js';
import { retryText, type RateLimits, type Refusal } from '../security/rate-limits.js';
import type { ConsentService } from './consent.service.js';

export interface InteractionDeps {
  provider: Provider;
  users: UserService;
  consent: ConsentService;
  views: Views;
  supportContact: string;
  /** Body parsing and CSRF checks; must run before the handlers. */
  forms: Middleware;
  links: UserLinks;
  lifecycle: UserLifecycle;
  settings: SettingsService;
  secureCookies: boolean;
  /** Failed sign-ins per identifier and per IP (checked before the password, counted after a failure). */
  signInLimits: RateLimits['signIn'];
}

/**
 * Proof, for one interaction, that this browser passed the password check of an account
 * that needs one more step: a temporary password to replace, or a scheduled deletion to undo.
 */
const CHANGE_COOKIE = 'foyer.pwchange';
const RESTORE_COOKIE = 'foyer.restore';

const MAX_IDENTIFIER = 320;
const MAX_PASSWORD = 1024;

const SIGN_IN_FORM = z.object({
  identifier: requiredText(MAX_IDENTIFIER, 'Enter your login, email or phone number',
    'That is too long to be a login, email or phone number'),
  password: secretText(MAX_PASSWORD, 'Enter your password', 'That password is too long'),
});
const NEW_PASSWORD_FORM = z.object({
  password: secretText(MAX_PASSWORD, 'Enter a new password', 'That password is too long'),
  password_confirm: secretText(MAX_PASSWORD, 'Enter the new password again', 'That password is too long'),
});
const CONSENT_FORM = z.object({ approve: textList(100, 200) });

/** What was typed as the identifier, to show it again in the form (bounded, without control characters). */
function typedIdentifier(body: unknown): string {
  const value = (body as { identifier?: unknown } | undefined)?.identifier;
  return typeof value === 'string' ? value.trim().slice(0, MAX_IDENTIFIER).replace(/[\u0000-\u001F\u007F]/g, '') : '';
}

export function interactionRoutes(deps: InteractionDeps): Router {
  const { provider, users, consent, views } = deps;
  const router = new Router({ prefix: '/interaction/:uid' });

  router.use(async function noStore(ctx, next) {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  router.use(deps.forms);

  /**
   * The app as the pages show it: its name, and its logo when it has one. Read through the
   * provider's Client (the same metadata lookup the provider uses), so an inactive or unknown
   * client shows as "an application" with no logo.
   */
  const clientInfo = async (clientId: unknown): Promise<{ client: string; logo?: string }> => {
    const client = typeof clientId === 'string' ? await provider.Client.find(clientId) : undefined;
    // Only https and http-localhost logos are ever stored (client-metadata.ts).
    const logo = typeof client?.logoUri === 'string' && client.logoUri ? client.logoUri : undefined;
    return { client: client?.clientName ?? 'an application', ...(logo ? { logo } : {}) };
  };

  async function finish(ctx: Context, result: InteractionResults, merge: boolean) {
    const to = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
    ctx.status = 303;
    ctx.redirect(to);
  }

  const renderLogin = async (ctx: Context, details: { uid: string; params: Record<string, unknown> },
    extra: Record<string, unknown> = {}, status = 200) =>
    renderPage(ctx, views, 'interactions/login.njk', {
      uid: details.uid,
      ...(await clientInfo(details.params.client_id)),
      identifier: typeof details.params.login_hint === 'string' ? details.params.login_hint : '',
      ...extra,
    }, status);

  async function showConsentOrFinish(ctx: Context, details: Awaited<ReturnType<Provider['interactionDetails']>>) {
    const plan = await consent.plan(details);
    if (!plan) {
      return finish(ctx, { error: 'access_denied', error_description: 'the account can no longer sign in' }, false);
    }
    const answered = await consent.answerWithoutAsking(plan);
    if (answered) return finish(ctx, answered, true);
    renderPage(ctx, views, 'interactions/consent.njk', {
      uid: details.uid,
      ...(await clientInfo(details.params.client_id)),
      fields: plan.ask.map((field) => ({ field, label: plan.labels[field] })),
    });
  }

  router.get('/', async function showInteraction(ctx) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.prompt.name === 'login') return renderLogin(ctx, details);
    if (details.prompt.name === 'consent') return showConsentOrFinish(ctx, details);
    return finish(ctx, { error: 'invalid_request', error_description: `unsupported prompt ${details.prompt.name}` },
      false);
  });

  router.post('/login', async function submitLogin(ctx) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.prompt.name !== 'login') return ctx.redirect(`/interaction/${details.uid}`);
    const parsed = SIGN_IN_FORM.safeParse(ctx.request.body ?? {});
    if (!parsed.success) {
      return renderLogin(ctx, details,
        { identifier: typedIdentifier(ctx.request.body), errors: fieldMessages(parsed.error) }, 400);
    }
    const { identifier, password } = parsed.data;

    // Checked before the password, so a refused attempt reveals nothing about it.
    const limits = await deps.signInLimits.check(ctx.ip, identifier);
    if (limits.refusal) return renderTooManyAttempts(ctx, details.uid, limits.refusal);
    const result = await users.signIn(identifier, password,
      { ip: ctx.ip, application: String(details.params.client_id ?? '') || null });
    if (result.outcome === 'invalid') await deps.signInLimits.failed(ctx.ip, identifier);
    else if (limits.identifierFailures > 0) await deps.signInLimits.succeeded(identifier);
    switch (result.outcome) {
      case 'invalid':
        return renderLogin(ctx, details,
          { identifier, errors: { form: 'Wrong login, email, phone number or password.' } }, 401);
      case 'blocked':
        return renderPage(ctx, views, 'interactions/blocked.njk', { uid: details.uid, contact: deps.supportContact },
          403);
      case 'locked':
        return renderPage(ctx, views, 'interactions/locked.njk', {
          uid: details.uid, contact: deps.supportContact, until: result.until?.toISOString(),
          untilText: result.until ? result.until.toUTCString() : undefined,
        }, 403);
      case 'reset_required':
        return renderPage(ctx, views, 'interactions/reset-pending.njk',
          { uid: details.uid, contact: deps.supportContact }, 403);
      case 'change_required':
        setProof(ctx, CHANGE_COOKIE, details.uid, result.user.id);
        return renderChangePassword(ctx, details.uid);
      case 'deletion_scheduled':
        setProof(ctx, RESTORE_COOKIE, details.uid, result.user.id);
        return renderPage(ctx, views, 'interactions/restore.njk', { uid: details.uid, at: result.at.toUTCString() },
          403);
      case 'ok':
        return finish(ctx, { login: { accountId: result.user.id } }, false);
    }
  });

  function renderTooManyAttempts(ctx: Context, uid: string, refusal: Refusal) {
    ctx.set('Retry-After', String(refusal.retryAfterSeconds));
    renderPage(ctx, views, 'interactions/too-many-attempts.njk', {
      uid, retry: retryText(refusal), until: refusal.until.toISOString(),
    }, 429);
  }

  function setProof(ctx: Context, cookie: string, uid: string, accountId: string) {
    ctx.cookies.set(cookie, JSON.stringify({ uid, accountId }), {
      httpOnly: true, sameSite: 'lax', secure: deps.secureCookies, signed: true, path: `/interaction/${uid}`,
      maxAge: 15 * 60 * 1000,
    });
  }

  /** The account this browser proved its password for in this interaction, if the proof is there. */
  function proofOf(ctx: Context, cookie: string, uid: string): string | undefined {
    let proof: { uid?: string; accountId?: string } = {};
    try {
      proof = JSON.parse(ctx.cookies.get(cookie, { signed: true }) ?? '{}');
    } catch {
      // a damaged cookie proves nothing
    }
    return proof.uid === uid && proof.accountId ? proof.accountId : undefined;
  }

  router.post('/restore', async function restoreAccount(ctx) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const accountId = details.prompt.name === 'login' ? proofOf(ctx, RESTORE_COOKIE, details.uid) : undefined;
    if (!accountId) return renderLogin(ctx, details, {}, 400);
    await deps.lifecycle.cancelDeletion(accountId, { type: 'user', id: accountId, label: 'the user, signing in' },
      { kind: 'all' });
    ctx.cookies.set(RESTORE_COOKIE, null, { path: `/interaction/${details.uid}` });
    return finish(ctx, { login: { accountId } }, false);
  });

  async function renderChangePassword(ctx: Context, uid: string, errors: Record<string, string> = {}, status = 200) {
    renderPage(ctx, views, 'interactions/change-password.njk', {
      uid, errors, hint: describePolicy((await deps.settings.current()).passwordPolicy),
    }, status);
  }

  router.post('/change-password', async function replaceTemporaryPassword(ctx) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const accountId = details.prompt.name === 'login' ? proofOf(ctx, CHANGE_COOKIE, details.uid) : undefined;
    if (!accountId) return renderLogin(ctx, details, {}, 400);
    const form = NEW_PASSWORD_FORM.safeParse(ctx.request.body ?? {});
    if (!form.success) return renderChangePassword(ctx, details.uid, fieldMessages(form.error), 422);
    try {
      await deps.links.replaceTemporaryPassword(accountId, form.data.password, form.data.password_confirm);
    } catch (err) {
      if (err instanceof ValidationError) return renderChangePassword(ctx, details.uid, err.fields, 422);
      throw err;
    }
    ctx.cookies.set(CHANGE_COOKIE, null, { path: `/interaction/${details.uid}` });
    return finish(ctx, { login: { accountId } }, false);
  });

  router.post('/consent', async function submitConsent(ctx) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.prompt.name !== 'consent') return ctx.redirect(`/interaction/${details.uid}`);
    const plan = await consent.plan(details);
    if (!plan) {
      return finish(ctx, { error: 'access_denied', error_description: 'the account can no longer sign in' }, false);
    }
    const approved = parseInput(CONSENT_FORM, ctx.request.body ?? {}).approve.filter((f) => plan.ask.includes(f));
    return finish(ctx, await consent.grant(plan, approved), true);
  });

  router.post('/abort', async function abortInteraction(ctx) {
    await provider.interactionDetails(ctx.req, ctx.res);
    return finish(ctx, { error: 'access_denied', error_description: 'End-User aborted interaction' }, false);
  });

  return router;
}
