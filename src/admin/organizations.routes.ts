// Organizations (Administrators only): list, create, rename, delete when empty.
import Router from '@koa/router';
import type { Context } from 'koa';
import { ValidationError } from '../platform/errors.js';
import { parseId, serialId } from '../platform/http/input.js';
import type { OrganizationService } from '../organizations/organization.service.js';
import type { Views } from '../platform/views.js';
import { formOf, renderConsole, requireAdministrator, staffOf } from './console-context.js';
import { formatTime } from '../platform/format.js';
import { keptValues } from '../platform/http/form.input.js';
import { parseOrganizationForm } from './organizations.input.js';
import { organizationIdParam } from './params.input.js';
import { noticeFor } from '../platform/http/notices.js';

/** The path's organization id (a serial column), as a number; organizationIdParam refused any other. */
const idOf = (ctx: Context): number => parseId(serialId, ctx.params.id, 'Organization');

export function organizationRoutes({ organizations, views }: { organizations: OrganizationService;
  views: Views; }): Router {
  const router = new Router({ prefix: '/organizations' });
  router.use(requireAdministrator);
  router.param('id', organizationIdParam);

  async function renderList(ctx: Context, extra: Record<string, unknown> = {}, status = 200) {
    const list = await organizations.list();
    renderConsole(ctx, views, 'admin/organizations/list.njk', 'organizations', {
      organizations: list.map((o) => ({ ...o, created: formatTime(o.createdAt) })), errors: {}, values: {}, ...extra,
    }, status);
  }

  router.get('/', async function listOrganizations(ctx) {
    const notice = noticeFor({ created: 'The organization was created.', renamed: 'The organization was renamed.',
      deleted: 'The organization was deleted.' }, ctx.query.done);
    await renderList(ctx, { notice });
  });

  router.post('/', async function createOrganization(ctx) {
    const form = formOf(ctx);
    const { name } = keptValues(form);
    try {
      await organizations.create(parseOrganizationForm(form), staffOf(ctx).actor, staffOf(ctx).scope);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderList(ctx, { errors: err.fields, values: { name } }, 422);
    }
    ctx.status = 303;
    ctx.redirect('/admin/organizations?done=created');
  });

  router.get('/:id', async function editOrganization(ctx) {
    const org = await organizations.require(idOf(ctx));
    renderConsole(ctx, views, 'admin/organizations/edit.njk', 'organizations',
      { org, values: { name: org.name }, errors: {} });
  });

  router.post('/:id', async function renameOrganization(ctx) {
    const org = await organizations.require(idOf(ctx));
    const form = formOf(ctx);
    const { name } = keptValues(form);
    try {
      await organizations.rename(org.id, parseOrganizationForm(form), staffOf(ctx).actor, staffOf(ctx).scope);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderConsole(ctx, views, 'admin/organizations/edit.njk', 'organizations',
        { org, values: { name }, errors: err.fields }, 422);
    }
    ctx.status = 303;
    ctx.redirect('/admin/organizations?done=renamed');
  });

  router.get('/:id/delete', async function confirmDeleteOrganization(ctx) {
    const org = await organizations.require(idOf(ctx));
    renderConsole(ctx, views, 'admin/organizations/delete.njk', 'organizations',
      { org: { ...org, userCount: await organizations.userCount(org.id) } });
  });

  router.post('/:id/delete', async function deleteOrganization(ctx) {
    await organizations.delete(idOf(ctx), staffOf(ctx).actor, staffOf(ctx).scope);
    ctx.status = 303;
    ctx.redirect('/admin/organizations?done=deleted');
  });

  return router;
}
