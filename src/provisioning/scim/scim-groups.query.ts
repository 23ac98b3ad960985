// Groups as SCIM lists and reads them, set-based: one statement loads any number of groups
// with their members, only those the caller's scope reaches (a Manager never learns who else is
// in a group), and the attribute mapping of group filters, `members.value` included.
import { type Db } from '../../db/database.js';
import type { StaffScope } from '../../platform/access.js';
import type { ScimMapping } from './filter-sql.js';

export interface ScimGroupRow {
  id: string;
  name: string;
  organizationId: number | null;
  externalId: string | null;
  createdAt: Date;
  updatedAt: Date;
  members: { id: string; display: string | null }[];
}

/** The users of `u` a scope reaches, as SQL over alias u (organization ids are integers from the database). */
function reachedUsersSql(scope: StaffScope): string {
  if (scope.kind === 'all') return 'true';
  return scope.organizationId === null ? 'false' : `u.organization_id = ${Number(scope.organizationId)}`;
}

/**
 * Groups' attributes for filters; `members.value` matches a group with such a member among
 * those the scope reaches.
 */
export function groupMapping(scope: StaffScope): ScimMapping {
  return {
    id: { sql: 'g.id::text', type: 'string', caseExact: true },
    externalid: { sql: 'g.external_id', type: 'string', caseExact: true },
    displayname: { sql: 'g.name', type: 'string' },
    'members.value': { sql: 'm.user_id::text', type: 'string', caseExact: true, multiValued: true,
      each: `group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id = g.id AND ${reachedUsersSql(scope)}` },
    'meta.created': { sql: 'g.created_at', type: 'datetime' },
    'meta.lastmodified': { sql: 'g.updated_at', type: 'datetime' },
  };
}

export function createScimGroupQuery(db: Db) {
  return {
    /** The groups of `ids` that exist, in the order of `ids`, each with the members the scope reaches. */
    async load(ids: string[], scope: StaffScope, tx?: Db): Promise<ScimGroupRow[]> {
      if (ids.length === 0) return [];
      const { rows } = await (tx ?? db).query<ScimGroupRow>(
        `SELECT g.id::text AS id, g.name, g.organization_id AS "organizationId", g.external_id AS "externalId",
           g.created_at AS "createdAt", g.updated_at AS "updatedAt",
           coalesce((SELECT json_agg(json_build_object('id', u.id::text,
               'display', coalesce(u.nickname, u.login, u.email)) ORDER BY u.id)
             FROM group_members m JOIN users u ON u.id = m.user_id
             WHERE m.group_id = g.id AND ${reachedUsersSql(scope)}), '[]'::json) AS members
         FROM groups g WHERE g.id = ANY($1::bigint[])`, [ids]);
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.flatMap((id) => byId.get(id) ?? []);
    },
  };
}

export type ScimGroupQuery = ReturnType<typeof createScimGroupQuery>;
