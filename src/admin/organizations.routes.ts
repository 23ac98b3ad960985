// Organizations (Administrators only): list, create, rename, delete when empty.
import Router from '@koa/router';
import type { Context } from 'koa';
import { NotFoundError, ValidationError } from '../directory/errors.js';
import type { OrganizationService } from '../directory/organization.service.js';
import type { Views } from '../http/views.js';
import { firstOf, formOf, renderConsole, requireAdministrator, staffOf } from './console-context.js';
import { formatTime } from './user.presenter.js';

function idOf(ctx: Context): number {
  const id = Number(ctx.params.id);
  if (!/^[1-9][0-9]{0,9}$/.test(ctx.params.id) || id > 2_147_483_647) throw new NotFoundError('Organization');
  return id;
}

export function organizationRoutes({ organizations, views }: { organizations: OrganizationService; views: Views }): Router {
  const router = new Router({ prefix: '/organizations' });
  router.use(requireAdministrator);

  async function renderList(ctx: Context, extra: Record<string, unknown> = {}, status = 200) {
    const list = await organizations.list();
    renderConsole(ctx, views, 'admin/organizations/list.njk', 'organizations', {
      organizations: list.map((o) => ({ ...o, created: formatTime(o.createdAt) })), errors: {}, values: {}, ...extra,
    }, status);
  }

  router.get('/', async function listOrganizations(ctx) {
    const notice = { created: 'The organization was created.', renamed: 'The organization was renamed.', deleted: 'The organization was deleted.' }[String(ctx.query.done)];
    await renderList(ctx, { notice });
  });

  router.post('/', async function createOrganization(ctx) {
    const name = firstOf(formOf(ctx).name);
    try {
      await organizations.create(name, staffOf(ctx).actor);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderList(ctx, { errors: err.fields, values: { name } }, 422);
    }
    ctx.status = 303;
    ctx.redirect('/admin/organizations?done=created');
  });

  router.get('/:id', async function editOrganization(ctx) {
    const org = await organizations.require(idOf(ctx));
    renderConsole(ctx, views, 'admin/organizations/edit.njk', 'organizations', { org, values: { name: org.name }, errors: {} });
  });

  router.post('/:id', async function renameOrganization(ctx) {
    const org = await organizations.require(idOf(ctx));
    const name = firstOf(formOf(ctx).name);
    try {
      await organizations.rename(org.id, name, staffOf(ctx).actor);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderConsole(ctx, views, 'admin/organizations/edit.njk', 'organizations', { org, values: { name }, errors: err.fields }, 422);
    }
    ctx.status = 303;
    ctx.redirect('/admin/organizations?done=renamed');
  });

  router.get('/:id/delete', async function confirmDeleteOrganization(ctx) {
    const org = await organizations.require(idOf(ctx));
    renderConsole(ctx, views, 'admin/organizations/delete.njk', 'organizations', { org: { ...org, userCount: await organizations.userCount(org.id) } });
  });

  router.post('/:id/delete', async function deleteOrganization(ctx) {
    await organizations.delete(idOf(ctx), staffOf(ctx).actor);
    ctx.status = 303;
    ctx.redirect('/admin/organizations?done=deleted');
  });

  return router;
}
