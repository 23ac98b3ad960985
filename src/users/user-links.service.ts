// Flows that reach a user through an email or a one-time link: invitations, admin-set and
// temporary passwords, forced resets, recovery links, forgotten passwords and email
// verification. Messages are queued in the same transaction as the change that causes them.
import type { Actor, AuditLog } from '../audit/audit.service.js';
import type { MailConfig } from '../config/config.js';
import type { Db } from '../db/database.js';
import type { User } from '../db/entities/user.entity.js';
import type { QueuedMessage } from '../mail/outbox.repository.js';
import { DomainError, ValidationError } from '../platform/errors.js';
import type { OneTimeTokens, TokenState } from './one-time-token.repository.js';
import type { PasswordHasher } from './password.js';
import { checkPassword } from '../settings/password-policy.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { StaffScope } from '../platform/access.js';
import type { UserLifecycle } from './user-lifecycle.service.js';
import type { UserRepository } from './user.repository.js';
import { describeUser, type CreateUserInput, type UserService } from './user.service.js';
import { mayResetPassword } from './user-status.js';
import { assertPerson } from './user.policy.js';

export interface UserLinksDeps {
  db: Db;
  users: UserService;
  repository: UserRepository;
  lifecycle: UserLifecycle;
  tokens: OneTimeTokens;
  hasher: PasswordHasher;
  settings: SettingsService;
  audit: AuditLog;
  enqueue: (message: QueuedMessage, tx?: Db) => Promise<string>;
  /** Tells the mail worker there is something to send. */
  wakeMail: () => void;
  mail: MailConfig;
  issuer: string;
}

export class LinkNotUsableError extends DomainError {
  constructor(readonly state: Exclude<TokenState['state'], 'valid'>) {
    super(`link_${state}`,
      state === 'expired' ? 'This link has expired.'
      : state === 'used' ? 'This link has already been used.'
      : state === 'superseded' ? 'A newer link was sent; this one no longer works.'
      : state === 'cancelled' ? 'This invitation was cancelled.' : 'This link is not valid.', 410);
  }
}

export class NotInvitedError extends DomainError {
  constructor() {
    super('not_invited', 'This user has no pending invitation.', 409);
  }
}

const SELF_SERVICE: Actor = { type: 'system', label: 'self-service' };
const RESET_PURPOSES = ['password_reset', 'recovery'] as const;

/** The message that carries an email-verification link (the link is made when it goes out). */
export function verificationMessage(user: Pick<User, 'id' | 'email'>): QueuedMessage {
  return { template: 'email-verification', to: user.email, userId: user.id };
}

export function createUserLinks(deps: UserLinksDeps) {
  const { db, users, repository, tokens, hasher, settings, audit } = deps;

  async function queue(message: QueuedMessage, tx?: Db): Promise<void> {
    await deps.enqueue(message, tx);
    if (!tx) deps.wakeMail();
  }

  async function newPasswordFor(user: User, password: string, confirm?: string): Promise<string> {
    const errors: Record<string, string> = {};
    const problem = checkPassword(password, (await settings.current()).passwordPolicy, user);
    if (problem) errors.password = problem;
    else if (confirm !== undefined && confirm !== password) errors.password_confirm = 'The two passwords differ';
    if (Object.keys(errors).length) throw new ValidationError(errors);
    return hasher.hash(password);
  }

  /** Uses up a link, or says precisely why it cannot be used. */
  async function consume(purposes: readonly string[], raw: string, tx: Db) {
    for (const purpose of purposes) {
      const token = await tokens.consume(purpose, raw, tx);
      if (token) return token;
    }
    const states = await Promise.all(purposes.map((p) => tokens.inspect(p, raw)));
    const known = states.find((s) => s.state !== 'unknown');
    throw new LinkNotUsableError(known && known.state !== 'valid' ? known.state : 'unknown');
  }

  return {
    /** Creates the invited user (status Invited, no password) and queues the invitation. */
    async invite(input: Pick<CreateUserInput, 'email' | 'role' | 'organizationId' | 'nickname'>, actor: Actor,
      scope: StaffScope): Promise<User> {
      const user = await users.create({ ...input, invite: true }, actor, scope, async (tx, created) => {
        await queue({ template: 'invitation', to: created.email, userId: created.id, params: { inviter: actor.label } },
          tx);
        await audit.record({ actor, action: 'user.invited', targetUserId: created.id,
          targetLabel: describeUser(created) }, tx);
      });
      deps.wakeMail();
      return user;
    },

    async resendInvitation(id: string, actor: Actor, scope: StaffScope): Promise<void> {
      await db.transaction(async (tx) => {
        const user = await users.getChangeable(id, scope, tx);
        if (!user.invitedAt || !user.email) throw new NotInvitedError();
        // The old link stops working now; the new one is made when the message goes out.
        await tokens.revokeFor(user.id, 'invitation', tx);
        await queue({ template: 'invitation', to: user.email, userId: user.id, params: { inviter: actor.label } }, tx);
        await audit.record({ actor, action: 'user.invitation_resent', targetUserId: id,
          targetLabel: describeUser(user) }, tx);
      });
      deps.wakeMail();
    },

    /** Removes a pending (never accepted) account. */
    async cancelInvitation(id: string, actor: Actor, scope: StaffScope): Promise<void> {
      await db.transaction(async (tx) => {
        const user = await users.getChangeable(id, scope, tx);
        if (!user.invitedAt) throw new NotInvitedError();
        // Before the account goes (its links would go with it): a link opened later says it was cancelled.
        await tokens.cancelFor(id, 'invitation', tx);
        await audit.record({ actor, action: 'user.invitation_cancelled', targetUserId: id,
          targetLabel: describeUser(user) }, tx);
        await deps.lifecycle.delete(id, actor, scope, tx);
      });
    },

    /** When the user's pending invitation link stops working (null: no expiry; undefined: none pending). */
    invitationExpiry: (userId: string) => tokens.expiryOf(userId, 'invitation'),

    /** Whether an invitation, reset or verification link can be used, before showing its form. */
    async inspect(kind: 'invitation' | 'reset' | 'verification', raw: string): Promise<TokenState> {
      const purposes = kind === 'invitation' ? ['invitation']
        : kind === 'verification' ? ['email_verification'] : [...RESET_PURPOSES];
      let found: TokenState = { state: 'unknown' };
      for (const purpose of purposes) {
        const state = await tokens.inspect(purpose, raw);
        if (state.state === 'valid') return state;
        if (state.state !== 'unknown') found = state;
      }
      return found;
    },

    /**
     * The invited user chooses a password. Opening the link proved the inbox it was sent to, so
     * that address is confirmed and no confirmation email follows; only when the address changed
     * since (or the link names none) does it still need confirming, by a link of its own.
     */
    async acceptInvitation(raw: string, password: string, confirm: string): Promise<User> {
      const found = await this.inspect('invitation', raw);
      if (found.state !== 'valid') throw new LinkNotUsableError(found.state);
      const invited = await users.findById(found.token.user_id ?? '');
      if (!invited || !invited.invitedAt) throw new LinkNotUsableError('used');
      const passwordHash = await newPasswordFor(invited, password, confirm);
      return db.transaction(async (tx) => {
        const token = await consume(['invitation'], raw, tx);
        const user = await users.getChangeable(token.user_id!, { kind: 'all' }, tx);
        const sentTo = typeof token.data?.email === 'string' ? token.data.email : undefined;
        const proven = Boolean(user.email && sentTo && sentTo.toLowerCase() === user.email.toLowerCase());
        const changes = { passwordHash, passwordUpdatedAt: new Date(), invitedAt: null, emailVerified: proven };
        await repository.update(user.id, changes, tx);
        await audit.record({ actor: { type: 'user', id: user.id, label: describeUser(user) },
          action: 'user.invitation_accepted', targetUserId: user.id, targetLabel: describeUser(user),
          details: { emailVerified: proven } }, tx);
        if (user.email && !proven) {
          await queue({ template: 'email-verification', to: user.email, userId: user.id }, tx);
        }
        return { ...user, ...changes };
      }).finally(deps.wakeMail);
    },

    /** An admin sets the password (optionally temporary). It also unlocks the account. `outer`: a unit to join. */
    async setPassword(id: string, password: string, options: { mustChange: boolean }, actor: Actor,
      scope: StaffScope, outer?: Db): Promise<void> {
      const user = await users.getChangeable(id, scope, outer);
      assertPerson(user);
      const passwordHash = await newPasswordFor(user, password);
      await (outer ?? db).transaction(async (tx) => {
        await users.getChangeable(id, scope, tx);
        await repository.update(id, {
          passwordHash, passwordUpdatedAt: new Date(), passwordChangeRequired: options.mustChange,
          passwordResetRequired: false, invitedAt: null,
          lockedAt: null, lockedUntil: null, lockedReason: null, failedSignIns: 0, failedSignInsSince: null,
        }, tx);
        await audit.record({
          actor, action: 'user.password_set', targetUserId: id, targetLabel: describeUser(user),
          details: { temporary: options.mustChange, unlocked: Boolean(user.lockedAt) },
        }, tx);
      });
    },

    /**
     * The user replaces a temporary password during sign-in (the interaction proved they
     * know it). The new one must pass the policy and differ from the temporary one.
     */
    async replaceTemporaryPassword(userId: string, password: string, confirm: string): Promise<User> {
      const user = await users.findById(userId);
      if (!user || !user.passwordChangeRequired) throw new LinkNotUsableError('used');
      const passwordHash = await newPasswordFor(user, password, confirm);
      if (await hasher.verify(password, user.passwordHash)) {
        throw new ValidationError({ password: 'Choose a password different from the temporary one' });
      }
      await db.transaction(async (tx) => {
        await repository.update(userId, { passwordHash, passwordUpdatedAt: new Date(), passwordChangeRequired: false },
          tx);
        await audit.record({ actor: { type: 'user', id: userId, label: describeUser(user) },
          action: 'user.password_changed', targetUserId: userId, targetLabel: describeUser(user),
          details: { temporaryReplaced: true } }, tx);
      });
      return { ...user, passwordChangeRequired: false };
    },

    /** The user changes their own password: the current one is required; other sessions end. */
    async changeOwnPassword(userId: string, current: string, password: string, confirm: string,
      keepSessionHandle?: string): Promise<void> {
      const user = await users.findById(userId);
      if (!user) throw new LinkNotUsableError('unknown');
      if (!(await hasher.verify(current, user.passwordHash))) {
        throw new ValidationError({ current_password: 'This is not your current password' });
      }
      const passwordHash = await newPasswordFor(user, password, confirm);
      const self: Actor = { type: 'user', id: userId, label: describeUser(user) };
      await db.transaction(async (tx) => {
        await repository.update(userId, { passwordHash, passwordUpdatedAt: new Date(), passwordChangeRequired: false },
          tx);
        await audit.record({ actor: self, action: 'user.password_changed', targetUserId: userId,
          targetLabel: describeUser(user) }, tx);
      });
      await deps.lifecycle.endOtherSessions(userId, keepSessionHandle, self);
    },

    /** Status Password reset pending, every session and token ended (the lifecycle's), and the link emailed. */
    /** `outer`: a unit of work to join (SCIM creates a user with a reset pending in one). */
    async forcePasswordReset(id: string, actor: Actor, scope: StaffScope, outer?: Db): Promise<void> {
      await deps.lifecycle.forcePasswordReset(id, actor, scope, async (tx, user) => {
        await queue({ template: 'password-reset', to: user.email, userId: id, params: { forced: true } }, tx);
        await tx.afterCommit(deps.wakeMail);
      }, outer);
    },

    /** A one-time link an admin copies into a message of their own; shown once, stored hashed. */
    async recoveryLink(id: string, actor: Actor, scope: StaffScope): Promise<{ url: string; expiresAt: Date }> {
      const user = await users.getChangeable(id, scope);
      assertPerson(user);
      const ttlSeconds = deps.mail.linkTtlMinutes.recovery * 60;
      const token = await db.transaction(async (tx) => {
        await tokens.revokeFor(id, 'recovery', tx);
        const issued = await tokens.issue('recovery', { userId: id, ttlSeconds }, tx);
        await audit.record({ actor, action: 'user.recovery_link_viewed', targetUserId: id,
          targetLabel: describeUser(user) }, tx);
        return issued;
      });
      return { url: `${deps.issuer}/reset-password/${token}`, expiresAt: new Date(Date.now() + ttlSeconds * 1000) };
    },

    async emailRecoveryLink(id: string, actor: Actor, scope: StaffScope): Promise<void> {
      await db.transaction(async (tx) => {
        const user = await users.getChangeable(id, scope, tx);
        assertPerson(user);
        if (!user.email) throw new ValidationError({ email: 'This user has no email address to send the link to' });
        await queue({ template: 'recovery', to: user.email, userId: id }, tx);
        await audit.record({ actor, action: 'user.recovery_link_sent', targetUserId: id,
          targetLabel: describeUser(user) }, tx);
      });
      deps.wakeMail();
    },

    /**
     * Someone asked for a reset link for an identifier. The answer and the work are the same
     * whether or not the account exists: one queued row; the mail worker resolves it.
     */
    async requestPasswordReset(identifier: string, ip: string): Promise<void> {
      const typed = identifier.trim().slice(0, 320);
      // Named in the audit log when the account exists (the answer to the client is the same either way).
      const account = typed ? await users.findBySignInIdentifier(typed) : undefined;
      await db.transaction(async (tx) => {
        await queue({ template: 'password-reset', params: { identifier: typed } }, tx);
        await audit.record({ actor: SELF_SERVICE, action: 'user.password_reset_requested', details: { ip },
          ...(account ? { targetUserId: account.id, targetLabel: describeUser(account) } : {}) }, tx);
      });
      deps.wakeMail();
    },

    /** A reset or recovery link used: new password, status Active, every session and token ended. */
    async completeReset(raw: string, password: string, confirm: string): Promise<User> {
      const found = await this.inspect('reset', raw);
      if (found.state !== 'valid') throw new LinkNotUsableError(found.state);
      const target = await users.findById(found.token.user_id ?? '');
      if (!target || !mayResetPassword(target)) throw new LinkNotUsableError('unknown');
      const passwordHash = await newPasswordFor(target, password, confirm);
      const user = await db.transaction(async (tx) => {
        const token = await consume(RESET_PURPOSES, raw, tx);
        const current = await users.getChangeable(token.user_id!, { kind: 'all' }, tx);
        await repository.update(current.id, {
          passwordHash, passwordUpdatedAt: new Date(), passwordResetRequired: false, passwordChangeRequired: false,
          invitedAt: null,
          lockedAt: null, lockedUntil: null, lockedReason: null, failedSignIns: 0, failedSignInsSince: null,
        }, tx);
        await audit.record({
          actor: { type: 'user', id: current.id, label: describeUser(current) }, action: 'user.password_reset',
          targetUserId: current.id,
          targetLabel: describeUser(current), details: { link: token.purpose },
        }, tx);
        return current;
      });
      // Everything signed in with the old password ends (and apps are told).
      await deps.lifecycle.endSessions(user.id, { type: 'user', id: user.id, label: describeUser(user) },
        { kind: 'all' });
      return user;
    },

    /** Queues a new verification email for the user's current address. */
    async resendVerification(id: string, actor: Actor, scope: StaffScope): Promise<void> {
      await db.transaction(async (tx) => {
        const user = await users.getChangeable(id, scope, tx);
        if (!user.email) throw new ValidationError({ email: 'This user has no email address' });
        if (user.emailVerified) throw new ValidationError({ email: 'This address is already confirmed' });
        await queue({ template: 'email-verification', to: user.email, userId: id }, tx);
        await audit.record({ actor, action: 'user.verification_sent', targetUserId: id,
          targetLabel: describeUser(user) }, tx);
      });
      deps.wakeMail();
    },

    /** Queues the verification email in the caller's transaction (new user, changed address). */
    queueVerification: (tx: Db, user: User) => queue(verificationMessage(user), tx),

    /** Confirms the address the link was sent to, if it is still the user's address. */
    async verifyEmail(raw: string): Promise<User> {
      return db.transaction(async (tx) => {
        const token = await consume(['email_verification'], raw, tx);
        const user = await users.getChangeable(token.user_id ?? '', { kind: 'all' }, tx);
        const address = typeof token.data?.email === 'string' ? token.data.email : undefined;
        if (!address || address.toLowerCase() !== user.email?.toLowerCase()) throw new LinkNotUsableError('used');
        await repository.update(user.id, { emailVerified: true }, tx);
        await audit.record({ actor: { type: 'user', id: user.id, label: describeUser(user) },
          action: 'user.email_verified', targetUserId: user.id, targetLabel: describeUser(user) }, tx);
        return { ...user, emailVerified: true };
      });
    },
  };
}

export type UserLinks = ReturnType<typeof createUserLinks>;
