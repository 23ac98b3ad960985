// Groups: Administrators manage all of them, Managers those of their organization (whose
// members must be their organization's users). Every change is audited.
import type { DataSource } from 'typeorm';
import type { Actor, AuditLog } from '../audit/audit.service.js';
import { NotFoundError, ValidationError } from '../platform/errors.js';
import type { Group, GroupRepository } from './group.repository.js';
import { assertMayChange, type StaffScope } from '../users/staff-scope.js';
import type { UserService } from '../users/user.service.js';

const NAME_MAX = 100;
const GROUPS_OF_ADMINISTRATORS = "Only an Administrator can change an Administrator's groups.";
const isUniqueViolation = (err: unknown) => (err as { driverError?: { code?: string } }).driverError?.code === '23505';

function cleanName(raw: unknown): string {
  const name = typeof raw === 'string' ? raw.trim().replace(/\s+/g, ' ') : '';
  if (!name) throw new ValidationError({ name: 'Give the group a name' });
  if (name.length > NAME_MAX) throw new ValidationError({ name: `Use at most ${NAME_MAX} characters` });
  return name;
}

export function createGroupService({ dataSource, groups, users, audit }: { dataSource: DataSource; groups: GroupRepository; users: UserService; audit: AuditLog }) {
  async function require(id: string, scope: StaffScope): Promise<Group> {
    const group = await groups.findById(id);
    if (!group || (scope.kind === 'organization' && (scope.organizationId === null || group.organizationId !== scope.organizationId))) {
      throw new NotFoundError('Group');
    }
    return group;
  }

  /** The users, all ones the scope may change (else not found, or refused for an Administrator), for membership changes. */
  async function requireMembers(userIds: string[], scope: StaffScope): Promise<string[]> {
    const ids = [...new Set(userIds)];
    for (const id of ids) {
      const user = await users.findById(id);
      if (!user || user.deletedAt) throw new NotFoundError('User');
      assertMayChange(scope, user, GROUPS_OF_ADMINISTRATORS);
    }
    return ids;
  }

  const named = (err: unknown): never => {
    if (isUniqueViolation(err)) throw new ValidationError({ name: 'A group with this name exists already' });
    throw err;
  };

  return {
    list: (scope: StaffScope) => groups.list(scope.kind === 'all' ? undefined : scope.organizationId),
    get: require,
    members: (groupId: string) => groups.members(groupId),
    groupsOf: (userId: string) => groups.groupsOf(userId),

    async create(input: { name: unknown; organizationId?: number | string | null; externalId?: string | null }, actor: Actor, scope: StaffScope): Promise<Group> {
      const name = cleanName(input.name);
      let organizationId = input.organizationId === undefined || input.organizationId === null || input.organizationId === '' ? null : Number(input.organizationId);
      if (scope.kind === 'organization') organizationId = scope.organizationId;
      if (organizationId !== null && !Number.isSafeInteger(organizationId)) throw new ValidationError({ organizationId: 'Choose an existing organization' });
      try {
        const id = await dataSource.transaction(async (manager) => {
          const created = await groups.insert(name, organizationId, input.externalId ?? null, manager);
          await audit.record({ actor, action: 'group.created', details: { group: created, name, organizationId } }, manager);
          return created;
        });
        return (await groups.findById(id))!;
      } catch (err) {
        if ((err as { driverError?: { code?: string } }).driverError?.code === '23503') throw new ValidationError({ organizationId: 'Choose an existing organization' });
        return named(err);
      }
    },

    async rename(id: string, rawName: unknown, actor: Actor, scope: StaffScope): Promise<void> {
      const group = await require(id, scope);
      const name = cleanName(rawName);
      try {
        await dataSource.transaction(async (manager) => {
          await groups.rename(id, name, manager);
          await audit.record({ actor, action: 'group.renamed', details: { group: id, from: group.name, to: name } }, manager);
        });
      } catch (err) {
        named(err);
      }
    },

    async delete(id: string, actor: Actor, scope: StaffScope): Promise<void> {
      const group = await require(id, scope);
      // Deleting a group ends its memberships: an Administrator's among them is theirs to change only.
      for (const member of await groups.members(id)) assertMayChange(scope, member, GROUPS_OF_ADMINISTRATORS);
      await dataSource.transaction(async (manager) => {
        await groups.delete(id, manager);
        await audit.record({ actor, action: 'group.deleted', details: { group: id, name: group.name, members: group.memberCount } }, manager);
      });
    },

    async addMembers(id: string, userIds: string[], actor: Actor, scope: StaffScope): Promise<number> {
      const group = await require(id, scope);
      const ids = await requireMembers(userIds, scope);
      return dataSource.transaction(async (manager) => {
        const added = await groups.addMembers(id, ids, manager);
        for (const userId of added) await audit.record({ actor, action: 'group.member_added', targetUserId: userId, details: { group: id, name: group.name } }, manager);
        return added.length;
      });
    },

    async removeMembers(id: string, userIds: string[], actor: Actor, scope: StaffScope): Promise<number> {
      const group = await require(id, scope);
      const ids = await requireMembers(userIds, scope);
      return dataSource.transaction(async (manager) => {
        const removed = await groups.removeMembers(id, ids, manager);
        for (const userId of removed) await audit.record({ actor, action: 'group.member_removed', targetUserId: userId, details: { group: id, name: group.name } }, manager);
        return removed.length;
      });
    },
  };
}

export type GroupService = ReturnType<typeof createGroupService>;
