// Groups: Administrators manage all of them, Managers those of their organization (whose
// members must be their organization's users). Every change is audited.
import type { Actor, AuditLog } from '../audit/audit.service.js';
import { type Db } from '../db/database.js';
import { NotFoundError, ValidationError } from '../platform/errors.js';
import type { Group, GroupRepository } from './group.repository.js';
import type { StaffScope } from '../platform/access.js';
import type { UserService } from '../users/user.service.js';
import {
  assertMayChangeMembership, assertReachesGroup, groupListFilter, organizationOfNewGroup,
} from './group.policy.js';

const NAME_MAX = 100;
/** The PostgreSQL error code, which pg's errors carry. */
const pgCode = (err: unknown) => (err as { code?: unknown }).code;
const isUniqueViolation = (err: unknown) => pgCode(err) === '23505';

function cleanName(raw: unknown): string {
  const name = typeof raw === 'string' ? raw.trim().replace(/\s+/g, ' ') : '';
  if (!name) throw new ValidationError({ name: 'Give the group a name' });
  if (name.length > NAME_MAX) throw new ValidationError({ name: `Use at most ${NAME_MAX} characters` });
  return name;
}

export function createGroupService({ db, groups, users, audit }: { db: Db; groups: GroupRepository; users: UserService;
  audit: AuditLog; }) {
  async function require(id: string, scope: StaffScope, tx?: Db): Promise<Group> {
    const group = await groups.findById(id, tx);
    assertReachesGroup(scope, group);
    return group!;
  }

  /**
   * The users, all ones the scope may change (else not found, or refused for an Administrator), for
   * membership changes.
   */
  async function requireMembers(userIds: string[], scope: StaffScope, tx?: Db): Promise<string[]> {
    const ids = [...new Set(userIds)];
    const found = await users.findByIds(ids, tx);
    if (found.length !== ids.length) throw new NotFoundError('User');
    for (const user of found) assertMayChangeMembership(scope, user);
    return ids;
  }

  const named = (err: unknown): never => {
    if (isUniqueViolation(err)) throw new ValidationError({ name: 'A group with this name exists already' });
    throw err;
  };

  return {
    list: (scope: StaffScope) => groups.list(groupListFilter(scope)),
    get: (id: string, scope: StaffScope) => require(id, scope),
    members: (groupId: string, tx?: Db) => groups.members(groupId, tx),
    groupsOf: (userId: string) => groups.groupsOf(userId),

    /** `tx`: an outer unit of work to join (SCIM creates a group and its members in one). */
    async create(
      input: { name: unknown; organizationId?: number | string | null; externalId?: string | null }, actor: Actor,
      scope: StaffScope, tx?: Db,
    ): Promise<Group> {
      const name = cleanName(input.name);
      const organizationId = organizationOfNewGroup(scope, input.organizationId === undefined
        || input.organizationId === null || input.organizationId === '' ? null : Number(input.organizationId));
      if (organizationId !== null && !Number.isSafeInteger(organizationId)) {
        throw new ValidationError({ organizationId: 'Choose an existing organization' });
      }
      try {
        return await (tx ?? db).transaction(async (t) => {
          const created = await groups.insert(name, organizationId, input.externalId ?? null, t);
          await audit.record({ actor, action: 'group.created', details: { group: created, name, organizationId } }, t);
          return (await groups.findById(created, t))!;
        });
      } catch (err) {
        if (pgCode(err) === '23503') throw new ValidationError({ organizationId: 'Choose an existing organization' });
        return named(err);
      }
    },

    async rename(id: string, rawName: unknown, actor: Actor, scope: StaffScope, tx?: Db): Promise<void> {
      const group = await require(id, scope, tx);
      const name = cleanName(rawName);
      try {
        await (tx ?? db).transaction(async (t) => {
          await groups.rename(id, name, t);
          await audit.record({ actor, action: 'group.renamed', details: { group: id, from: group.name, to: name } }, t);
        });
      } catch (err) {
        named(err);
      }
    },

    /** `outer`: a unit of work to join (SCIM deletes under the group's lock). */
    async delete(id: string, actor: Actor, scope: StaffScope, outer?: Db): Promise<void> {
      const group = await require(id, scope, outer);
      // Deleting a group ends its memberships: an Administrator's among them is theirs to change only.
      for (const member of await groups.members(id, outer)) assertMayChangeMembership(scope, member);
      await (outer ?? db).transaction(async (tx) => {
        await groups.delete(id, tx);
        await audit.record({ actor, action: 'group.deleted',
          details: { group: id, name: group.name, members: group.memberCount } }, tx);
      });
    },

    async addMembers(id: string, userIds: string[], actor: Actor, scope: StaffScope, tx?: Db): Promise<number> {
      const group = await require(id, scope, tx);
      const ids = await requireMembers(userIds, scope, tx);
      return (tx ?? db).transaction(async (t) => {
        const added = await groups.addMembers(id, ids, t);
        for (const userId of added) {
          await audit.record({ actor, action: 'group.member_added', targetUserId: userId,
            details: { group: id, name: group.name } }, t);
        }
        return added.length;
      });
    },

    async removeMembers(id: string, userIds: string[], actor: Actor, scope: StaffScope, tx?: Db): Promise<number> {
      const group = await require(id, scope, tx);
      const ids = await requireMembers(userIds, scope, tx);
      return (tx ?? db).transaction(async (t) => {
        const removed = await groups.removeMembers(id, ids, t);
        for (const userId of removed) {
          await audit.record({ actor, action: 'group.member_removed', targetUserId: userId,
            details: { group: id, name: group.name } }, t);
        }
        return removed.length;
      });
    },
  };
}

export type GroupService = ReturnType<typeof createGroupService>;
