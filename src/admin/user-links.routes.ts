// Console pages for the emailed flows: invite a user, set a password (with a suggestion),
// and show a recovery link once; and the profile's identifier buttons (remove one, mark a
// phone number verified).
import { isLocked } from '../settings/lockout-policy.js';
import { randomBytes, randomInt } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import { ValidationError } from '../platform/errors.js';
import { describePolicy } from '../settings/password-policy.js';
import { grantableRoles } from '../users/user.policy.js';
import type { Views } from '../platform/views.js';
import { formOf, renderConsole, staffOf } from './console-context.js';
import { ROLE_LABELS } from './user.presenter.js';
import { formatTime } from '../platform/format.js';
import { publicName } from '../users/public-name.js';
import { bigserialId } from '../platform/http/input.js';
import { keptValues } from '../platform/http/form.input.js';
import { oneTimeView } from '../platform/http/one-time-view.js';
import { idParam, userIdParam } from './params.input.js';
import { parseIdentifierForm, parseInviteForm, parseSetPasswordForm } from './user-links.input.js';
import { assertMayGenerate } from '../api-keys/api-key.policy.js';
import type { ApiKeys } from '../api-keys/api-key.service.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { OrganizationService } from '../organizations/organization.service.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { UserData } from '../users/user-data.service.js';
import type { UserLinks } from '../users/user-links.service.js';
import type { PhoneVerification } from '../users/phone-verification.service.js';
import type { UserService } from '../users/user.service.js';

/** The services this section uses, and no others. */
export interface UserLinkServices {
  apiKeys: ApiKeys;
  audit: AuditLog;
  links: UserLinks;
  organizations: OrganizationService;
  phoneVerification: PhoneVerification;
  settings: SettingsService;
  userData: UserData;
  users: UserService;
}

/** A strong password a person can type: four groups of letters and digits, 20+ characters, ~110 bits. */
function suggestPassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const group = () => Array.from({ length: 5 }, () => alphabet[randomInt(alphabet.length)]).join('');
  // One of each class so any policy of classes is met; symbols join the groups.
  return `${group()}-${group()}-${group()}-${group()}${randomBytes(1)[0] % 10}aZ`;
}

export function userLinkRoutes({ services, views, secureCookies }: { services: UserLinkServices; views: Views;
  secureCookies: boolean; }): Router {
  const { links, users, organizations, settings } = services;
  // A recovery link and an API key are shown once: the POST that makes one answers 303 to its
  // page, and a reload of that page says it was shown already (src/platform/http/one-time-view.ts).
  const newRecoveryLink = oneTimeView<{ url: string; expires: string }>({ cookie: 'foyer.new-recovery-link',
    path: (id) => `/admin/users/${id}/recovery-link`, secure: secureCookies });
  const newApiKey = oneTimeView<string>({ cookie: 'foyer.new-own-api-key',
    path: (id) => `/admin/users/${id}/api-key`, secure: secureCookies });
  const router = new Router();
  router.param('id', userIdParam);
  router.param('keyId', idParam(bigserialId, 'API key'));

  async function renderInvite(ctx: Context, values: Record<string, string>, errors: Record<string, string> = {},
    status = 200) {
    const { scope } = staffOf(ctx);
    const all = await organizations.names();
    renderConsole(ctx, views, 'admin/users/invite.njk', 'users', {
      values, errors, roles: grantableRoles(scope).map((r) => ({ value: r, label: ROLE_LABELS[r] })),
      organizations: scope.kind === 'all' ? all : all.filter((o) => o.id === scope.organizationId),
    }, status);
  }

  router.get('/users/invite', async function inviteForm(ctx) {
    const { scope } = staffOf(ctx);
    await renderInvite(ctx,
      { role: 'MEMBER',
        organizationId: scope.kind === 'organization' && scope.organizationId ? String(scope.organizationId) : '' });
  });

  router.post('/users/invite', async function inviteUser(ctx) {
    const form = formOf(ctx);
    const { actor, scope } = staffOf(ctx);
    try {
      const user = await links.invite(parseInviteForm(form), actor, scope);
      ctx.status = 303;
      ctx.redirect(`/admin/users/${user.id}?done=invited`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      await renderInvite(ctx, keptValues(form), err.fields, 422);
    }
  });

  async function renderSetPassword(ctx: Context, errors: Record<string, string> = {}, status = 200) {
    const user = await users.getChangeable(ctx.params.id, staffOf(ctx).scope);
    renderConsole(ctx, views, 'admin/users/set-password.njk', 'users', {
      user: { id: user.id, name: publicName(user), locked: isLocked(user) }, errors,
      suggestion: suggestPassword(), hint: describePolicy((await settings.current()).passwordPolicy),
    }, status);
  }

  router.get('/users/:id/password', async function setPasswordForm(ctx) {
    await renderSetPassword(ctx);
  });

  router.post('/users/:id/password', async function setPassword(ctx) {
    const form = formOf(ctx);
    const { actor, scope } = staffOf(ctx);
    try {
      const { password, mustChange } = parseSetPasswordForm(form);
      await links.setPassword(ctx.params.id, password, { mustChange }, actor, scope);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderSetPassword(ctx, err.fields, 422);
    }
    ctx.status = 303;
    ctx.redirect(`/admin/users/${ctx.params.id}?done=password-set`);
  });

  router.get('/users/:id/recovery-link', async function recoveryLinkIntro(ctx) {
    const user = await users.getChangeable(ctx.params.id, staffOf(ctx).scope);
    renderConsole(ctx, views, 'admin/users/recovery-link.njk', 'users',
      { user: { id: user.id, name: publicName(user) } });
  });

  // A POST: making a link is an action (audited; it replaces the previous link).
  router.post('/users/:id/recovery-link', async function makeRecoveryLink(ctx) {
    const { actor, scope } = staffOf(ctx);
    const user = await users.getChangeable(ctx.params.id, scope);
    const { url, expiresAt } = await links.recoveryLink(user.id, actor, scope);
    newRecoveryLink.showOnce(ctx, user.id, { url, expires: formatTime(expiresAt) },
      `/admin/users/${user.id}/recovery-link/new`);
  });

  router.get('/users/:id/recovery-link/new', async function showRecoveryLink(ctx) {
    const user = await users.getChangeable(ctx.params.id, staffOf(ctx).scope);
    const link = newRecoveryLink.take(ctx, user.id);
    ctx.set('Referrer-Policy', 'no-referrer');
    renderConsole(ctx, views, 'admin/users/recovery-link.njk', 'users',
      { user: { id: user.id, name: publicName(user) }, ...link, shown: !link });
  });

  // API keys: a user makes their own (shown once); an admin (or Manager in scope) can revoke anyone's.
  router.post('/users/:id/api-key', async function generateApiKey(ctx) {
    const { user, actor } = staffOf(ctx);
    assertMayGenerate({ id: ctx.params.id }, actor);
    const key = await services.apiKeys.generate(user, actor);
    newApiKey.showOnce(ctx, user.id, key, `/admin/users/${user.id}/api-key/new`);
  });

  router.get('/users/:id/api-key/new', async function showApiKey(ctx) {
    const { user, actor } = staffOf(ctx);
    assertMayGenerate({ id: ctx.params.id }, actor);
    const key = newApiKey.take(ctx, user.id);
    ctx.set('Referrer-Policy', 'no-referrer');
    renderConsole(ctx, views, 'admin/users/api-key.njk', 'users',
      { user: { id: user.id, name: publicName(user) }, key });
  });

  router.post('/users/:id/api-keys/:keyId/revoke', async function revokeApiKey(ctx) {
    const { actor, scope } = staffOf(ctx);
    await services.apiKeys.revoke(ctx.params.id, ctx.params.keyId, actor, scope);
    ctx.status = 303;
    ctx.redirect(`/admin/users/${ctx.params.id}?done=api-key-revoked#api-keys`);
  });

  router.get('/users/:id/export', async function downloadUserData(ctx) {
    const { scope, actor } = staffOf(ctx);
    // The whole account (sessions, consents, keys): an Administrator's is for Administrators only.
    const user = await users.getChangeable(ctx.params.id, scope);
    const document = await services.userData.export(user);
    await services.audit.record({ actor, action: 'user.data_exported', targetUserId: user.id,
      targetLabel: publicName(user) });
    ctx.set('Content-Disposition', `attachment; filename="user-${user.id}.json"`);
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(document, null, 2);
  });

  router.post('/users/:id/identifiers/remove', async function removeIdentifier(ctx) {
    const { actor, scope } = staffOf(ctx);
    try {
      await users.removeIdentifier(ctx.params.id, parseIdentifierForm(formOf(ctx)), actor, scope);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      ctx.status = 303;
      return ctx.redirect(`/admin/users/${ctx.params.id}?problem=identifier#identifiers`);
    }
    ctx.status = 303;
    ctx.redirect(`/admin/users/${ctx.params.id}?done=identifier-removed#identifiers`);
  });

  // No confirmation page: nothing is lost, and the event log records who vouched for the number.
  router.post('/users/:id/phone/mark-verified', async function markPhoneVerified(ctx) {
    const { actor, scope } = staffOf(ctx);
    try {
      await services.phoneVerification.markVerified(ctx.params.id, actor, scope);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      ctx.status = 303;
      return ctx.redirect(`/admin/users/${ctx.params.id}?problem=phone#identifiers`);
    }
    ctx.status = 303;
    ctx.redirect(`/admin/users/${ctx.params.id}?done=phone-marked-verified#identifiers`);
  });

  return router;
}
