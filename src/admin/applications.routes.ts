// The Applications section: the list (applications and personal OAuth applications), create
// (Administrators), the application's page with its users, edit, the secret (shown once),
// deactivate and delete behind confirmations. Who may do what is decided by the clients
// service; routes parse, call it and render.
import Router from '@koa/router';
import type { Context } from 'koa';
import { ValidationError } from '../platform/errors.js';
import type { Views } from '../platform/views.js';
import { applicationInput, personalOrganization, NEW_APPLICATION, storedFormValues, typedFormValues,
  type ApplicationFormValues } from './application-form.js';
import { parseApplicationListQuery } from './applications.input.js';
import { clientIdParam, idParam } from './params.input.js';
import { formChoices, presentApplication, presentApplicationRow, renderSecretPage,
  secretHandover } from './application.presenter.js';
import { formOf, renderConsole, requireAdministrator, staffOf } from './console-context.js';
import { renderApplicationPage } from './application-page.js';
import type { ApplicationService } from '../applications/application.service.js';
import type { OrganizationService } from '../organizations/organization.service.js';

/** The services this section uses, and no others. */
export interface ApplicationSectionServices {
  applications: ApplicationService;
  organizations: OrganizationService;
}

const PAGE_SIZE = 50;

export function applicationRoutes({ services, views, secureCookies }: { services: ApplicationSectionServices;
  views: Views; secureCookies: boolean; }): Router {
  const { applications, organizations } = services;
  const { showSecretOnce, take: takeSecret } = secretHandover(secureCookies);
  const router = new Router();
  router.param('id', idParam(clientIdParam, 'Application'));

  async function renderForm(ctx: Context, template: 'new' | 'edit', values: ApplicationFormValues,
    errors: Record<string, string> = {}, extra: Record<string, unknown> = {}, status = 200) {
    renderConsole(ctx, views, `admin/apps/${template}.njk`, 'apps',
      { values, errors, ...formChoices(applications.canSeal), ...extra }, status);
  }

  router.get('/apps', async function listApplications(ctx) {
    const { viewer, isAdmin, scope } = staffOf(ctx);
    const { kind, q, organizationId, status, after } = parseApplicationListQuery(ctx.query);
    const filter = { kind, q, organizationId, status };
    const page = await applications.list({ ...filter, after, limit: PAGE_SIZE }, viewer);
    const query = (extra: Record<string, string>) => `/admin/apps?${new URLSearchParams({
      kind, ...(filter.q ? { q: filter.q } : {}),
      ...(filter.organizationId ? { org: String(filter.organizationId) } : {}), ...(status ? { status } : {}), ...extra,
    })}`;
    renderConsole(ctx, views, 'admin/apps/list.njk', 'apps', {
      kind, filter, rows: page.rows.map(presentApplicationRow), canCreate: isAdmin,
      next: page.next ? query({ after: page.next }) : undefined, first: after ? query({}) : undefined,
      // A Manager's filter offers their own organization only; a Member's none.
      organizations: kind === 'personal'
        ? (await organizations.names()).filter((o) => scope.kind === 'all' || o.id === scope.organizationId) : [],
      // A code, never the name from the URL (src/platform/http/notices.ts).
      notice: ctx.query.done === 'deleted' ? 'The application was deleted, with every grant and token issued to it.'
      : undefined,
    });
  });

  router.get('/apps/new', requireAdministrator, async function newApplicationForm(ctx) {
    await renderForm(ctx, 'new', NEW_APPLICATION);
  });

  router.post('/apps', requireAdministrator, async function createApplication(ctx) {
    const form = formOf(ctx);
    const { actor, user } = staffOf(ctx);
    try {
      const { input, firstParty } = applicationInput(form);
      const created = await applications.create(input, actor, user.id, { firstParty });
      if (!created.client_secret) {
        ctx.status = 303;
        return ctx.redirect(`/admin/apps/${created.client_id}?created=1`);
      }
      showSecretOnce(ctx, created.client_id, created.client_secret, 'created');
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      await renderForm(ctx, 'new', typedFormValues(form), err.fields, {}, 422);
    }
  });

  // The new secret, shown once (src/platform/http/one-time-view.ts): a reload says it was shown.
  router.get('/apps/:id/secret/new', async function showNewSecret(ctx) {
    const { record, access } = await applications.open(ctx.params.id, staffOf(ctx).viewer);
    const handed = takeSecret(ctx, record.clientId);
    renderSecretPage(ctx, views, { id: record.clientId, name: record.name, kind: record.kind,
      canRegenerate: access.edit, ...handed });
  });

  router.get('/apps/:id', async function showApplication(ctx) {
    await renderApplicationPage(ctx, services, views);
  });

  router.get('/apps/:id/edit', async function editApplicationForm(ctx) {
    const { record, access } = await applications.open(ctx.params.id, staffOf(ctx).viewer, 'edit');
    await renderForm(ctx, 'edit', storedFormValues(record), {},
      { app: presentApplication(record), access, organizations: await organizations.names() });
  });

  router.post('/apps/:id', async function updateApplication(ctx) {
    const { viewer } = staffOf(ctx);
    const { record, access } = await applications.open(ctx.params.id, viewer, 'edit');
    const form = formOf(ctx);
    const personal = record.kind === 'personal';
    try {
      const { input, firstParty, active, organizationId: chosenOrganization } = applicationInput(form);
      // An application owner who is not staff keeps the organization as it is.
      const organizationId = personal && !staffOf(ctx).appsOnly
        ? await personalOrganization(chosenOrganization, viewer.scope, organizations) : undefined;
      const { secret } = await applications.update(record.clientId, input, viewer, {
        firstParty: access.markFirstParty && !personal ? firstParty : undefined, organizationId,
        active: personal ? active : undefined,
      });
      if (secret) return showSecretOnce(ctx, record.clientId, secret, 'replaced');
      ctx.status = 303;
      ctx.redirect(`/admin/apps/${record.clientId}?done=saved`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      await renderForm(ctx, 'edit', typedFormValues(form), err.fields,
        { app: presentApplication(record), access, organizations: await organizations.names() }, 422);
    }
  });

  // Confirmations: regenerate the secret, deactivate, activate, delete.
  const CONFIRM: Record<string, { title: string; button: string; danger?: boolean; need: 'edit' | 'manage';
    explain: (name: string) => string; }> = {
    secret: { title: 'Regenerate the secret of', button: 'Regenerate secret', danger: true, need: 'edit',
      explain: (n) => `A new secret is made and shown once. The current secret of ${n} stops working at once, in every `
        + `server: update the app's configuration right after.` },
    deactivate: { title: 'Deactivate', button: 'Deactivate', danger: true, need: 'manage',
      explain: (n) => `${n} can no longer sign users in or get tokens, and every code and token issued to it is `
        + `deleted. Its settings, people and users' consents are kept; you can activate it again (the old tokens stay `
        + `dead).` },
    activate: { title: 'Activate', button: 'Activate', need: 'manage',
      explain: (n) => `${n} can sign users in and get tokens again.` },
    delete: { title: 'Delete', button: 'Delete for good', danger: true, need: 'manage',
      explain: (n) => `${n} is deleted for good with every consent, code and token issued to it. Apps using its `
        + `credentials stop working. This cannot be undone; deactivate it instead if you may need it again.` },
  };

  for (const [action, text] of Object.entries(CONFIRM)) {
    router.get(`/apps/:id/${action}`, async function confirmApplicationAction(ctx) {
      const { record } = await applications.open(ctx.params.id, staffOf(ctx).viewer, text.need);
      renderConsole(ctx, views, 'admin/apps/confirm.njk', 'apps',
        { app: presentApplication(record), action, text: { ...text, explain: text.explain(record.name) } });
    });
    router.post(`/apps/:id/${action}`, (ctx) => runApplicationAction(ctx, action));
  }

  async function runApplicationAction(ctx: Context, action: string) {
    const { viewer } = staffOf(ctx);
    const id = ctx.params.id;
    switch (action) {
      case 'secret': {
        const { record } = await applications.open(id, viewer, 'edit');
        const secret = await applications.regenerateSecret(id, viewer);
        return showSecretOnce(ctx, record.clientId, secret, 'regenerated');
      }
      case 'delete': {
        await applications.delete(id, viewer);
        ctx.status = 303;
        return ctx.redirect('/admin/apps?done=deleted');
      }
      default:
        await applications.setActive(id, action === 'activate', viewer);
        ctx.status = 303;
        ctx.redirect(`/admin/apps/${id}?done=${action}d`);
    }
  }

  return router;
}
