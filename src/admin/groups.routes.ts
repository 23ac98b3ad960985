// Groups in the console: list and create, a group's page (members, rename, delete), and
// adding a user to a group from their profile. Managers see their organization's groups.
import Router from '@koa/router';
import type { Context } from 'koa';
import { NotFoundError, ValidationError } from '../directory/errors.js';
import type { Services } from '../services.js';
import type { Views } from '../http/views.js';
import { firstOf, formOf, renderConsole, staffOf } from './console-context.js';
import { formatTime, publicName } from './user.presenter.js';

export function groupRoutes({ services, views }: { services: Services; views: Views }): Router {
  const { groups, users, organizations } = services;
  const router = new Router();
  const NOTICES: Record<string, string> = {
    created: 'The group was created.', renamed: 'The group was renamed.', deleted: 'The group was deleted.',
    added: 'The user was added to the group.', removed: 'The user was removed from the group.',
  };

  async function renderList(ctx: Context, extra: Record<string, unknown> = {}, status = 200) {
    const { scope } = staffOf(ctx);
    const [list, orgs] = await Promise.all([groups.list(scope), organizations.names()]);
    renderConsole(ctx, views, 'admin/groups/list.njk', 'groups', {
      groups: list.map((g) => ({ ...g, created: formatTime(g.createdAt) })), values: {}, errors: {},
      organizations: scope.kind === 'all' ? orgs : orgs.filter((o) => o.id === scope.organizationId),
      notice: NOTICES[String(ctx.query.done)], ...extra,
    }, status);
  }

  async function renderGroup(ctx: Context, extra: Record<string, unknown> = {}, status = 200) {
    const group = await groups.get(ctx.params.id, staffOf(ctx).scope);
    const members = await groups.members(group.id);
    renderConsole(ctx, views, 'admin/groups/show.njk', 'groups', {
      group, members: members.map((m) => ({ ...m, name: publicName({ ...m, givenName: null, familyName: null, phoneNumber: null }), added: formatTime(m.addedAt) })),
      errors: {}, values: { name: group.name }, notice: NOTICES[String(ctx.query.done)], ...extra,
    }, status);
  }

  router.get('/groups', async function listGroups(ctx) {
    await renderList(ctx);
  });

  router.post('/groups', async function createGroup(ctx) {
    const form = formOf(ctx);
    const values = { name: firstOf(form.name), organizationId: firstOf(form.organizationId) };
    try {
      const group = await groups.create(values, staffOf(ctx).actor, staffOf(ctx).scope);
      ctx.status = 303;
      ctx.redirect(`/admin/groups/${group.id}?done=created`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      await renderList(ctx, { values, errors: err.fields }, 422);
    }
  });

  router.get('/groups/:id', async function showGroup(ctx) {
    await renderGroup(ctx);
  });

  router.post('/groups/:id/rename', async function renameGroup(ctx) {
    const name = firstOf(formOf(ctx).name);
    try {
      await groups.rename(ctx.params.id, name, staffOf(ctx).actor, staffOf(ctx).scope);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderGroup(ctx, { errors: err.fields, values: { name } }, 422);
    }
    ctx.status = 303;
    ctx.redirect(`/admin/groups/${ctx.params.id}?done=renamed`);
  });

  router.post('/groups/:id/members', async function addMember(ctx) {
    const { actor, scope } = staffOf(ctx);
    const typed = firstOf(formOf(ctx).user);
    const userId = typed ? await users.resolveId(typed) : undefined;
    try {
      if (!userId) throw new ValidationError({ user: `No user "${typed}" was found` });
      await groups.addMembers(ctx.params.id, [userId], actor, scope);
    } catch (err) {
      if (err instanceof NotFoundError && err.message.startsWith('User')) return renderGroup(ctx, { errors: { user: `No user "${typed}" was found` } }, 422);
      if (!(err instanceof ValidationError)) throw err;
      return renderGroup(ctx, { errors: err.fields, addValue: typed }, 422);
    }
    ctx.status = 303;
    ctx.redirect(`/admin/groups/${ctx.params.id}?done=added`);
  });

  router.post('/groups/:id/members/remove', async function removeMember(ctx) {
    const { actor, scope } = staffOf(ctx);
    await groups.removeMembers(ctx.params.id, [firstOf(formOf(ctx).user)], actor, scope);
    ctx.status = 303;
    const back = firstOf(formOf(ctx).back);
    ctx.redirect(back === 'profile' ? `/admin/users/${firstOf(formOf(ctx).user)}?done=group-removed#groups` : `/admin/groups/${ctx.params.id}?done=removed`);
  });

  router.get('/groups/:id/delete', async function confirmDeleteGroup(ctx) {
    renderConsole(ctx, views, 'admin/groups/delete.njk', 'groups', { group: await groups.get(ctx.params.id, staffOf(ctx).scope) });
  });

  router.post('/groups/:id/delete', async function deleteGroup(ctx) {
    await groups.delete(ctx.params.id, staffOf(ctx).actor, staffOf(ctx).scope);
    ctx.status = 303;
    ctx.redirect('/admin/groups?done=deleted');
  });

  // From a user's profile: into an existing group, or a new one made on the spot.
  router.post('/users/:id/groups', async function addUserToGroup(ctx) {
    const { actor, scope } = staffOf(ctx);
    const user = await users.getChangeable(ctx.params.id, scope);
    const form = formOf(ctx);
    try {
      let groupId = firstOf(form.group);
      if (!groupId) groupId = (await groups.create({ name: firstOf(form.newGroup), organizationId: user.organizationId }, actor, scope)).id;
      await groups.addMembers(groupId, [user.id], actor, scope);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      ctx.status = 303;
      return ctx.redirect(`/admin/users/${user.id}?problem=group#groups`);
    }
    ctx.status = 303;
    ctx.redirect(`/admin/users/${user.id}?done=group-added#groups`);
  });

  return router;
}
