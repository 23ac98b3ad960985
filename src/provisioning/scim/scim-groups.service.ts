// SCIM Groups over the directory's groups: representation, list with filter/sort/paging,
// and saving a desired state (POST, PUT or a patched resource) through the group service —
// renames, membership changes and their audit events, the owner's organization scope. One
// request is one transaction: a group is never left created without its members, or renamed
// with half its members changed.
import { type Db } from '../../db/database.js';
import { NotFoundError } from '../../platform/errors.js';
import type { Group } from '../../groups/group.repository.js';
import type { StaffScope } from '../../platform/access.js';
import { compileFilter } from './filter-sql.js';
import { parseFilter } from './filter.js';
import { invalidFilter, invalidValue, mutability, notFound } from './scim-error.js';
import { asScimError, get, type Json } from './scim-json.js';
import { ATTRIBUTE_NAMES, GROUP_MAPPING, GROUP_SCHEMA, GROUP_SORTABLE } from './scim-schemas.js';
import { createScimGroupRepository, groupScopeConditions } from './scim-groups.repository.js';
import type { ScimCaller } from './scim-users.service.js';
import type { AuditLog } from '../../audit/audit.service.js';
import type { GroupService } from '../../groups/group.service.js';

/** The services this section uses, and no others. */
export interface ScimGroupServices {
  audit: AuditLog;
  groups: GroupService;
}

function memberIds(resource: Json): string[] | undefined {
  const members = get(resource, 'members');
  if (members === undefined) return undefined;
  if (members === null) return [];
  if (!Array.isArray(members)) throw invalidValue('members must be a list');
  return members.map((m) => {
    const value = get(m, 'value');
    if (typeof value !== 'string' || !/^[0-9]{1,18}$/.test(value)) {
      throw invalidValue('each member needs the value (id) of a user');
    }
    return value;
  });
}

export function createScimGroups({ services, db, issuer }: { services: ScimGroupServices; db: Db; issuer: string }) {
  const { groups } = services;
  const repository = createScimGroupRepository(db);
  const base = `${issuer}/scim/v2`;

  async function find(id: string, scope: StaffScope): Promise<Group> {
    try {
      return await groups.get(id, scope);
    } catch (err) {
      if (err instanceof NotFoundError) throw notFound(`Group ${id} not found`);
      throw err;
    }
  }

  async function represent(group: Group): Promise<Json> {
    const members = await groups.members(group.id);
    return {
      schemas: [GROUP_SCHEMA], id: group.id, ...(group.externalId ? { externalId: group.externalId } : {}),
      displayName: group.name,
      members: members.map((m) => ({ value: m.id, display: m.nickname ?? m.login ?? m.email ?? undefined,
        $ref: `${base}/Users/${m.id}` })),
      meta: { resourceType: 'Group', created: group.createdAt.toISOString(),
        lastModified: group.updatedAt.toISOString(), location: `${base}/Groups/${group.id}` },
    };
  }

  /** Brings a group to the desired name, externalId and (when given) exact member list, in `tx`. */
  async function apply(group: Group, resource: Json, caller: ScimCaller, tx: Db): Promise<void> {
    const name = get(resource, 'displayName');
    const externalId = get(resource, 'externalId');
    const wanted = memberIds(resource);
    try {
      if (typeof name === 'string' && name !== group.name) {
        await groups.rename(group.id, name, caller.actor, caller.scope, tx);
      }
      if (wanted) {
        const current = new Set((await groups.members(group.id, tx)).map((m) => m.id));
        const add = wanted.filter((id) => !current.has(id));
        const remove = [...current].filter((id) => !wanted.includes(id));
        if (add.length) await groups.addMembers(group.id, add, caller.actor, caller.scope, tx);
        if (remove.length) await groups.removeMembers(group.id, remove, caller.actor, caller.scope, tx);
      }
    } catch (err) {
      return asScimError(err);
    }
    if (externalId !== undefined && (externalId ?? null) !== group.externalId) {
      await repository.setExternalId(group.id, externalId ?? null, tx);
      await services.audit.record({ actor: caller.actor, action: 'group.external_id_changed',
        details: { group: group.id, externalId } }, tx);
    }
  }

  /** `apply` as one transaction, then the group as saved. */
  async function save(group: Group, resource: Json, caller: ScimCaller): Promise<Group> {
    await db.transaction((tx) => apply(group, resource, caller, tx));
    return find(group.id, caller.scope);
  }

  return {
    find,
    represent,

    async create(resource: Json, caller: ScimCaller): Promise<Group> {
      if (get(resource, 'id') !== undefined) throw mutability('id is assigned by the server');
      const name = get(resource, 'displayName');
      if (typeof name !== 'string' || !name.trim()) throw invalidValue('displayName is required');
      // The group and its members in one transaction: a member refused undoes the creation.
      const id = await db.transaction(async (tx) => {
        let group: Group;
        try {
          group = await groups.create({ name,
            externalId: typeof get(resource, 'externalId') === 'string' ? (get(resource, 'externalId') as string)
            : null },
          caller.actor, caller.scope, tx);
        } catch (err) {
          return asScimError(err);
        }
        await apply(group, { members: get(resource, 'members') ?? [] }, caller, tx);
        return group.id;
      });
      return find(id, caller.scope);
    },

    async replace(id: string, resource: Json, caller: ScimCaller): Promise<Group> {
      const group = await find(id, caller.scope);
      const sentId = get(resource, 'id');
      if (sentId !== undefined && String(sentId) !== id) throw mutability('id cannot change');
      if (typeof get(resource, 'displayName') !== 'string') throw invalidValue('displayName is required');
      return save(group,
        { ...resource, members: get(resource, 'members') ?? [], externalId: get(resource, 'externalId') ?? null },
        caller);
    },

    async savePatched(group: Group, patched: Json, caller: ScimCaller): Promise<Group> {
      if (String(get(patched, 'id')) !== group.id) throw mutability('id cannot change');
      return save(group,
        { ...patched, members: get(patched, 'members') ?? [], externalId: get(patched, 'externalId') ?? null }, caller);
    },

    async delete(id: string, caller: ScimCaller): Promise<void> {
      await find(id, caller.scope);
      await groups.delete(id, caller.actor, caller.scope);
    },

    async list(query: { filter?: string; startIndex: number; count: number; sortBy?: string; sortOrder?: string },
      scope: StaffScope): Promise<{ total: number; resources: Group[] }> {
      const { conditions, values } = groupScopeConditions(scope);
      if (query.filter) {
        conditions.push(compileFilter(parseFilter(query.filter, { names: ATTRIBUTE_NAMES }), GROUP_MAPPING, values));
      }
      const sortKey = query.sortBy?.toLowerCase();
      if (sortKey && !GROUP_SORTABLE[sortKey]) throw invalidFilter(`cannot sort by ${query.sortBy}`);
      const { total, ids } = await repository.page({
        conditions, values, sortColumn: sortKey ? GROUP_SORTABLE[sortKey] : undefined,
        descending: query.sortOrder?.toLowerCase() === 'descending',
        startIndex: query.startIndex, count: query.count,
      });
      const found = await Promise.all(ids.map((id) => find(id, scope)));
      return { total, resources: found };
    },
  };
}

export type ScimGroups = ReturnType<typeof createScimGroups>;
