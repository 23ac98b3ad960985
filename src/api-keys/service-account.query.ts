// Read model of the Service accounts page: each service account with its organization and its
// key (hint, creation, last use, expiry). Through the partial index users_service_account_idx.
import { type Db } from '../db/database.js';
import type { Role } from '../db/entities/user.entity.js';
import { lockedSql } from '../users/user.repository.js';

export interface ServiceAccountRow {
  id: string;
  name: string;
  role: Role;
  organizationId: number | null;
  organizationName: string | null;
  createdAt: Date;
  /** Blocked or locked from the users pages: its key is refused until that is undone. */
  stopped: boolean;
  key: { hint: string; createdAt: Date; lastUsedAt: Date | null; expiresAt: Date | null } | null;
}

interface Row extends Omit<ServiceAccountRow, 'key'> {
  hint: string | null;
  keyCreatedAt: Date | null;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
}

const SELECT = `SELECT u.id::text AS id, u.login AS name, u.role, u.organization_id AS "organizationId",
    o.name AS "organizationName", u.created_at AS "createdAt", (u.blocked OR ${lockedSql('u')}) AS stopped,
    k.hint, k.created_at AS "keyCreatedAt", k.last_used_at AS "lastUsedAt", k.expires_at AS "expiresAt"
  FROM users u
  LEFT JOIN organizations o ON o.id = u.organization_id
  LEFT JOIN LATERAL (SELECT hint, created_at, last_used_at, expires_at FROM api_keys
    WHERE user_id = u.id ORDER BY id DESC LIMIT 1) k ON true`;

function present({ hint, keyCreatedAt, lastUsedAt, expiresAt, ...account }: Row): ServiceAccountRow {
  return { ...account, key: hint !== null && keyCreatedAt !== null ? { hint, createdAt: keyCreatedAt, lastUsedAt,
    expiresAt } : null };
}

export function createServiceAccountQuery(db: Db) {
  return {
    async list(): Promise<ServiceAccountRow[]> {
      const { rows } = await db.query<Row>(`${SELECT} WHERE u.service_account ORDER BY lower(u.login), u.id`);
      return rows.map(present);
    },

    /**
     * The service account with this id; undefined for any other user or none. Inside a transaction
     * its row is locked, so two regenerations of one key run one after the other.
     */
    async find(id: string, tx?: Db): Promise<ServiceAccountRow | undefined> {
      if (!/^[0-9]{1,18}$/.test(id)) return undefined;
      const { rows } = await (tx ?? db).query<Row>(
        `${SELECT} WHERE u.id = $1 AND u.service_account${tx ? ' FOR UPDATE OF u' : ''}`, [id]);
      return rows[0] ? present(rows[0]) : undefined;
    },
  };
}

export type ServiceAccountQuery = ReturnType<typeof createServiceAccountQuery>;
