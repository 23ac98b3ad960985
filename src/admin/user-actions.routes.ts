// The account actions of the profile's "Other actions" block and the list's row menu. Each
// has a confirmation page saying what will happen; the POST does it and returns to the
// profile (or, after a delete, to the list).
import Router from '@koa/router';
import type { Context } from 'koa';
import type { User } from '../db/entities/user.entity.js';
import { NotFoundError, ValidationError } from '../platform/errors.js';
import type { Views } from '../platform/views.js';
import { formOf, renderConsole, staffOf } from './console-context.js';
import { publicName } from '../users/public-name.js';
import { ACTIONS } from './user-actions.js';
import { keptValues } from '../platform/http/form.input.js';
import { userIdParam } from './params.input.js';
import { parseLockForm, parseSelection } from './user-actions.input.js';
import type { ApplicationService } from '../applications/application.service.js';
import type { UserLifecycle } from '../users/user-lifecycle.service.js';
import type { UserLinks } from '../users/user-links.service.js';
import type { UserService } from '../users/user.service.js';
import { isOwnAccount, ownAccountRefusal, type OwnAccountAction } from '../users/user.policy.js';

/** The services this section uses, and no others. */
export interface UserActionServices {
  applications: ApplicationService;
  lifecycle: UserLifecycle;
  links: UserLinks;
  users: UserService;
}

/** The actions of this section the users policy refuses on one's own account. */
const OWN_ACCOUNT_ACTIONS = new Set<string>(['block', 'lock', 'delete'] satisfies OwnAccountAction[]);

/** Where to return after an action started elsewhere: only an application's page (its Users section). */
function backTo(value: unknown): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return typeof text === 'string' && /^\/admin\/apps\/[\w-]{1,64}$/.test(text) ? text : undefined;
}

export function userActionRoutes({ services, views }: { services: UserActionServices; views: Views }): Router {
  const { users, lifecycle, links, applications } = services;
  const router = new Router();
  router.param('id', userIdParam);

  function renderConfirm(ctx: Context, user: User, action: string, extra: Record<string, unknown> = {}, status = 200) {
    const text = ACTIONS[action];
    const name = publicName(user);
    renderConsole(ctx, views, 'admin/users/confirm-action.njk', 'users', {
      user: { id: user.id, name }, action,
      text: { ...text, explain: text.explain(name), applications: text.applications?.(name),
        personalNote: text.personalNote?.(name) },
      values: {}, errors: {}, ...extra,
    }, status);
  }

  router.get('/users/:id/actions/:action', async function confirmUserAction(ctx) {
    const action = ctx.params.action;
    if (!ACTIONS[action]) throw new NotFoundError('Action');
    const { actor, scope } = staffOf(ctx);
    const user = await users.getChangeable(ctx.params.id, scope);
    const back = backTo(ctx.query.back);
    // One's own account: the page says why not, and offers no button (the service refuses the POST too).
    if (OWN_ACCOUNT_ACTIONS.has(action) && isOwnAccount(actor, user)) {
      return renderConfirm(ctx, user, action, { back, refusal: ownAccountRefusal(action as OwnAccountAction, scope) },
        403);
    }
    // Deleting the user deletes the applications nobody else owns: say which before it happens.
    const extra = action === 'delete' ? { applications: await applicationsDeletedWith(user.id) } : {};
    renderConfirm(ctx, user, action, { ...extra, back });
  });

  async function applicationsDeletedWith(userId: string) {
    const [owned, memberships] = await Promise.all([applications.ownedSolelyBy(userId),
      applications.membershipsOf(userId)]);
    const kinds = new Map(memberships.map((m) => [m.clientId, m.kind]));
    return owned.map((a) => ({ ...a, personal: kinds.get(a.clientId) === 'personal' }));
  }

  router.post('/users/:id/actions/:action', async function runUserAction(ctx) {
    const action = ctx.params.action;
    if (!ACTIONS[action]) throw new NotFoundError('Action');
    const { actor, scope } = staffOf(ctx);
    const id = ctx.params.id;
    const form = formOf(ctx);
    switch (action) {
      case 'end-sessions': await lifecycle.endSessions(id, actor, scope); break;
      case 'block': await lifecycle.block(id, actor, scope); break;
      case 'unblock': await lifecycle.unblock(id, actor, scope); break;
      case 'unlock': await lifecycle.unlock(id, actor, scope); break;
      case 'lock':
        try {
          await lifecycle.lock(id, parseLockForm(form), actor, scope);
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err;
          const user = await users.getChangeable(id, scope);
          return renderConfirm(ctx, user, action,
            { values: keptValues(form), errors: err.fields, back: backTo(form.back) }, 422);
        }
        break;
      case 'resend-invitation': await links.resendInvitation(id, actor, scope); break;
      case 'cancel-deletion': await lifecycle.cancelDeletion(id, actor, scope); break;
      case 'force-reset': await links.forcePasswordReset(id, actor, scope); break;
      case 'email-recovery': await links.emailRecoveryLink(id, actor, scope); break;
      case 'resend-verification': await links.resendVerification(id, actor, scope); break;
      // The list names the user from the audit event (src/admin/removal-notice.ts); the URL carries only the id.
      case 'cancel-invitation': {
        await links.cancelInvitation(id, actor, scope);
        ctx.status = 303;
        return ctx.redirect(backTo(form.back) ? `${backTo(form.back)}?user_done=invitation-cancelled#users`
          : '/admin/users?done=invitation-cancelled');
      }
      case 'delete': {
        await lifecycle.delete(id, actor, scope);
        ctx.status = 303;
        return ctx.redirect(backTo(form.back) ? `${backTo(form.back)}?user_done=deleted#users`
          : `/admin/users?deleted=${encodeURIComponent(id)}`);
      }
    }
    ctx.status = 303;
    const back = backTo(form.back);
    ctx.redirect(back ? `${back}?user_done=${ACTIONS[action].done}#users`
      : `/admin/users/${id}?done=${ACTIONS[action].done}`);
  });

  // The profile's Sessions, Consents and Refresh tokens sections: revoke what is ticked.
  const selections = [
    { path: 'sessions/end', field: 'session', anchor: 'sessions', done: 'selected-sessions-ended',
      run: lifecycle.endSelectedSessions },
    { path: 'consents/revoke', field: 'grant', anchor: 'consents', done: 'consents-revoked',
      run: lifecycle.revokeConsents },
    { path: 'refresh-tokens/revoke', field: 'token', anchor: 'refresh-tokens', done: 'refresh-tokens-revoked',
      run: lifecycle.revokeRefreshTokens },
  ];
  for (const { path, field, anchor, done, run } of selections) {
    router.post(`/users/:id/${path}`, async function revokeSelected(ctx) {
      const { actor, scope } = staffOf(ctx);
      const id = ctx.params.id;
      try {
        await run(id, parseSelection(formOf(ctx), field), actor, scope);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        ctx.status = 303;
        return ctx.redirect(`/admin/users/${id}?problem=${anchor}#${anchor}`);
      }
      ctx.status = 303;
      ctx.redirect(`/admin/users/${id}?done=${done}#${anchor}`);
    });
  }

  return router;
}
