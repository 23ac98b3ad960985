// SQL for organizations. Slugs are unique case-insensitively (organizations_slug_key).
import { type Db } from '../db/database.js';
import type { Organization } from '../db/entities/organization.entity.js';

export interface OrganizationSummary extends Organization {
  userCount: number;
}

const COLUMNS = 'o.id, o.name, o.slug, o.created_at AS "createdAt"';

export function createOrganizationRepository(db: Db) {
  const q = (tx?: Db) => tx ?? db;
  return {
    /** Names only, for filters and forms: cheap at any number of users. */
    async names(): Promise<Pick<Organization, 'id' | 'name'>[]> {
      const { rows } = await q().query<Pick<Organization, 'id' | 'name'>>('SELECT id, name FROM organizations ORDER '
        + 'BY lower(name), id');
      return rows;
    },

    async list(): Promise<OrganizationSummary[]> {
      const { rows } = await q().query<OrganizationSummary>(
        `SELECT ${COLUMNS}, (SELECT count(*) FROM users u WHERE u.organization_id = o.id)::int AS "userCount"
         FROM organizations o ORDER BY lower(o.name), o.id`);
      return rows;
    },

    async findById(id: number, tx?: Db): Promise<Organization | undefined> {
      if (!Number.isSafeInteger(id) || id <= 0 || id > 2_147_483_647) return undefined;
      const { rows } = await q(tx).query<Organization>(`SELECT ${COLUMNS} FROM organizations o WHERE o.id = $1`, [id]);
      return rows[0];
    },

    async insert(name: string, slug: string, tx?: Db): Promise<Organization> {
      const { rows } = await q(tx).query<Organization>(
        `INSERT INTO organizations AS o (name, slug) VALUES ($1, $2) RETURNING ${COLUMNS}`, [name, slug]);
      return rows[0];
    },

    async rename(id: number, name: string, slug: string, tx?: Db): Promise<void> {
      await q(tx).query('UPDATE organizations SET name = $2, slug = $3 WHERE id = $1', [id, name, slug]);
    },

    async countUsers(id: number, tx?: Db): Promise<number> {
      const { rows } = await q(tx).query<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE organization_id '
        + '= $1', [id]);
      return rows[0].n;
    },

    async delete(id: number, tx?: Db): Promise<void> {
      await q(tx).query('DELETE FROM organizations WHERE id = $1', [id]);
    },
  };
}

export type OrganizationRepository = ReturnType<typeof createOrganizationRepository>;
