// Settings admins change in the console: the password policy, the automatic lockout and the
// custom profile fields.
// Every request reads them (forms, claims), so each process keeps a copy for a couple of
// seconds; a change made here is seen at once by this process and within REFRESH_MS by others.
import type { Actor, AuditLog } from '../audit/audit.service.js';
import { type Db } from '../db/database.js';
import { parseDefinition, type CustomFieldDefinition } from './custom-fields.js';
import { NotFoundError, ValidationError } from '../platform/errors.js';
import { DEFAULT_DELETION_GRACE_DAYS, lockoutFromStored, parseDeletionGrace, parseLockoutPolicy,
  type LockoutPolicy } from './lockout-policy.js';
import { parsePasswordPolicy, policyFromStored, type PasswordPolicy } from './password-policy.js';
import type { SettingsRepository } from './settings.repository.js';

export interface SettingsSnapshot {
  passwordPolicy: PasswordPolicy;
  lockout: LockoutPolicy;
  /** Days between "delete my account" and the deletion for good. */
  deletionGraceDays: number;
  customFields: CustomFieldDefinition[];
}

const PASSWORD_POLICY = 'password_policy';
const LOCKOUT = 'lockout';
const DELETION_GRACE = 'deletion_grace_days';
const REFRESH_MS = 2000;

export function createSettingsService({ db, settings, audit }: { db: Db; settings: SettingsRepository;
  audit: AuditLog; }) {
  let cached: { snapshot: Promise<SettingsSnapshot>; until: number } | undefined;

  async function load(): Promise<SettingsSnapshot> {
    const [policy, lockout, grace, customFields] = await Promise.all([
      settings.get(PASSWORD_POLICY), settings.get(LOCKOUT), settings.get(DELETION_GRACE), settings.customFields()]);
    const graceDays = parseDeletionGrace({ graceDays: grace });
    return {
      passwordPolicy: policyFromStored(policy), lockout: lockoutFromStored(lockout), customFields,
      deletionGraceDays: 'policy' in graceDays ? graceDays.policy : DEFAULT_DELETION_GRACE_DAYS,
    };
  }

  function current(): Promise<SettingsSnapshot> {
    if (!cached || cached.until < Date.now()) {
      const snapshot = load();
      cached = { snapshot, until: Date.now() + REFRESH_MS };
      snapshot.catch(() => (cached = undefined));
    }
    return cached.snapshot;
  }

  const changed = () => (cached = undefined);

  async function requireField(key: string): Promise<CustomFieldDefinition> {
    const field = (await settings.customFields()).find((f) => f.key === key);
    if (!field) throw new NotFoundError('Custom field');
    return field;
  }

  /** Stores one named setting already parsed, with an audit event of the change. */
  async function saveNamed<T>(name: string, parsed: { policy: T } | { errors: Record<string, string> }, action: string,
    before: (snapshot: SettingsSnapshot) => T, actor: Actor): Promise<T> {
    if ('errors' in parsed) throw new ValidationError(parsed.errors);
    const from = before(await current());
    await db.transaction(async (tx) => {
      await settings.put(name, parsed.policy, tx);
      await audit.record({ actor, action, details: { from, to: parsed.policy } }, tx);
    });
    changed();
    return parsed.policy;
  }

  return {
    current,

    updatePasswordPolicy: (input: Record<string, unknown>, actor: Actor): Promise<PasswordPolicy> =>
      saveNamed(PASSWORD_POLICY, parsePasswordPolicy(input), 'settings.password_policy_changed',
        (snapshot) => snapshot.passwordPolicy, actor),

    updateDeletionGrace: (input: Record<string, unknown>, actor: Actor): Promise<number> =>
      saveNamed(DELETION_GRACE, parseDeletionGrace(input), 'settings.deletion_grace_changed',
        (snapshot) => snapshot.deletionGraceDays, actor),

    updateLockout: (input: Record<string, unknown>, actor: Actor): Promise<LockoutPolicy> =>
      saveNamed(LOCKOUT, parseLockoutPolicy(input), 'settings.lockout_changed', (snapshot) => snapshot.lockout, actor),

    async addCustomField(input: Record<string, unknown>, actor: Actor): Promise<CustomFieldDefinition> {
      const existing = new Set((await settings.customFields()).map((f) => f.key));
      const parsed = parseDefinition(input, existing);
      if ('errors' in parsed) throw new ValidationError(parsed.errors);
      try {
        await db.transaction(async (tx) => {
          await settings.insertCustomField(parsed.definition, tx);
          await audit.record({ actor, action: 'settings.custom_field_added', details: { field: parsed.definition } },
            tx);
        });
      } catch (err) {
        if ((err as { code?: unknown }).code === '23505') {
          throw new ValidationError({ key: 'A field with this key exists already' });
        }
        throw err;
      }
      changed();
      return parsed.definition;
    },

    /** The key cannot change: users' values and privacy levels are stored under it. */
    async updateCustomField(key: string, input: Record<string, unknown>, actor: Actor): Promise<CustomFieldDefinition> {
      const before = await requireField(key);
      const parsed = parseDefinition(input, new Set(), key);
      if ('errors' in parsed) throw new ValidationError(parsed.errors);
      const changedKeys = (Object.keys(parsed.definition) as (keyof CustomFieldDefinition)[])
        .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(parsed.definition[k]));
      await db.transaction(async (tx) => {
        if (!(await settings.updateCustomField(parsed.definition, tx))) throw new NotFoundError('Custom field');
        await audit.record({ actor, action: 'settings.custom_field_changed', details: { key, fields: changedKeys } },
          tx);
      });
      changed();
      return parsed.definition;
    },

    /**
     * Removes the definition: the field leaves the forms and is no longer released. Users'
     * values stay in their profiles (nothing typed is lost); adding the key again brings them back.
     */
    async removeCustomField(key: string, actor: Actor): Promise<void> {
      await requireField(key);
      await db.transaction(async (tx) => {
        if (!(await settings.deleteCustomField(key, tx))) throw new NotFoundError('Custom field');
        await audit.record({ actor, action: 'settings.custom_field_removed', details: { key } }, tx);
      });
      changed();
    },
  };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
