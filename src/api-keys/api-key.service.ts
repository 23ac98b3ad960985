// Per-user API keys for the SCIM API: one per user and organization, shown once when made,
// stored as SHA-256, with creation and last-use times. A key acts with its owner's
// permissions and stops working when the owner may no longer sign in.
import { createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Actor, AuditLog } from '../audit/audit.service.js';
import type { User } from '../db/entities/user.entity.js';
import { NotFoundError } from '../platform/errors.js';
import type { StaffScope } from '../users/staff-scope.js';
import { describeUser, type UserService } from '../users/user.service.js';

export interface ApiKeyInfo { id: string; organizationId: number | null; hint: string; createdAt: Date; lastUsedAt: Date | null }

const PREFIX = 'foyer_';
const hash = (raw: string) => createHash('sha256').update(raw).digest('hex');

export function createApiKeys({ dataSource, users, audit }: { dataSource: DataSource; users: UserService; audit: AuditLog }) {
  return {
    async list(userId: string): Promise<ApiKeyInfo[]> {
      return dataSource.query(
        `SELECT id::text AS id, organization_id AS "organizationId", hint, created_at AS "createdAt", last_used_at AS "lastUsedAt"
         FROM api_keys WHERE user_id = $1 ORDER BY id`, [userId]);
    },

    /** Makes the user's key for their organization (replacing an earlier one); the key is returned once, never stored. */
    async generate(user: User, actor: Actor): Promise<string> {
      const raw = `${PREFIX}${randomBytes(32).toString('base64url')}`;
      await dataSource.transaction(async (manager) => {
        const [, replaced] = await manager.query('DELETE FROM api_keys WHERE user_id = $1 AND organization_id IS NOT DISTINCT FROM $2', [user.id, user.organizationId]);
        await manager.query('INSERT INTO api_keys (user_id, organization_id, key_hash, hint) VALUES ($1, $2, $3, $4)',
          [user.id, user.organizationId, hash(raw), `${raw.slice(0, PREFIX.length + 4)}…`]);
        await audit.record({ actor, action: replaced ? 'api_key.regenerated' : 'api_key.generated', targetUserId: user.id, targetLabel: describeUser(user) }, manager);
      });
      return raw;
    },

    async revoke(userId: string, keyId: string, actor: Actor, scope: StaffScope): Promise<void> {
      // An Administrator's keys are Administrator-only, like the rest of their account.
      const owner = await users.getChangeable(userId, scope);
      await dataSource.transaction(async (manager) => {
        const [, count] = await manager.query('DELETE FROM api_keys WHERE id = $1 AND user_id = $2', [keyId, userId]);
        if (!count) throw new NotFoundError('API key');
        await audit.record({ actor, action: 'api_key.revoked', targetUserId: userId, targetLabel: describeUser(owner) }, manager);
      });
    },

    /** The owner of a presented key, if the key exists and its owner may act now (not blocked, locked or deleted). */
    async authenticate(raw: string): Promise<User | undefined> {
      if (!raw.startsWith(PREFIX) || raw.length > 100) return undefined;
      const rows: { user_id: string }[] = await dataSource.query(
        'UPDATE api_keys SET last_used_at = now() WHERE key_hash = $1 RETURNING user_id::text', [hash(raw)]).then((r) => r[0]);
      const userId = rows[0]?.user_id;
      return userId ? users.findActive(userId) : undefined;
    },
  };
}

export type ApiKeys = ReturnType<typeof createApiKeys>;
