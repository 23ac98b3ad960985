// SQL for groups and their members. Names are unique per organization, case-insensitively.
import { type Db } from '../db/database.js';
import type { Role } from '../db/entities/user.entity.js';

export interface Group {
  id: string;
  name: string;
  organizationId: number | null;
  organizationName: string | null;
  externalId: string | null;
  memberCount: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface GroupMember { id: string; login: string | null; email: string | null; nickname: string | null;
  addedAt: Date; role: Role; organizationId: number | null; }

const COLUMNS = `g.id::text AS id, g.name, g.organization_id AS "organizationId", o.name AS "organizationName",
  g.external_id AS "externalId",
  (SELECT count(*)::int FROM group_members m WHERE m.group_id = g.id) AS "memberCount",
  g.created_at AS "createdAt", g.updated_at AS "updatedAt"`;
const FROM = 'groups g LEFT JOIN organizations o ON o.id = g.organization_id';

export function createGroupRepository(db: Db) {
  const q = (tx?: Db) => tx ?? db;
  return {
    /** Every group, or those of one organization. */
    async list(organizationId?: number | null): Promise<Group[]> {
      const { rows } = organizationId === undefined
        ? await q().query<Group>(`SELECT ${COLUMNS} FROM ${FROM} ORDER BY lower(g.name), g.id`)
        : await q().query<Group>(`SELECT ${COLUMNS} FROM ${FROM} WHERE g.organization_id IS NOT DISTINCT FROM $1 ORDER `
          + `BY lower(g.name), g.id`, [organizationId]);
      return rows;
    },

    async findById(id: string, tx?: Db): Promise<Group | undefined> {
      if (!/^[0-9]{1,18}$/.test(id)) return undefined;
      return (await q(tx).query<Group>(`SELECT ${COLUMNS} FROM ${FROM} WHERE g.id = $1`, [id])).rows[0];
    },

    async insert(name: string, organizationId: number | null, externalId: string | null, tx?: Db): Promise<string> {
      const { rows } = await q(tx).query<{ id: string }>(
        'INSERT INTO groups (name, organization_id, external_id) VALUES ($1, $2, $3) RETURNING id::text AS id',
        [name, organizationId, externalId]);
      return rows[0].id;
    },

    async rename(id: string, name: string, tx?: Db): Promise<void> {
      await q(tx).query('UPDATE groups SET name = $2, updated_at = now() WHERE id = $1', [id, name]);
    },

    async delete(id: string, tx?: Db): Promise<void> {
      await q(tx).query('DELETE FROM groups WHERE id = $1', [id]);
    },

    async members(groupId: string, tx?: Db): Promise<GroupMember[]> {
      const { rows } = await q(tx).query<GroupMember>(
        `SELECT u.id::text AS id, u.login, u.email, u.nickname, m.added_at AS "addedAt", u.role,
                u.organization_id AS "organizationId"
         FROM group_members m JOIN users u ON u.id = m.user_id
         WHERE m.group_id = $1 ORDER BY lower(coalesce(u.nickname, u.login, u.email, '')), u.id`, [groupId]);
      return rows;
    },

    /** Adds users (those already in are left as they are); returns the ids actually added. */
    async addMembers(groupId: string, userIds: string[], tx?: Db): Promise<string[]> {
      const { rows: added } = await q(tx).query<{ user_id: string }>(
        'INSERT INTO group_members (group_id, user_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING '
          + 'RETURNING user_id::text', [groupId, userIds]);
      if (added.length > 0) await q(tx).query('UPDATE groups SET updated_at = now() WHERE id = $1', [groupId]);
      return added.map((r) => r.user_id);
    },

    /** Removes users; returns the ids that were members. */
    async removeMembers(groupId: string, userIds: string[], tx?: Db): Promise<string[]> {
      const { rows: removed } = await q(tx).query<{ user_id: string }>(
        'DELETE FROM group_members WHERE group_id = $1 AND user_id = ANY($2::bigint[]) RETURNING user_id::text',
        [groupId, userIds]);
      if (removed.length > 0) await q(tx).query('UPDATE groups SET updated_at = now() WHERE id = $1', [groupId]);
      return removed.map((r) => r.user_id);
    },

    async groupsOf(userId: string): Promise<{ id: string; name: string }[]> {
      const { rows } = await q().query<{ id: string; name: string }>(
        'SELECT g.id::text AS id, g.name FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = '
          + '$1 ORDER BY lower(g.name)', [userId]);
      return rows;
    },
  };
}

export type GroupRepository = ReturnType<typeof createGroupRepository>;
