// SQL for organizations. Slugs are unique case-insensitively (organizations_slug_key).
import type { DataSource, EntityManager } from 'typeorm';
import type { Organization } from '../db/entities/organization.entity.js';

export interface OrganizationSummary extends Organization {
  userCount: number;
}

const COLUMNS = 'o.id, o.name, o.slug, o.created_at AS "createdAt"';

export function createOrganizationRepository(dataSource: DataSource) {
  const q = (manager?: EntityManager) => manager ?? dataSource.manager;
  return {
    /** Names only, for filters and forms: cheap at any number of users. */
    async names(): Promise<Pick<Organization, 'id' | 'name'>[]> {
      return q().query('SELECT id, name FROM organizations ORDER BY lower(name), id');
    },

    async list(): Promise<OrganizationSummary[]> {
      return q().query(
        `SELECT ${COLUMNS}, (SELECT count(*) FROM users u WHERE u.organization_id = o.id)::int AS "userCount"
         FROM organizations o ORDER BY lower(o.name), o.id`);
    },

    async findById(id: number, manager?: EntityManager): Promise<Organization | undefined> {
      if (!Number.isSafeInteger(id) || id <= 0 || id > 2_147_483_647) return undefined;
      const rows: Organization[] = await q(manager).query(`SELECT ${COLUMNS} FROM organizations o WHERE o.id = $1`, [id]);
      return rows[0];
    },

    async insert(name: string, slug: string, manager?: EntityManager): Promise<Organization> {
      const rows: Organization[] = await q(manager).query(
        `INSERT INTO organizations AS o (name, slug) VALUES ($1, $2) RETURNING ${COLUMNS}`, [name, slug]);
      return rows[0];
    },

    async rename(id: number, name: string, slug: string, manager?: EntityManager): Promise<void> {
      await q(manager).query('UPDATE organizations SET name = $2, slug = $3 WHERE id = $1', [id, name, slug]);
    },

    async countUsers(id: number, manager?: EntityManager): Promise<number> {
      const rows: { n: number }[] = await q(manager).query('SELECT count(*)::int AS n FROM users WHERE organization_id = $1', [id]);
      return rows[0].n;
    },

    async delete(id: number, manager?: EntityManager): Promise<void> {
      await q(manager).query('DELETE FROM organizations WHERE id = $1', [id]);
    },
  };
}

export type OrganizationRepository = ReturnType<typeof createOrganizationRepository>;
