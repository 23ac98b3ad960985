// Users as SCIM lists and reads them, set-based: one statement loads any number of users with
// their organization's name and the groups the caller's scope reaches (a Manager never sees
// a group of another organization in a user's `groups`), so a page of 1,000 users costs what a
// page of 10 does.
import { type Db } from '../../db/database.js';
import type { User } from '../../db/entities/user.entity.js';
import type { StaffScope } from '../../platform/access.js';
import { USER_COLUMNS } from '../../users/user.repository.js';

/** A user with what its SCIM representation needs besides the user itself. */
export interface ScimUserRow {
  user: User;
  organizationName: string | null;
  groups: { id: string; name: string }[];
}

/** The groups of `g` a scope reaches, as SQL over alias g (organization ids are integers from the database). */
export function reachedGroupsSql(scope: StaffScope): string {
  if (scope.kind === 'all') return 'true';
  return scope.organizationId === null ? 'false' : `g.organization_id = ${Number(scope.organizationId)}`;
}

export function createScimUserQuery(db: Db) {
  return {
    /** The users of `ids` that exist, in the order of `ids`. */
    async load(ids: string[], scope: StaffScope, tx?: Db): Promise<ScimUserRow[]> {
      if (ids.length === 0) return [];
      const { rows } = await (tx ?? db).query<User & { scimOrganization: string | null;
        scimGroups: { id: string; name: string }[]; }>(
        `SELECT x.*, (SELECT o.name FROM organizations o WHERE o.id = x."organizationId") AS "scimOrganization",
           coalesce((SELECT json_agg(json_build_object('id', g.id::text, 'name', g.name) ORDER BY lower(g.name), g.id)
             FROM group_members m JOIN groups g ON g.id = m.group_id
             WHERE m.user_id = x.id::bigint AND ${reachedGroupsSql(scope)}), '[]'::json) AS "scimGroups"
         FROM (SELECT ${USER_COLUMNS} FROM users WHERE id = ANY($1::bigint[])) x`, [ids]);
      const byId = new Map(rows.map(({ scimOrganization, scimGroups, ...user }) => [user.id,
        { user: user as User, organizationName: scimOrganization, groups: scimGroups }]));
      return ids.flatMap((id) => byId.get(id) ?? []);
    },
  };
}

export type ScimUserQuery = ReturnType<typeof createScimUserQuery>;
