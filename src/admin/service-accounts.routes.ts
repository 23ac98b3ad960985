// Service accounts (Administrators only): the list with each key's hint, creation, last use and
// expiry; create; regenerate the key and delete, each after a confirmation page.
//
// A new key is shown once (src/platform/http/one-time-view.ts): the POST that makes it answers
// 303 to the key's page, which shows it once; reloading that page (or coming back to it) shows
// that the key was shown already, never the key again, and never makes another.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { ServiceAccountRow, ServiceAccounts } from '../api-keys/service-account.service.js';
import type { OrganizationService } from '../organizations/organization.service.js';
import { ValidationError } from '../platform/errors.js';
import { formatTime } from '../platform/format.js';
import { keptValues } from '../platform/http/form.input.js';
import { bigserialId } from '../platform/http/input.js';
import { noticeFor } from '../platform/http/notices.js';
import { oneTimeView } from '../platform/http/one-time-view.js';
import type { Views } from '../platform/views.js';
import { formOf, renderConsole, requireAdministrator, staffOf } from './console-context.js';
import { idParam } from './params.input.js';
import { parseRegenerateForm, parseServiceAccountForm } from './service-accounts.input.js';
import { ROLE_LABELS } from './user.presenter.js';

/** The services this section uses, and no others. */
export interface ServiceAccountSectionServices {
  serviceAccounts: ServiceAccounts;
  organizations: OrganizationService;
}

const SECTION = 'service-accounts';
const BASE = '/admin/service-accounts';

const NOTICES = { deleted: 'The service account was deleted; its key no longer works.' };

function present(account: ServiceAccountRow, now = new Date()) {
  const { key } = account;
  return {
    id: account.id, name: account.name, role: ROLE_LABELS[account.role], organization: account.organizationName ?? '',
    stopped: account.stopped, created: formatTime(account.createdAt),
    key: key ? {
      hint: key.hint, created: formatTime(key.createdAt), lastUsed: formatTime(key.lastUsedAt) || 'never',
      expires: formatTime(key.expiresAt) || 'never', expired: Boolean(key.expiresAt && key.expiresAt <= now),
    } : null,
  };
}

/** The day a key stops working, as the regeneration form shows it (empty for none or one already past). */
function expiryDay(account: ServiceAccountRow): string {
  const at = account.key?.expiresAt;
  return at && at > new Date() ? at.toISOString().slice(0, 10) : '';
}

export function serviceAccountRoutes({ services, views, secureCookies }: {
  services: ServiceAccountSectionServices; views: Views; secureCookies: boolean; }): Router {
  const { serviceAccounts, organizations } = services;
  const router = new Router({ prefix: '/service-accounts' });
  router.use(requireAdministrator);
  router.param('id', idParam(bigserialId, 'Service account'));

  const newKey = oneTimeView<string>({ cookie: 'foyer.new-api-key', path: () => BASE, secure: secureCookies });
  /** Hands the new key to the result page (see the top of this file). */
  const showKeyOnce = (ctx: Context, id: string, key: string) => newKey.showOnce(ctx, id, key, `${BASE}/${id}/key`);

  async function renderList(ctx: Context, extra: Record<string, unknown> = {}, status = 200) {
    const [list, orgs] = await Promise.all([serviceAccounts.list(staffOf(ctx).scope), organizations.names()]);
    renderConsole(ctx, views, 'admin/service-accounts/list.njk', SECTION, {
      accounts: list.map((a) => present(a)), organizations: orgs, values: { role: 'ADMIN' }, errors: {},
      notice: noticeFor(NOTICES, ctx.query.done), ...extra,
    }, status);
  }

  router.get('/', async function listServiceAccounts(ctx) {
    await renderList(ctx);
  });

  router.post('/', async function createServiceAccount(ctx) {
    const form = formOf(ctx);
    const values = keptValues(form);
    try {
      const { account, key } = await serviceAccounts.create(parseServiceAccountForm(form), staffOf(ctx).actor,
        staffOf(ctx).scope);
      showKeyOnce(ctx, account.id, key);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      await renderList(ctx, { values, errors: err.fields }, 422);
    }
  });

  router.get('/:id/key', async function showNewKey(ctx) {
    const account = await serviceAccounts.get(ctx.params.id, staffOf(ctx).scope);
    const key = newKey.take(ctx, account.id);
    ctx.set('Referrer-Policy', 'no-referrer');
    renderConsole(ctx, views, 'admin/service-accounts/key.njk', SECTION, { account: present(account), key });
  });

  router.get('/:id/regenerate', async function confirmRegenerateKey(ctx) {
    const account = await serviceAccounts.get(ctx.params.id, staffOf(ctx).scope);
    renderConsole(ctx, views, 'admin/service-accounts/regenerate.njk', SECTION,
      { account: present(account), values: { expires: expiryDay(account) }, errors: {} });
  });

  router.post('/:id/regenerate', async function regenerateKey(ctx) {
    const form = formOf(ctx);
    const { actor, scope } = staffOf(ctx);
    try {
      const { account, key } = await serviceAccounts.regenerateKey(ctx.params.id, parseRegenerateForm(form), actor,
        scope);
      showKeyOnce(ctx, account.id, key);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const account = await serviceAccounts.get(ctx.params.id, scope);
      renderConsole(ctx, views, 'admin/service-accounts/regenerate.njk', SECTION,
        { account: present(account), values: keptValues(form), errors: err.fields }, 422);
    }
  });

  router.get('/:id/delete', async function confirmDeleteServiceAccount(ctx) {
    const account = await serviceAccounts.get(ctx.params.id, staffOf(ctx).scope);
    renderConsole(ctx, views, 'admin/service-accounts/delete.njk', SECTION, { account: present(account) });
  });

  router.post('/:id/delete', async function deleteServiceAccount(ctx) {
    await serviceAccounts.delete(ctx.params.id, staffOf(ctx).actor, staffOf(ctx).scope);
    ctx.status = 303;
    ctx.redirect(`${BASE}?done=deleted`);
  });

  return router;
}
