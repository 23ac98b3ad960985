// The user aggregate: creation, profile edits, permissions, sign-in checks and privacy
// levels (block, lock, end sessions and delete are in user-lifecycle.service.ts). Console callers
// pass their StaffScope: users outside it are "not found".
import type { Actor, AuditLog } from '../audit/audit.service.js';
import type { Db } from '../db/database.js';
import { ROLES, type Role, type User } from '../db/entities/user.entity.js';
import { DomainError, NotFoundError, ValidationError } from '../platform/errors.js';
import { classifyIdentifier } from './identifiers.js';
import { AUTO_LOCK_REASON, isLockedAutomatically } from '../settings/lockout-policy.js';
import type { OrganizationRepository } from '../organizations/organization.repository.js';
import type { PasswordHasher } from './password.js';
import { checkPassword } from '../settings/password-policy.js';
import { effectiveLevels, isKnownPrivacyField, isPrivacyLevel, PRIVACY_LEVELS, PUBLIC_PROFILE_KEY, publicProfileOn,
  type PrivacyClaim, type PrivacyLevel, type PrivacyLevels } from './privacy.js';
import type { SettingsService, SettingsSnapshot } from '../settings/settings.service.js';
import { inScope, type StaffScope } from '../platform/access.js';
import { assertMayChange, grantableRoles, isOwnAccount, isPerson, ownAccountRefusal, protectsAdministrator,
} from './user.policy.js';
import { parseProfile, type ProfileData, type ProfileInput } from './user-input.js';
import { uniqueViolationField, type UserRepository } from './user.repository.js';
import { signInStatus } from './user-status.js';
import { createSignInAudit, type SignInContext } from './sign-in-audit.js';

export interface CreateUserInput extends ProfileInput {
  password?: string;
  /** The password is temporary: the first sign-in must choose a new one. */
  mustChangePassword?: boolean;
  /** An invitation: no password yet; the user chooses one from the emailed link. */
  invite?: boolean;
  role?: string;
  /** A number, or the form's string; empty means none. */
  organizationId?: number | string | null;
  emailVerified?: boolean;
}

export interface PermissionsInput {
  role?: string;
  organizationId?: number | string | null;
}

export type SignInResult =
  | { outcome: 'invalid' }
  | { outcome: 'blocked'; user: User }
  | { outcome: 'locked'; user: User; until: Date | null }
  /** An admin forced a reset: no sign-in until the user chooses a new password from the emailed link. */
  | { outcome: 'reset_required'; user: User }
  /** A temporary password: the user must choose a new one before going on. */
  | { outcome: 'change_required'; user: User }
  /** The user deleted the account and the grace period is running: signing in may restore it. */
  | { outcome: 'deletion_scheduled'; user: User; at: Date }
  | { outcome: 'ok'; user: User };

export interface UserServiceDeps {
  db: Db;
  users: UserRepository;
  organizations: OrganizationRepository;
  settings: SettingsService;
  hasher: PasswordHasher;
  audit: AuditLog;
  /** Called in the same transaction when a user gets an address that needs confirming (queues the email). */
  onEmailUnverified?: (tx: Db, user: User) => Promise<void>;
  /** Called in the same transaction when failed sign-ins lock an account (queues the email telling the user). */
  onLockedAutomatically?: (tx: Db, user: User, until: Date | null) => Promise<void>;
  /** Tells the mail worker there is something to send, once that transaction has committed. */
  wakeMail?: () => void;
  privacyDefaults: Record<PrivacyClaim, PrivacyLevel>;
  defaultPhoneRegion: string;
}

export class LastAdministratorError extends DomainError {
  constructor() {
    super('last_administrator', 'This is the last active Administrator. Make someone else an Administrator first.',
      409);
  }
}

export { AUTO_LOCK_REASON };
const SYSTEM_ACTOR: Actor = { type: 'system', label: 'automatic lockout' };

const PROFILE_FIELDS = ['login', 'email', 'phoneNumber', 'nickname', 'givenName', 'familyName', 'birthdate',
  'picture'] as const;

export function describeUser(user: Pick<User, 'id' | 'login' | 'email' | 'phoneNumber'>): string {
  return user.login ?? user.email ?? user.phoneNumber ?? `#${user.id}`;
}

export function createUserService(deps: UserServiceDeps) {
  const { db, users, hasher, audit, settings } = deps;
  const signIns = createSignInAudit(audit, describeUser);

  const levelsWith = (user: User, snapshot: SettingsSnapshot): PrivacyLevels =>
    effectiveLevels(user.claimPrivacy, deps.privacyDefaults,
      Object.fromEntries(snapshot.customFields.map((f) => [f.key, f.defaultPrivacy])));

  function ifActive(user: User | null): User | undefined {
    return user && signInStatus(user).kind === 'active' ? user : undefined;
  }

  /** The user, if it exists (a purged one has no row) and lies in the scope; otherwise not found. */
  async function requireUser(id: string, scope: StaffScope, tx?: Db): Promise<User> {
    const user = await users.findById(id, tx);
    if (!user || !inScope(scope, user)) throw new NotFoundError('User');
    return user;
  }

  /** As requireUser, for changes: a Manager may not change an Administrator. */
  async function requireChangeable(id: string, scope: StaffScope, tx?: Db): Promise<User> {
    const user = await requireUser(id, scope, tx);
    assertMayChange(scope, user);
    return user;
  }

  /** Checks role and organization against what the scope may grant; returns the stored values. */
  async function checkPermissions(input: PermissionsInput, scope: StaffScope, errors: Record<string, string>):
    Promise<{ role: Role; organizationId: number | null }> {
    const role = (input.role || 'MEMBER') as Role;
    if (!(ROLES as readonly string[]).includes(role)) errors.role = 'Choose Member, Manager or Administrator';
    else if (!grantableRoles(scope).includes(role)) {
      errors.role = 'Only an Administrator can grant the Administrator role';
    }
    const raw = input.organizationId;
    let organizationId: number | null = raw === null || raw === undefined || raw === '' ? null : Number(raw);
    if (scope.kind === 'organization') {
      // A Manager's users stay in the Manager's organization, whatever the form said.
      if (organizationId !== null && organizationId !== scope.organizationId) {
        errors.organizationId = 'You can only manage users of your own organization';
      }
      organizationId = scope.organizationId;
    } else if (organizationId !== null && !(await deps.organizations.findById(organizationId))) {
      errors.organizationId = 'Choose an existing organization';
      organizationId = null;
    }
    if (role === 'MANAGER' && organizationId === null && !errors.organizationId) {
      errors.organizationId = 'A Manager needs an organization to manage';
    }
    return { role, organizationId };
  }

  function uniqueness(err: unknown): never {
    const field = uniqueViolationField(err);
    if (field) throw new ValidationError({ [field]: `This ${field.replace('_', ' ')} is already in use` });
    throw err;
  }

  /**
   * Locks the account unless something else locked or blocked it meanwhile: of concurrent
   * failures only one locks it, so the user gets one email per lock.
   */
  async function lockAfterFailures(user: User, failures: number, lockMinutes: number): Promise<void> {
    const lockedUntil = lockMinutes > 0 ? new Date(Date.now() + lockMinutes * 60_000) : null;
    const locked = await db.transaction(async (tx) => {
      if (!(await users.lockAfterFailures(user.id, lockedUntil, AUTO_LOCK_REASON, tx))) return false;
      await audit.record({
        actor: SYSTEM_ACTOR, action: 'user.locked', targetUserId: user.id, targetLabel: describeUser(user),
        details: { automatic: true, failedSignIns: failures, until: lockedUntil?.toISOString() ?? null },
      }, tx);
      await deps.onLockedAutomatically?.(tx, user, lockedUntil);
      return true;
    });
    if (locked) deps.wakeMail?.();
  }

  return {
    /** `onCreated` runs inside the same transaction; throwing from it undoes the creation. */
    async create(input: CreateUserInput, actor: Actor, scope: StaffScope,
      onCreated?: (tx: Db, user: User) => Promise<void>): Promise<User> {
      const snapshot = await settings.current();
      const { data: profile, errors } = parseProfile(input,
        { defaultPhoneRegion: deps.defaultPhoneRegion, customFields: snapshot.customFields });
      const permissions = await checkPermissions(input, scope, errors);
      if (input.password !== undefined) {
        const problem = checkPassword(input.password, snapshot.passwordPolicy, profile);
        if (problem) errors.password = problem;
      }
      if (Object.keys(errors).length > 0) throw new ValidationError(errors);

      if (input.invite && !profile.email) {
        throw new ValidationError({ email: 'An invitation needs an email address to go to' });
      }
      const data: Partial<User> = { ...profile, ...permissions,
        emailVerified: Boolean(profile.email && input.emailVerified) };
      if (input.invite) data.invitedAt = new Date();
      else if (input.password !== undefined) {
        data.passwordHash = await hasher.hash(input.password);
        data.passwordUpdatedAt = new Date();
        data.passwordChangeRequired = Boolean(input.mustChangePassword);
      }
      try {
        return await db.transaction(async (tx) => {
          const user = await users.insert(data, tx);
          await audit.record({
            actor, action: 'user.created', targetUserId: user.id, targetLabel: describeUser(user),
            details: {
              role: user.role, organizationId: user.organizationId,
              fields: Object.keys(data).filter((k) => k !== 'passwordHash' && k !== 'passwordUpdatedAt'
                && data[k as keyof User] != null),
            },
          }, tx);
          await onCreated?.(tx, user);
          // An invitation proves nothing yet; its acceptance asks for the confirmation.
          if (user.email && !user.emailVerified && !input.invite) await deps.onEmailUnverified?.(tx, user);
          return user;
        });
      } catch (err) {
        return uniqueness(err);
      }
    },

    /** Saves the profile form. Identifiers that change lose their verified mark. `outer`: a unit of work to join. */
    async update(id: string, input: ProfileInput, actor: Actor, scope: StaffScope, outer?: Db): Promise<User> {
      const existing = await requireChangeable(id, scope, outer);
      const snapshot = await settings.current();
      const { data, errors } = parseProfile(input, {
        defaultPhoneRegion: deps.defaultPhoneRegion, customFields: snapshot.customFields,
        previousCustom: existing.customFields, previousPicture: existing.picture,
      });
      if (Object.keys(errors).length > 0) throw new ValidationError(errors);
      const changes: Partial<User> = {};
      for (const field of PROFILE_FIELDS) {
        if (data[field] !== existing[field]) (changes as Record<string, unknown>)[field] = data[field];
      }
      const changedCustom = data.customFields ? Object.keys({ ...existing.customFields, ...data.customFields })
        .filter((k) => JSON.stringify(existing.customFields[k]) !== JSON.stringify(data.customFields?.[k])) : [];
      if (changedCustom.length) changes.customFields = data.customFields;
      if ('email' in changes) changes.emailVerified = false;
      if ('phoneNumber' in changes) changes.phoneNumberVerified = false;
      const changedFields = [...Object.keys(changes).filter((k) => k !== 'customFields'),
        ...changedCustom.map((k) => `custom.${k}`)];
      if (changedFields.length === 0) return existing;
      try {
        await (outer ?? db).transaction(async (tx) => {
          await users.update(id, changes, tx);
          await audit.record({
            actor, action: 'user.updated', targetUserId: id, targetLabel: describeUser({ ...existing, ...changes }),
            details: { fields: changedFields },
          }, tx);
          if (changes.email) await deps.onEmailUnverified?.(tx, { ...existing, ...changes });
        });
      } catch (err) {
        return uniqueness(err);
      }
      return { ...existing, ...changes };
    },

    /** Removes one sign-in identifier; at least one must remain. It takes effect at once. */
    async removeIdentifier(id: string, kind: string, actor: Actor, scope: StaffScope): Promise<User> {
      const columns: Record<string, 'login' | 'email' | 'phoneNumber'> = { login: 'login', email: 'email',
        phone_number: 'phoneNumber' };
      const column = Object.hasOwn(columns, kind) ? columns[kind] : undefined;
      if (!column) throw new ValidationError({ identifier: 'Choose login, email or phone number' });
      return db.transaction(async (tx) => {
        const user = await requireChangeable(id, scope, tx);
        if (!user[column]) throw new ValidationError({ identifier: 'There is no such identifier on this account' });
        const remaining = (['login', 'email', 'phoneNumber'] as const).filter((c) => c !== column && user[c]);
        if (remaining.length === 0) throw new ValidationError({ identifier: 'Keep at least one way to sign in' });
        const changes: Partial<User> = { [column]: null };
        if (column === 'email') changes.emailVerified = false;
        if (column === 'phoneNumber') changes.phoneNumberVerified = false;
        await users.update(id, changes, tx);
        await audit.record({ actor, action: 'user.identifier_removed', targetUserId: id,
          targetLabel: describeUser(user), details: { identifier: kind } }, tx);
        return { ...user, ...changes };
      });
    },

    async changePermissions(id: string, input: PermissionsInput, actor: Actor, scope: StaffScope): Promise<User> {
      const errors: Record<string, string> = {};
      const permissions = await checkPermissions(input, scope, errors);
      if (Object.keys(errors).length) throw new ValidationError(errors);
      return db.transaction(async (tx) => {
        const user = await requireUser(id, scope, tx);
        if (protectsAdministrator(scope, user)) {
          throw new ValidationError({ role: "Only an Administrator can change an Administrator's permissions" });
        }
        if (user.role === 'ADMIN' && isPerson(user) && permissions.role !== 'ADMIN'
          && (await users.countActiveAdmins(tx)) <= 1 && !user.blocked) {
          throw new LastAdministratorError();
        }
        // The organization of one's own account may change; the role may not (the users policy).
        if (permissions.role !== user.role && isOwnAccount(actor, user)) {
          throw new ValidationError({ role: ownAccountRefusal('change-role', scope) });
        }
        const from = { role: user.role, organizationId: user.organizationId };
        if (from.role === permissions.role && from.organizationId === permissions.organizationId) return user;
        await users.update(id, permissions, tx);
        await audit.record({
          actor, action: 'user.permissions_changed', targetUserId: id, targetLabel: describeUser(user),
          details: { from, to: permissions },
        }, tx);
        return { ...user, ...permissions };
      });
    },

    /**
     * Checks a typed identifier and password. Always costs one bcrypt compare, known account
     * or not. Failures within the lockout window lock the account; a success clears the count
     * (and a lock that has run out). While the account is locked automatically every attempt
     * is `invalid`, the right password included, and counts nothing: the lock is no password
     * oracle and failures during it do not prolong it.
     *
     * With `context` (the sign-in page), every outcome is audited: success, failure (the account
     * when it exists, a hash of the typed identifier when not) and refusal by status. Without
     * it (a password typed again to confirm an action), only failures count toward the lock.
     */
    async signIn(identifier: string, password: string, context?: SignInContext): Promise<SignInResult> {
      const parsed = classifyIdentifier(identifier, deps.defaultPhoneRegion);
      const user = parsed ? await users.findByIdentifier(parsed.kind, parsed.value) : null;
      const ok = await hasher.verify(password, user?.passwordHash);
      const failed = async (reason: Parameters<typeof signIns.failed>[2]) => {
        if (context) await signIns.failed(user, identifier, reason, context);
        return { outcome: 'invalid' } as const;
      };
      const refused = async <R extends SignInResult>(result: R & { user: User },
        reason: Parameters<typeof signIns.refused>[1]): Promise<R> => {
        if (context) await signIns.refused(result.user, reason, context);
        return result;
      };
      // A service account never signs in (whatever its row holds), and typing its name counts nothing:
      // failures must not lock the account its provisioning key depends on.
      if (user && !isPerson(user)) return failed('not_a_person');
      if (user && isLockedAutomatically(user)) return failed('locked_automatically');
      if (!user || !ok) {
        const { lockout } = await settings.current();
        const failures = await users.countFailedSignIn(user?.id ?? null, lockout.windowMinutes);
        const result = await failed('wrong_password');
        if (user && failures >= lockout.maxFailures && signInStatus(user).kind === 'active') {
          await lockAfterFailures(user, failures, lockout.lockMinutes);
        }
        return result;
      }
      if (user.deletionScheduledAt && !user.blocked) {
        return refused({ outcome: 'deletion_scheduled', user, at: user.deletionScheduledAt }, 'deletion_scheduled');
      }
      const status = signInStatus(user);
      if (status.kind === 'deleted') return failed('deleted');
      if (status.kind === 'blocked') return refused({ outcome: 'blocked', user }, 'blocked');
      if (status.kind === 'locked') return refused({ outcome: 'locked', user, until: status.until }, 'locked');
      if (user.passwordResetRequired) return refused({ outcome: 'reset_required', user }, 'reset_required');
      const expiredLock = user.lockedAt ? { lockedAt: null, lockedUntil: null, lockedReason: null } : {};
      await db.transaction(async (tx) => {
        await users.update(user.id,
          { lastSignInAt: new Date(), failedSignIns: 0, failedSignInsSince: null, ...expiredLock }, tx);
        if (context) await signIns.succeeded(user, context, Boolean(user.lockedAt), tx);
      });
      return user.passwordChangeRequired ? { outcome: 'change_required', user } : { outcome: 'ok', user };
    },

    /** The account if it may hold tokens right now (not blocked, locked or deleted). */
    async findActive(id: string): Promise<User | undefined> {
      return ifActive(await users.findById(id));
    },

    /** The user if it may hold tokens right now; for a row already read. */
    ifActive,

    /** Inside a transaction (`tx`) through it; otherwise batched with concurrent lookups. */
    findById: (id: string, tx?: Db) => users.findById(id, tx),

    /** Many users in one statement; those that do not exist are left out. */
    findByIds: (ids: string[], tx?: Db) => users.findByIds(ids, tx),

    /** For the console: the user if the scope reaches it, else NotFoundError. */
    get: (id: string, scope: StaffScope) => requireUser(id, scope),

    /** For pages that change a user: also refuses a Manager an Administrator. */
    getChangeable: (id: string, scope: StaffScope, tx?: Db) => requireChangeable(id, scope, tx),

    /** The user a sign-in identifier (login, email or phone, as typed) names, if any. */
    async findBySignInIdentifier(typed: string): Promise<User | undefined> {
      const parsed = classifyIdentifier(typed, deps.defaultPhoneRegion);
      return (parsed ? await users.findByIdentifier(parsed.kind, parsed.value) : null) ?? undefined;
    },

    /** A user id, login, email or phone as typed into a filter; the id of that user, if any. */
    async resolveId(typed: string): Promise<string | undefined> {
      const value = typed.trim();
      if (/^[0-9]{1,18}$/.test(value)) return value;
      const parsed = classifyIdentifier(value, deps.defaultPhoneRegion);
      return parsed ? (await users.findByIdentifier(parsed.kind, parsed.value))?.id : undefined;
    },

    async findByLogin(login: string): Promise<User> {
      const user = await users.findByLogin(login);
      if (!user) throw new NotFoundError(`User "${login}"`);
      return user;
    },

    async privacyLevels(user: User): Promise<PrivacyLevels> {
      return levelsWith(user, await settings.current());
    },

    /**
     * Sets one field's level (built-in or a defined custom field); takes effect for the next token
     * or userinfo call.
     */
    async setPrivacy(id: string, field: string, level: string, actor: Actor,
      scope: StaffScope): Promise<PrivacyLevels> {
      const snapshot = await settings.current();
      return db.transaction(async (tx) => {
        const user = await requireChangeable(id, scope, tx);
        const before = levelsWith(user, snapshot);
        const errors: Record<string, string> = {};
        if (!isKnownPrivacyField(field, before)) errors.claim = `Choose one of ${Object.keys(before).join(', ')}`;
        if (!isPrivacyLevel(level)) errors.level = `Choose one of ${PRIVACY_LEVELS.join(', ')}`;
        if (Object.keys(errors).length) throw new ValidationError(errors);
        const claimPrivacy = { ...user.claimPrivacy, [field]: level };
        await users.update(id, { claimPrivacy }, tx);
        await audit.record({
          actor, action: 'user.privacy_changed', targetUserId: id, targetLabel: describeUser(user),
          details: { claim: field, from: before[field], to: level },
        }, tx);
        return levelsWith({ ...user, claimPrivacy }, snapshot);
      });
    },

    /** Turns the public profile (/u/<login>) on or off; audited when it changes. Returns whether it is on. */
    async setPublicProfile(id: string, on: boolean, actor: Actor, scope: StaffScope): Promise<boolean> {
      return db.transaction(async (tx) => {
        const user = await requireChangeable(id, scope, tx);
        if (publicProfileOn(user.claimPrivacy) === on) return on; // a reload changes nothing
        const { [PUBLIC_PROFILE_KEY]: _was, ...rest } = user.claimPrivacy ?? {};
        void _was;
        const claimPrivacy = on ? { ...rest, [PUBLIC_PROFILE_KEY]: 'on' } : rest;
        await users.update(id, { claimPrivacy }, tx);
        await audit.record({
          actor, action: on ? 'user.public_profile_on' : 'user.public_profile_off', targetUserId: id,
          targetLabel: describeUser(user),
        }, tx);
        return on;
      });
    },

    countAdmins: () => users.countAdmins(),
  };
}

export type UserService = ReturnType<typeof createUserService>;
export type { ProfileData };
