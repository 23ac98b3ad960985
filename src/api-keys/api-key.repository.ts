// SQL for API keys: stored as SHA-256 with a hint, one per user and organization, optionally
// expiring (a key past its expires_at is refused like an unknown one).
import { type Db } from '../db/database.js';

export interface ApiKeyInfo { id: string; organizationId: number | null; hint: string; createdAt: Date;
  lastUsedAt: Date | null; expiresAt: Date | null; }

export function createApiKeyRepository(db: Db) {
  return {
    /** Oldest first, by the column (api_keys.id, a number), not the select list's text id. */
    async list(userId: string, tx?: Db): Promise<ApiKeyInfo[]> {
      const { rows } = await (tx ?? db).query<ApiKeyInfo>(
        `SELECT id::text AS id, organization_id AS "organizationId", hint, created_at AS "createdAt",
           last_used_at AS "lastUsedAt", expires_at AS "expiresAt"
         FROM api_keys WHERE user_id = $1 ORDER BY api_keys.id`, [userId]);
      return rows;
    },

    /** Deletes the user's key for this organization; true when there was one. */
    async deleteFor(userId: string, organizationId: number | null, tx?: Db): Promise<boolean> {
      const { rowCount } = await (tx
        ?? db).query('DELETE FROM api_keys WHERE user_id = $1 AND organization_id IS NOT DISTINCT FROM $2',
        [userId, organizationId]);
      return (rowCount ?? 0) > 0;
    },

    /** Deletes every key of the user (a service account's regeneration); how many there were. */
    async deleteAllOf(userId: string, tx?: Db): Promise<number> {
      const { rowCount } = await (tx ?? db).query('DELETE FROM api_keys WHERE user_id = $1', [userId]);
      return rowCount ?? 0;
    },

    /** `expiresAt` null: the key works until it is replaced or revoked. */
    async insert(userId: string, organizationId: number | null, keyHash: string, hint: string,
      expiresAt: Date | null, tx?: Db): Promise<void> {
      await (tx ?? db).query(
        'INSERT INTO api_keys (user_id, organization_id, key_hash, hint, expires_at) VALUES ($1, $2, $3, $4, $5)',
        [userId, organizationId, keyHash, hint, expiresAt]);
    },

    /** Deletes one key of this user; true when it existed. */
    async delete(keyId: string, userId: string, tx?: Db): Promise<boolean> {
      const { rowCount } = await (tx ?? db).query('DELETE FROM api_keys WHERE id = $1 AND user_id = $2',
        [keyId, userId]);
      return (rowCount ?? 0) > 0;
    },

    /**
     * Records the use of the key with this hash; returns its owner's id, if there is such a key and
     * it has not expired (an expired key is not touched: its last use stays its last real one).
     */
    async touch(keyHash: string, tx?: Db): Promise<string | undefined> {
      const { rows } = await (tx ?? db).query<{ user_id: string }>(
        `UPDATE api_keys SET last_used_at = now() WHERE key_hash = $1 AND (expires_at IS NULL OR expires_at > now())
         RETURNING user_id::text`, [keyHash]);
      return rows[0]?.user_id;
    },
  };
}

export type ApiKeyRepository = ReturnType<typeof createApiKeyRepository>;
