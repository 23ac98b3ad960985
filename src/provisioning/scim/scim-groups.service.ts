// SCIM Groups over the directory's groups: representation, list with filter/sort/paging,
// and saving a desired state (POST, PUT or a patched resource) through the group service —
// renames, membership changes and their audit events, the owner's organization scope. One
// request is one transaction holding the group's row: a group is never left created without
// its members or renamed with half its members changed, and concurrent member changes take
// turns instead of undoing each other. Members are added and removed row by row; a Manager's
// key sees, and changes, only the members of its organization.
import { type Db } from '../../db/database.js';
import type { StaffScope } from '../../platform/access.js';
import { assertReachesGroup } from '../../groups/group.policy.js';
import { compileFilter } from './filter-sql.js';
import { parseFilter } from './filter.js';
import { invalidFilter, invalidValue, mutability, notFound } from './scim-error.js';
import { asScimError, get, type Json } from './scim-json.js';
import { ATTRIBUTE_NAMES, GROUP_SCHEMA, GROUP_SORTABLE } from './scim-schemas.js';
import { GROUP_RESOURCE } from './scim-attributes.js';
import { applyPatch } from './scim-patch.js';
import { assertVersion, withVersion } from './scim-version.js';
import { createScimGroupRepository, groupScopeConditions } from './scim-groups.repository.js';
import { createScimGroupQuery, groupMapping, type ScimGroupRow } from './scim-groups.query.js';
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
  return [...new Set(members.map((m) => {
    const value = get(m, 'value');
    if (typeof value !== 'string' || !/^[0-9]{1,18}$/.test(value)) {
      throw invalidValue('each member needs the value (id) of a user');
    }
    return value;
  }))];
}

const isId = (id: string) => /^[0-9]{1,18}$/.test(id);

export function createScimGroups({ services, db, issuer }: { services: ScimGroupServices; db: Db; issuer: string }) {
  const { groups } = services;
  const repository = createScimGroupRepository(db);
  const query = createScimGroupQuery(db);
  const base = `${issuer}/scim/v2`;

  function represent(group: ScimGroupRow): Json {
    return withVersion({
      schemas: [GROUP_SCHEMA], id: group.id, ...(group.externalId ? { externalId: group.externalId } : {}),
      displayName: group.name,
      members: group.members.map((m) => ({ value: m.id, display: m.display ?? undefined,
        $ref: `${base}/Users/${m.id}` })),
      meta: { resourceType: 'Group', created: new Date(group.createdAt).toISOString(),
        lastModified: new Date(group.updatedAt).toISOString(), location: `${base}/Groups/${group.id}` },
    });
  }

  /** The group as this scope sees it; 404 when it does not exist or lies outside the scope. */
  async function load(id: string, scope: StaffScope, tx?: Db): Promise<ScimGroupRow> {
    const [row] = isId(id) ? await query.load([id], scope, tx) : [];
    try {
      assertReachesGroup(scope, row);
    } catch {
      throw notFound(`Group ${id} not found`);
    }
    return row;
  }

  /**
   * Brings the group to the desired name, externalId and (when given) member list, in `tx`:
   * the members to add and to remove, each by its own row; members the caller cannot see
   * are not in `group.members` and so are never removed.
   */
  async function apply(group: ScimGroupRow, resource: Json, caller: ScimCaller, tx: Db): Promise<void> {
    const name = get(resource, 'displayName');
    const externalId = get(resource, 'externalId');
    const wanted = memberIds(resource);
    if (externalId !== undefined && externalId !== null && typeof externalId !== 'string') {
      throw invalidValue('externalId must be a string');
    }
    try {
      if (typeof name === 'string' && name !== group.name) {
        await groups.rename(group.id, name, caller.actor, caller.scope, tx);
      }
      if (wanted) {
        const current = new Set(group.members.map((m) => m.id));
        const keep = new Set(wanted);
        const add = wanted.filter((id) => !current.has(id));
        const remove = [...current].filter((id) => !keep.has(id));
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

  /** Runs `write` on the group in one transaction holding its row, after the caller's If-Match; the group as saved. */
  async function underLock(id: string, caller: ScimCaller, ifMatch: string | undefined,
    write: (row: ScimGroupRow, current: Json, tx: Db) => Promise<void>): Promise<Json> {
    await db.transaction(async (tx) => {
      if (!isId(id) || !(await repository.lock(id, tx))) throw notFound(`Group ${id} not found`);
      const row = await load(id, caller.scope, tx);
      const current = represent(row);
      assertVersion(current, ifMatch);
      await write(row, current, tx);
    });
    return represent(await load(id, caller.scope));
  }

  /** A whole resource (PUT, or a patched one): members and externalId left out are cleared. */
  const whole = (resource: Json): Json => {
    if (typeof get(resource, 'displayName') !== 'string' || !String(get(resource, 'displayName')).trim()) {
      throw invalidValue('displayName is required');
    }
    return { ...resource, members: get(resource, 'members') ?? [], externalId: get(resource, 'externalId') ?? null };
  };

  return {
    async get(id: string, scope: StaffScope): Promise<Json> {
      return represent(await load(id, scope));
    },

    async create(resource: Json, caller: ScimCaller): Promise<Json> {
      if (get(resource, 'id') !== undefined) throw mutability('id is assigned by the server');
      const name = get(resource, 'displayName');
      if (typeof name !== 'string' || !name.trim()) throw invalidValue('displayName is required');
      const externalId = get(resource, 'externalId');
      // The group and its members in one transaction: a member refused undoes the creation.
      const id = await db.transaction(async (tx) => {
        let created;
        try {
          created = await groups.create({ name, externalId: typeof externalId === 'string' ? externalId : null },
            caller.actor, caller.scope, tx);
        } catch (err) {
          return asScimError(err);
        }
        await apply(await load(created.id, caller.scope, tx), { members: get(resource, 'members') ?? [] }, caller,
          tx);
        return created.id;
      });
      return represent(await load(id, caller.scope));
    },

    replace(id: string, resource: Json, caller: ScimCaller, ifMatch?: string): Promise<Json> {
      return underLock(id, caller, ifMatch, async (row, _current, tx) => {
        const sentId = get(resource, 'id');
        if (sentId !== undefined && String(sentId) !== id) throw mutability('id cannot change');
        await apply(row, whole(resource), caller, tx);
      });
    },

    patch(id: string, body: unknown, caller: ScimCaller, ifMatch?: string): Promise<Json> {
      return underLock(id, caller, ifMatch, async (row, current, tx) => {
        await apply(row, whole(applyPatch(current, body, GROUP_RESOURCE)), caller, tx);
      });
    },

    async delete(id: string, caller: ScimCaller, ifMatch?: string): Promise<void> {
      await db.transaction(async (tx) => {
        if (!isId(id) || !(await repository.lock(id, tx))) throw notFound(`Group ${id} not found`);
        assertVersion(represent(await load(id, caller.scope, tx)), ifMatch);
        await groups.delete(id, caller.actor, caller.scope, tx);
      });
    },

    /** One page in a fixed number of statements: the page's ids, then the groups with their members. */
    async list(request: { filter?: string; startIndex: number; count: number; sortBy?: string; sortOrder?: string },
      scope: StaffScope): Promise<{ total: number; resources: Json[] }> {
      const { conditions, values } = groupScopeConditions(scope);
      if (request.filter) {
        conditions.push(compileFilter(parseFilter(request.filter, { names: ATTRIBUTE_NAMES }), groupMapping(scope),
          values));
      }
      const sortKey = request.sortBy?.toLowerCase();
      if (sortKey && !GROUP_SORTABLE[sortKey]) throw invalidFilter(`cannot sort by ${request.sortBy}`);
      const { total, ids } = await repository.page({
        conditions, values, sortColumn: sortKey ? GROUP_SORTABLE[sortKey] : undefined,
        descending: request.sortOrder?.toLowerCase() === 'descending',
        startIndex: request.startIndex, count: request.count,
      });
      return { total, resources: (await query.load(ids, scope)).map(represent) };
    },
  };
}

export type ScimGroups = ReturnType<typeof createScimGroups>;
