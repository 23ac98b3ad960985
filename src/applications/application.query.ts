// Read-side queries of the Applications section: the list with its filters, and the users
// who granted an application. Both page by keyset, never by OFFSET.
import { type Db } from '../db/database.js';
import type { User } from '../db/entities/user.entity.js';
import { USER_COLUMNS, userFromJson } from '../users/user.repository.js';
import type { ApplicationKind } from './application.repository.js';

export interface ApplicationListFilter {
  kind: ApplicationKind;
  /** Part of the name, case-insensitive. */
  q?: string;
  organizationId?: number;
  status?: 'active' | 'inactive';
  /** Only the applications this user owns or administers (for someone who is not an Administrator). */
  memberId?: string;
  /** Only the personal applications this user owns (a profile's OAuth Applications section). */
  ownerId?: string;
  /** Keyset: the last row of the previous page, as `lower(name)\u0000client_id`. */
  after?: string;
  limit: number;
}

export interface ApplicationListRow {
  clientId: string;
  name: string;
  active: boolean;
  firstParty: boolean;
  kind: ApplicationKind;
  organizationName: string | null;
  grantTypes: string[];
  owners: string[];
  createdAt: Date;
}

export interface GrantedUser {
  user: User;
  grantedAt: Date | null;
}

export function createApplicationQuery(db: Db) {
  return {
    async list(filter: ApplicationListFilter): Promise<{ rows: ApplicationListRow[]; next?: string }> {
      const where = ['c.kind = $1'];
      const values: unknown[] = [filter.kind];
      const param = (v: unknown) => `$${values.push(v)}`;
      if (filter.q) where.push(`c.name ILIKE ${param(`%${filter.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`)}`);
      if (filter.organizationId !== undefined) where.push(`c.organization_id = ${param(filter.organizationId)}`);
      if (filter.status) where.push(filter.status === 'active' ? 'c.active' : 'NOT c.active');
      if (filter.memberId) {
        where.push(`EXISTS (SELECT 1 FROM client_members x WHERE x.client_id = c.client_id AND x.user_id = `
          + `${param(filter.memberId)})`);
      }
      if (filter.ownerId) {
        where.push(`EXISTS (SELECT 1 FROM client_members x WHERE x.client_id = c.client_id AND x.role = 'owner' AND `
          + `x.user_id = ${param(filter.ownerId)})`);
      }
      if (filter.after) {
        const [name, id] = filter.after.split('\u0000');
        where.push(`(lower(c.name), c.client_id) > (${param(name)}, ${param(id ?? '')})`);
      }
      const { rows } = await db.query<ApplicationListRow>(
        `SELECT c.client_id AS "clientId", c.name, c.active, c.first_party AS "firstParty", c.kind,
                o.name AS "organizationName",
                coalesce(c.metadata->'grant_types', '[]'::jsonb) AS "grantTypes", c.created_at AS "createdAt",
                coalesce((SELECT array_agg(coalesce(u.login, u.email, u.phone_number) ORDER BY m.added_at)
                          FROM client_members m
                          JOIN users u ON u.id = m.user_id
                          WHERE m.client_id = c.client_id AND m.role = 'owner'), '{}') AS owners
         FROM clients c LEFT JOIN organizations o ON o.id = c.organization_id
         WHERE ${where.join(' AND ')} ORDER BY lower(c.name), c.client_id LIMIT ${param(filter.limit + 1)}`, values);
      const more = rows.length > filter.limit;
      const page = rows.slice(0, filter.limit);
      const last = page.at(-1);
      return { rows: page, next: more && last ? `${last.name.toLowerCase()}\u0000${last.clientId}` : undefined };
    },

    /**
     * Users who consented to this application (the consents table: one row per user, whatever
     * browsers they used and whether their sessions ended since), by user id.
     */
    async grantedUsers(clientId: string,
      { after, limit }: { after?: string; limit: number }): Promise<{ rows: GrantedUser[]; next?: string }> {
      const { rows } = await db.query<{ user_json: Record<string, unknown>; granted_at: Date | null;
        account_id: string; }>(
        `SELECT k.user_id::text AS account_id, k.granted_at, row_to_json(x) AS user_json
         FROM consents k
         CROSS JOIN LATERAL (SELECT ${USER_COLUMNS} FROM users WHERE users.id = k.user_id) x
         WHERE k.client_id = $1 AND k.user_id > $2
         ORDER BY k.user_id LIMIT $3`, [clientId, after && /^[0-9]{1,18}$/.test(after) ? after : '0', limit + 1]);
      const more = rows.length > limit;
      const page = rows.slice(0, limit);
      return {
        rows: page.map((r) => ({ user: userFromJson(r.user_json), grantedAt: r.granted_at })),
        next: more ? page.at(-1)!.account_id : undefined,
      };
    },
  };
}

export type ApplicationQuery = ReturnType<typeof createApplicationQuery>;
