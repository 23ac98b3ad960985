// API keys for the SCIM API: one per user and organization, shown once when made, stored as
// SHA-256, with creation and last-use times and an optional expiry. A key acts with its owner's
// permissions (a staff member's, or a service account's: service-account.service.ts) and stops
// working when the owner may no longer act, or when it expires.
import { createHash, randomBytes } from 'node:crypto';
import type { Actor, AuditLog } from '../audit/audit.service.js';
import { type Db } from '../db/database.js';
import type { User } from '../db/entities/user.entity.js';
import { NotFoundError } from '../platform/errors.js';
import type { StaffScope } from '../platform/access.js';
import { describeUser, type UserService } from '../users/user.service.js';
import { assertMayGenerate, assertMayRevoke } from './api-key.policy.js';
import { createApiKeyRepository, type ApiKeyInfo } from './api-key.repository.js';

export type { ApiKeyInfo };

const PREFIX = 'foyer_';
const hash = (raw: string) => createHash('sha256').update(raw).digest('hex');

/** A new key: what is shown once (`raw`), and what is stored (its hash and a hint). */
export function newApiKey(): { raw: string; hash: string; hint: string } {
  const raw = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  return { raw, hash: hash(raw), hint: `${raw.slice(0, PREFIX.length + 4)}…` };
}

export function createApiKeys({ db, users, audit }: { db: Db; users: UserService; audit: AuditLog }) {
  const keys = createApiKeyRepository(db);
  return {
    list: (userId: string): Promise<ApiKeyInfo[]> => keys.list(userId),

    /**
     * Makes the user's key for their organization (replacing an earlier one); the key is returned
     * once, never stored.
     */
    async generate(user: User, actor: Actor): Promise<string> {
      assertMayGenerate(user, actor);
      const key = newApiKey();
      await db.transaction(async (tx) => {
        const replaced = await keys.deleteFor(user.id, user.organizationId, tx);
        await keys.insert(user.id, user.organizationId, key.hash, key.hint, null, tx);
        await audit.record({ actor, action: replaced ? 'api_key.regenerated' : 'api_key.generated',
          targetUserId: user.id, targetLabel: describeUser(user) }, tx);
      });
      return key.raw;
    },

    async revoke(userId: string, keyId: string, actor: Actor, scope: StaffScope): Promise<void> {
      const owner = await users.getChangeable(userId, scope);
      assertMayRevoke(scope, owner);
      await db.transaction(async (tx) => {
        if (!(await keys.delete(keyId, userId, tx))) throw new NotFoundError('API key');
        await audit.record({ actor, action: 'api_key.revoked', targetUserId: userId, targetLabel: describeUser(owner) },
          tx);
      });
    },

    /**
     * The owner of a presented key, if the key exists, has not expired, and its owner may act now (not
     * blocked, locked or deleted). An expired key gets the same answer as an unknown one.
     */
    async authenticate(raw: string): Promise<User | undefined> {
      if (!raw.startsWith(PREFIX) || raw.length > 100) return undefined;
      const userId = await keys.touch(hash(raw));
      return userId ? users.findActive(userId) : undefined;
    },
  };
}

export type ApiKeys = ReturnType<typeof createApiKeys>;
