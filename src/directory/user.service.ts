// The user aggregate: creation, sign-in checks, status changes and privacy levels.
import type { DataSource, EntityManager } from 'typeorm';
import type { Actor, AuditLog } from '../audit/audit.service.js';
import { ROLES, type Role, type User } from '../db/entities/user.entity.js';
import { NotFoundError, ValidationError } from './errors.js';
import { classifyIdentifier, normalizePhone, validateEmail, validateLogin } from './identifiers.js';
import { checkPasswordRules, type PasswordHasher } from './password.js';
import { effectiveLevels, isPrivacyClaim, isPrivacyLevel, PRIVACY_CLAIMS, PRIVACY_LEVELS, type PrivacyLevels } from './privacy.js';
import { uniqueViolationField, type UserRepository } from './user.repository.js';
import { signInStatus } from './user-status.js';

export interface CreateUserInput {
  login?: string;
  email?: string;
  phoneNumber?: string;
  password?: string;
  nickname?: string;
  givenName?: string;
  familyName?: string;
  birthdate?: string;
  picture?: string;
  role?: string;
  organizationId?: number | null;
  emailVerified?: boolean;
}

export type SignInResult =
  | { outcome: 'invalid' }
  | { outcome: 'blocked'; user: User }
  | { outcome: 'locked'; user: User; until: Date | null }
  | { outcome: 'ok'; user: User };

/** Removes every provider record of an account inside the caller's transaction. */
export type AccountTokenRevoker = (manager: EntityManager, accountId: string) => Promise<number>;

export interface UserServiceDeps {
  dataSource: DataSource;
  users: UserRepository;
  hasher: PasswordHasher;
  audit: AuditLog;
  revokeAccountTokens: AccountTokenRevoker;
  privacyDefaults: PrivacyLevels;
  defaultPhoneRegion: string;
}

const NAME_MAX = 200;

export function createUserService(deps: UserServiceDeps) {
  const { dataSource, users, hasher, audit } = deps;

  function describe(user: User): string {
    return user.login ?? user.email ?? user.phoneNumber ?? `#${user.id}`;
  }

  function validateCreate(input: CreateUserInput): { data: Partial<User>; password?: string } {
    const errors: Record<string, string> = {};
    const clean = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());
    const login = clean(input.login);
    const email = clean(input.email);
    const phoneRaw = clean(input.phoneNumber);
    let phoneNumber: string | undefined;

    if (login) errors.login = validateLogin(login) ?? '';
    if (email) errors.email = validateEmail(email) ?? '';
    if (phoneRaw) {
      phoneNumber = normalizePhone(phoneRaw, deps.defaultPhoneRegion);
      if (!phoneNumber) errors.phone_number = 'Enter a valid phone number, e.g. +14155550123';
    }
    if (!login && !email && !phoneRaw) errors.login = 'Give at least one of login, email or phone number';
    if (input.password !== undefined) {
      const problem = checkPasswordRules(input.password);
      if (problem) errors.password = problem;
    }
    const role = input.role ?? 'MEMBER';
    if (!(ROLES as readonly string[]).includes(role)) errors.role = `Choose one of ${ROLES.join(', ')}`;
    for (const [field, value] of [['nickname', input.nickname], ['given_name', input.givenName], ['family_name', input.familyName]] as const) {
      if (value && value.length > NAME_MAX) errors[field] = `Use at most ${NAME_MAX} characters`;
    }
    const birthdate = clean(input.birthdate);
    if (birthdate && (!/^\d{4}-\d{2}-\d{2}$/.test(birthdate) || Number.isNaN(Date.parse(birthdate)))) {
      errors.birthdate = 'Use the form YYYY-MM-DD';
    }
    const picture = clean(input.picture);
    if (picture && !/^https?:\/\/\S+$/.test(picture)) errors.picture = 'Enter an http(s) URL';

    for (const key of Object.keys(errors)) if (!errors[key]) delete errors[key];
    if (Object.keys(errors).length > 0) throw new ValidationError(errors);

    return {
      password: input.password,
      data: {
        login: login ?? null,
        email: email ?? null,
        emailVerified: Boolean(email && input.emailVerified),
        phoneNumber: phoneNumber ?? null,
        nickname: clean(input.nickname) ?? null,
        givenName: clean(input.givenName) ?? null,
        familyName: clean(input.familyName) ?? null,
        birthdate: birthdate ?? null,
        picture: picture ?? null,
        role: role as Role,
        organizationId: input.organizationId ?? null,
      },
    };
  }

  function ifActive(user: User | null): User | undefined {
    return user && signInStatus(user).kind === 'active' ? user : undefined;
  }

  async function requireUser(id: string, manager?: EntityManager): Promise<User> {
    const user = await users.findById(id, manager);
    if (!user || user.deletedAt) throw new NotFoundError('User');
    return user;
  }

  return {
    /** `onCreated` runs inside the same transaction; throwing from it undoes the creation. */
    async create(input: CreateUserInput, actor: Actor, onCreated?: (manager: EntityManager, user: User) => Promise<void>): Promise<User> {
      const { data, password } = validateCreate(input);
      if (password !== undefined) {
        data.passwordHash = await hasher.hash(password);
        data.passwordUpdatedAt = new Date();
      }
      try {
        return await dataSource.transaction(async (manager) => {
          const user = await users.insert(data, manager);
          await audit.record({
            actor, action: 'user.created', targetUserId: user.id, targetLabel: describe(user),
            details: { role: user.role, fields: Object.keys(data).filter((k) => k !== 'passwordHash' && data[k as keyof User] != null) },
          }, manager);
          await onCreated?.(manager, user);
          return user;
        });
      } catch (err) {
        const field = uniqueViolationField(err);
        if (field) throw new ValidationError({ [field]: `This ${field.replace('_', ' ')} is already in use` });
        throw err;
      }
    },

    /** Checks a typed identifier and password. Always costs one bcrypt compare. */
    async signIn(identifier: string, password: string): Promise<SignInResult> {
      const parsed = classifyIdentifier(identifier, deps.defaultPhoneRegion);
      const user = parsed ? await users.findByIdentifier(parsed.kind, parsed.value) : null;
      const ok = await hasher.verify(password, user?.passwordHash);
      if (!user || !ok) return { outcome: 'invalid' };
      const status = signInStatus(user);
      if (status.kind === 'deleted') return { outcome: 'invalid' };
      if (status.kind === 'blocked') return { outcome: 'blocked', user };
      if (status.kind === 'locked') return { outcome: 'locked', user, until: status.until };
      await users.update(user.id, { lastSignInAt: new Date() });
      return { outcome: 'ok', user };
    },

    /** The account if it may hold tokens right now (not blocked, locked or deleted). */
    async findActive(id: string): Promise<User | undefined> {
      return ifActive(await users.findById(id));
    },

    /** The user if it may hold tokens right now; for a row already read. */
    ifActive,

    findById: (id: string) => users.findById(id),

    async findByLogin(login: string): Promise<User> {
      const user = await users.findByLogin(login);
      if (!user) throw new NotFoundError(`User "${login}"`);
      return user;
    },

    privacyLevels(user: User): PrivacyLevels {
      return effectiveLevels(user.claimPrivacy, deps.privacyDefaults);
    },

    /** Blocks the account and, in the same transaction, ends every session and token it holds. */
    async block(id: string, actor: Actor): Promise<{ user: User; revoked: number }> {
      return dataSource.transaction(async (manager) => {
        const user = await requireUser(id, manager);
        await users.update(id, { blocked: true, blockedAt: new Date() }, manager);
        const revoked = await deps.revokeAccountTokens(manager, id);
        await audit.record({ actor, action: 'user.blocked', targetUserId: id, targetLabel: describe(user), details: { revokedRecords: revoked } }, manager);
        return { user: { ...user, blocked: true }, revoked };
      });
    },

    async unblock(id: string, actor: Actor): Promise<User> {
      return dataSource.transaction(async (manager) => {
        const user = await requireUser(id, manager);
        await users.update(id, { blocked: false, blockedAt: null }, manager);
        await audit.record({ actor, action: 'user.unblocked', targetUserId: id, targetLabel: describe(user) }, manager);
        return { ...user, blocked: false, blockedAt: null };
      });
    },

    async setPrivacy(id: string, claim: string, level: string, actor: Actor): Promise<PrivacyLevels> {
      const errors: Record<string, string> = {};
      if (!isPrivacyClaim(claim)) errors.claim = `Choose one of ${PRIVACY_CLAIMS.join(', ')}`;
      if (!isPrivacyLevel(level)) errors.level = `Choose one of ${PRIVACY_LEVELS.join(', ')}`;
      if (Object.keys(errors).length) throw new ValidationError(errors);
      return dataSource.transaction(async (manager) => {
        const user = await requireUser(id, manager);
        const claimPrivacy = { ...user.claimPrivacy, [claim]: level };
        await users.update(id, { claimPrivacy }, manager);
        await audit.record({
          actor, action: 'user.privacy_changed', targetUserId: id, targetLabel: describe(user),
          details: { claim, from: effectiveLevels(user.claimPrivacy, deps.privacyDefaults)[claim as keyof PrivacyLevels], to: level },
        }, manager);
        return effectiveLevels(claimPrivacy, deps.privacyDefaults);
      });
    },

    countAdmins: () => users.countAdmins(),
  };
}

export type UserService = ReturnType<typeof createUserService>;
