// Service accounts: the holders of provisioning API keys, so that an integration does not stop
// when the staff member who made a key is blocked, locked or leaves. A service account is a users
// row marked service_account, named by its login (a name such as "okta-scim"), an Administrator or
// a Manager of one organization, with no password and no email: it never signs in (user.policy.ts
// isPerson), gets no mail, and is not counted as an Administrator who can get back in. It has one
// key, shown once when it is made or regenerated; a regeneration stops the old key at once.
// Only the all-users scope (Administrators, the CLI) manages them (api-key.policy.ts).
import type { Actor, AuditLog } from '../audit/audit.service.js';
import { type Db } from '../db/database.js';
import type { Role } from '../db/entities/user.entity.js';
import type { OrganizationRepository } from '../organizations/organization.repository.js';
import { ALL_USERS, type StaffScope } from '../platform/access.js';
import { NotFoundError, ValidationError } from '../platform/errors.js';
import { calendarDate } from '../platform/http/input.js';
import { validateLogin } from '../users/identifiers.js';
import type { UserLifecycle } from '../users/user-lifecycle.service.js';
import { uniqueViolationField, type UserRepository } from '../users/user.repository.js';
import { assertMayManageServiceAccounts } from './api-key.policy.js';
import { createApiKeyRepository } from './api-key.repository.js';
import { newApiKey } from './api-key.service.js';
import { createServiceAccountQuery, type ServiceAccountRow } from './service-account.query.js';

export type { ServiceAccountRow };

export const SERVICE_ACCOUNT_ROLES = ['ADMIN', 'MANAGER'] as const satisfies readonly Role[];

export interface ServiceAccountInput {
  /** Stored as the account's login, so it follows the login rule and is unique among logins and emails. */
  name?: string;
  /** ADMIN (the default) or MANAGER. */
  role?: string;
  /** A number, or the form's string; empty means none (a Manager needs one). */
  organizationId?: number | string | null;
  /** YYYY-MM-DD, a day after today: the key stops working at 00:00 UTC that day. Empty: no expiry. */
  expires?: string;
}

export interface IssuedKey {
  account: ServiceAccountRow;
  /** The key itself: shown once, never stored. */
  key: string;
}

export interface ServiceAccountDeps {
  db: Db;
  users: UserRepository;
  lifecycle: UserLifecycle;
  organizations: OrganizationRepository;
  audit: AuditLog;
}

/** The key's end from a YYYY-MM-DD day (00:00 UTC), or null for none; a problem goes into `errors.expires`. */
function parseExpiry(raw: string | undefined, errors: Record<string, string>, now = new Date()): Date | null {
  const text = raw?.trim() ?? '';
  if (!text) return null;
  const day = calendarDate().safeParse(text);
  if (!day.success) {
    errors.expires = day.error.issues[0].message;
    return null;
  }
  const at = new Date(`${text}T00:00:00Z`);
  if (at.getTime() <= now.getTime()) {
    errors.expires = 'Choose a day after today: the key stops working at 00:00 UTC that day';
    return null;
  }
  return at;
}

const isForeignKeyViolation = (err: unknown) => (err as { code?: unknown } | null)?.code === '23503';

export function createServiceAccounts(deps: ServiceAccountDeps) {
  const { db, audit } = deps;
  const keys = createApiKeyRepository(db);
  const query = createServiceAccountQuery(db);

  async function checkCreate(input: ServiceAccountInput) {
    const errors: Record<string, string> = {};
    const name = input.name?.trim() ?? '';
    if (!name) errors.name = 'Give the service account a name';
    else {
      const problem = validateLogin(name);
      if (problem) errors.name = problem;
    }
    const role = (input.role || 'ADMIN') as Role;
    if (!(SERVICE_ACCOUNT_ROLES as readonly string[]).includes(role)) errors.role = 'Choose Administrator or Manager';
    const raw = input.organizationId;
    let organizationId = raw === null || raw === undefined || raw === '' ? null : Number(raw);
    if (organizationId !== null && (!Number.isInteger(organizationId) || organizationId < 1
      || organizationId > 2_147_483_647 || !(await deps.organizations.findById(organizationId)))) {
      errors.organizationId = 'Choose an existing organization';
      organizationId = null;
    }
    if (role === 'MANAGER' && organizationId === null && !errors.organizationId) {
      errors.organizationId = 'A Manager needs an organization to manage';
    }
    const expiresAt = parseExpiry(input.expires, errors);
    if (Object.keys(errors).length) throw new ValidationError(errors);
    return { name, role, organizationId, expiresAt };
  }

  async function require(id: string, tx?: Db): Promise<ServiceAccountRow> {
    const account = await query.find(id, tx);
    if (!account) throw new NotFoundError('Service account');
    return account;
  }

  return {
    async list(scope: StaffScope): Promise<ServiceAccountRow[]> {
      assertMayManageServiceAccounts(scope);
      return query.list();
    },

    async get(id: string, scope: StaffScope): Promise<ServiceAccountRow> {
      assertMayManageServiceAccounts(scope);
      return require(id);
    },

    /** Makes the account and its key in one transaction with `service_account.created`. */
    async create(input: ServiceAccountInput, actor: Actor, scope: StaffScope): Promise<IssuedKey> {
      assertMayManageServiceAccounts(scope);
      const { name, role, organizationId, expiresAt } = await checkCreate(input);
      const key = newApiKey();
      try {
        return await db.transaction(async (tx) => {
          const user = await deps.users.insert({ login: name, role, organizationId, serviceAccount: true }, tx);
          await keys.insert(user.id, organizationId, key.hash, key.hint, expiresAt, tx);
          await audit.record({
            actor, action: 'service_account.created', targetUserId: user.id, targetLabel: name,
            details: { role, organizationId, keyExpiresAt: expiresAt?.toISOString() ?? null },
          }, tx);
          return { account: await require(user.id, tx), key: key.raw };
        });
      } catch (err) {
        if (uniqueViolationField(err)) {
          throw new ValidationError({ name: 'A user or service account already has this name' });
        }
        // The organization was deleted since it was checked.
        if (isForeignKeyViolation(err)) {
          throw new ValidationError({ organizationId: 'Choose an existing organization' });
        }
        throw err;
      }
    },

    /** A new key (with a new expiry, or none); the old key stops working when this commits. */
    async regenerateKey(id: string, input: Pick<ServiceAccountInput, 'expires'>, actor: Actor,
      scope: StaffScope): Promise<IssuedKey> {
      assertMayManageServiceAccounts(scope);
      const errors: Record<string, string> = {};
      const expiresAt = parseExpiry(input.expires, errors);
      await require(id);
      if (Object.keys(errors).length) throw new ValidationError(errors);
      const key = newApiKey();
      return db.transaction(async (tx) => {
        const account = await require(id, tx);
        const replaced = await keys.deleteAllOf(id, tx);
        await keys.insert(id, account.organizationId, key.hash, key.hint, expiresAt, tx);
        await audit.record({
          actor, action: 'service_account.key_regenerated', targetUserId: id, targetLabel: account.name,
          details: { replacedKeys: replaced, keyExpiresAt: expiresAt?.toISOString() ?? null },
        }, tx);
        return { account: await require(id, tx), key: key.raw };
      });
    },

    /**
     * Deletes the account with its key, through the lifecycle's delete (the row, any provider
     * records, `user.deleted`), and records `service_account.deleted` in the same transaction.
     */
    async delete(id: string, actor: Actor, scope: StaffScope): Promise<void> {
      assertMayManageServiceAccounts(scope);
      await db.transaction(async (tx) => {
        const account = await require(id, tx);
        await deps.lifecycle.delete(id, actor, ALL_USERS, tx);
        await audit.record({ actor, action: 'service_account.deleted', targetUserId: id, targetLabel: account.name,
          details: { role: account.role, organizationId: account.organizationId } }, tx);
      });
    },
  };
}

export type ServiceAccounts = ReturnType<typeof createServiceAccounts>;
