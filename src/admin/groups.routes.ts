// Groups in the console: list and create, a group's page (members, rename, delete), and
// adding a user to a group from their profile. Managers see their organization's groups.
import Router from '@koa/router';
import type { Context } from 'koa';
import { NotFoundError, ValidationError } from '../platform/errors.js';
import { AdministratorProtectedError, mayChange } from '../users/user.policy.js';
import type { Views } from '../platform/views.js';
import { formOf, renderConsole, staffOf } from './console-context.js';
import { formatTime } from '../platform/format.js';
import { publicName } from '../users/public-name.js';
import { keptValues } from '../platform/http/form.input.js';
import { parseAddMemberForm, parseGroupForm, parseProfileGroupForm, parseRemoveMemberForm,
  parseRenameForm } from './groups.input.js';
import { groupPath, userPath } from './params.input.js';
import { noticeFor } from '../platform/http/notices.js';
import type { GroupService } from '../groups/group.service.js';
import type { OrganizationService } from '../organizations/organization.service.js';
import type { UserService } from '../users/user.service.js';

/** The services this section uses, and no others. */
export interface GroupSectionServices {
  groups: GroupService;
  organizations: OrganizationService;
  users: UserService;
}

export function groupRoutes({ services, views }: { services: GroupSectionServices; views: Views }): Router {
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
      notice: noticeFor(NOTICES, ctx.query.done), ...extra,
    }, status);
  }

  async function renderGroup(ctx: Context, extra: Record<string, unknown> = {}, status = 200) {
    const group = await groups.get(ctx.params.id, staffOf(ctx).scope);
    const members = await groups.members(group.id);
    renderConsole(ctx, views, 'admin/groups/show.njk', 'groups', {
      group, members: members.map((m) => ({ ...m,
        name: publicName({ ...m, givenName: null, familyName: null, phoneNumber: null }), added: formatTime(m.addedAt),
        canChange: mayChange(staffOf(ctx).scope, m) })),
      errors: {}, values: { name: group.name }, notice: noticeFor(NOTICES, ctx.query.done), ...extra,
    }, status);
  }

  router.get('/groups', async function listGroups(ctx) {
    await renderList(ctx);
  });

  router.post('/groups', async function createGroup(ctx) {
    const form = formOf(ctx);
    const values = keptValues(form);
    try {
      const group = await groups.create(parseGroupForm(form), staffOf(ctx).actor, staffOf(ctx).scope);
      ctx.status = 303;
      ctx.redirect(`/admin/groups/${group.id}?done=created`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      await renderList(ctx, { values, errors: err.fields }, 422);
    }
  });

  router.get('/groups/:id', groupPath, async function showGroup(ctx) {
    await renderGroup(ctx);
  });

  router.post('/groups/:id/rename', groupPath, async function renameGroup(ctx) {
    const form = formOf(ctx);
    const { name } = keptValues(form);
    try {
      await groups.rename(ctx.params.id, parseRenameForm(form), staffOf(ctx).actor, staffOf(ctx).scope);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderGroup(ctx, { errors: err.fields, values: { name } }, 422);
    }
    ctx.status = 303;
    ctx.redirect(`/admin/groups/${ctx.params.id}?done=renamed`);
  });

  router.post('/groups/:id/members', groupPath, async function addMember(ctx) {
    const { actor, scope } = staffOf(ctx);
    const typed = keptValues(formOf(ctx)).user ?? '';
    try {
      const wanted = parseAddMemberForm(formOf(ctx));
      const userId = wanted ? await users.resolveId(wanted) : undefined;
      if (!userId) throw new ValidationError({ user: `No user "${typed}" was found` });
      await groups.addMembers(ctx.params.id, [userId], actor, scope);
    } catch (err) {
      if (err instanceof NotFoundError && err.message.startsWith('User')) {
        return renderGroup(ctx, { errors: { user: `No user "${typed}" was found` } }, 422);
      }
      if (err instanceof AdministratorProtectedError) {
        return renderGroup(ctx, { errors: { user: err.message }, addValue: typed }, 422);
      }
      if (!(err instanceof ValidationError)) throw err;
      return renderGroup(ctx, { errors: err.fields, addValue: typed }, 422);
    }
    ctx.status = 303;
    ctx.redirect(`/admin/groups/${ctx.params.id}?done=added`);
  });

  router.post('/groups/:id/members/remove', groupPath, async function removeMember(ctx) {
    const { actor, scope } = staffOf(ctx);
    const { user, back } = parseRemoveMemberForm(formOf(ctx));
    await groups.removeMembers(ctx.params.id, [user], actor, scope);
    ctx.status = 303;
    ctx.redirect(back === 'profile' ? `/admin/users/${user}?done=group-removed#groups`
      : `/admin/groups/${ctx.params.id}?done=removed`);
  });

  router.get('/groups/:id/delete', groupPath, async function confirmDeleteGroup(ctx) {
    renderConsole(ctx, views, 'admin/groups/delete.njk', 'groups',
      { group: await groups.get(ctx.params.id, staffOf(ctx).scope) });
  });

  router.post('/groups/:id/delete', groupPath, async function deleteGroup(ctx) {
    await groups.delete(ctx.params.id, staffOf(ctx).actor, staffOf(ctx).scope);
    ctx.status = 303;
    ctx.redirect('/admin/groups?done=deleted');
  });

  // From a user's profile: into an existing group, or a new one made on the spot.
  router.post('/users/:id/groups', userPath, async function addUserToGroup(ctx) {
    const { actor, scope } = staffOf(ctx);
    const user = await users.getChangeable(ctx.params.id, scope);
    const form = formOf(ctx);
    try {
      const chosen = parseProfileGroupForm(form);
      const groupId = chosen.group
        || (await groups.create({ name: chosen.newGroup, organizationId: user.organizationId }, actor, scope)).id;
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
