// The actions admins reach for when something is wrong with an account: end its sessions,
// lock and unlock it, delete it. Each runs in one transaction with its audit event, so it
// takes effect everywhere at once (every Foyer process reads the same rows) or not at all.
import type { Actor, AuditLog } from '../audit/audit.service.js';
import type { Db } from '../db/database.js';
import type { User } from '../db/entities/user.entity.js';
import type { EndedSession, SessionsEndedListener } from '../sessions/ended-sessions.js';
import { ValidationError } from '../platform/errors.js';
import { ALL_USERS, type StaffScope } from '../platform/access.js';
import { describeUser, LastAdministratorError, type UserService } from './user.service.js';
import type { UserRepository } from './user.repository.js';
import { createUserLifecycleRepository } from './user-lifecycle.repository.js';
import { assertNotOwnAccount, assertPerson, isPerson } from './user.policy.js';

export interface LockInput {
  reason?: string;
  /** YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC); empty = until an admin unlocks. */
  until?: string;
}

/** Removes every provider record of an account inside the caller's transaction. */
export type AccountTokenRevoker = (tx: Db, accountId: string) => Promise<number>;

/**
 * Deletes, inside the caller's transaction, the applications the user is the only owner of;
 * returns them (deleteOwnedApplications in src/applications/application.repository.ts).
 */
export type OwnedApplicationsDeleter = (tx: Db, userId: string) => Promise<{ clientId: string; name: string }[]>;

/** Targeted revocations on one account's provider records (src/sessions/account-records.repository.ts). */
export interface AccountRecordRevoker {
  endSessions(tx: Db, accountId: string, sessionHandles: string[]): Promise<{ ended: EndedSession[]; revoked: number }>;
  /** By the applications' client ids: the consent, the grants made from it and their tokens. */
  revokeConsents(tx: Db, accountId: string, clientIds: string[]): Promise<number>;
  revokeRefreshTokens(tx: Db, accountId: string, tokenHandles: string[]): Promise<number>;
}

export interface UserLifecycleDeps {
  records: AccountRecordRevoker;
  db: Db;
  users: UserService;
  repository: UserRepository;
  audit: AuditLog;
  revokeAccountTokens: AccountTokenRevoker;
  deleteOwnedApplications: OwnedApplicationsDeleter;
}

const REASON_MAX = 200;

function parseUntil(raw: string | undefined): Date | null | 'invalid' {
  const text = raw?.trim();
  if (!text) return null;
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}))?$/.exec(text);
  const date = m ? new Date(`${m[1]}T${m[2] ?? '00:00'}:00Z`) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : 'invalid';
}

const PURGE_ACTOR: Actor = { type: 'system', label: 'deletion grace period over' };

export function createUserLifecycle(deps: UserLifecycleDeps) {
  const { db, users, repository, audit } = deps;
  const accountSessions = createUserLifecycleRepository(db);
  const listeners: SessionsEndedListener[] = [];

  /** Refuses when no other active Administrator would remain. */
  async function lastAdminGuard(tx: Db, id: string): Promise<void> {
    if ((await repository.countOtherActiveAdmins(id, tx)) === 0) throw new LastAdministratorError();
  }

  async function announce(accountId: string, sessions: EndedSession[]): Promise<void> {
    for (const listener of listeners) await listener(accountId, sessions);
  }

  /** Revokes every provider record of the account inside `tx`; returns what was there. */
  async function revokeAll(tx: Db, accountId: string) {
    const sessions = await accountSessions.sessionsOf(accountId, tx);
    const revoked = await deps.revokeAccountTokens(tx, accountId);
    return { sessions, revoked };
  }

  return {
    /** Back-channel logout and the like hook in here (wired in app.ts, which has the provider). */
    onSessionsEnded(listener: SessionsEndedListener): void {
      listeners.push(listener);
    },

    /**
     * Blocked: refused at sign-in (after a correct password) and everywhere else; sessions and tokens end.
     * Never one's own account (block, lock and delete alike: see the users policy).
     * `outer`: a unit of work to join (SCIM creates a user and blocks it in one).
     */
    async block(id: string, actor: Actor, scope: StaffScope, outer?: Db): Promise<{ user: User; revoked: number }> {
      assertNotOwnAccount(actor, { id }, 'block', scope);
      return (outer ?? db).transaction(async (tx) => {
        const target = await users.getChangeable(id, scope, tx);
        await repository.update(id, { blocked: true, blockedAt: new Date() }, tx);
        const ended = await revokeAll(tx, id);
        await audit.record({ actor, action: 'user.blocked', targetUserId: id, targetLabel: describeUser(target),
          details: { revokedRecords: ended.revoked } }, tx);
        await tx.afterCommit(() => announce(id, ended.sessions));
        return { user: { ...target, blocked: true }, revoked: ended.revoked };
      });
    },

    async unblock(id: string, actor: Actor, scope: StaffScope, outer?: Db): Promise<User> {
      return (outer ?? db).transaction(async (tx) => {
        const target = await users.getChangeable(id, scope, tx);
        await repository.update(id, { blocked: false, blockedAt: null }, tx);
        await audit.record({ actor, action: 'user.unblocked', targetUserId: id, targetLabel: describeUser(target) },
          tx);
        return { ...target, blocked: false, blockedAt: null };
      });
    },

    /**
     * Ends every session and invalidates every token, code and session grant; the user can sign
     * in again. The consents stay (account-records.repository.ts): apps do not ask again.
     */
    async endSessions(id: string, actor: Actor, scope: StaffScope,
      outer?: Db): Promise<{ user: User; revoked: number }> {
      return (outer ?? db).transaction(async (tx) => {
        const target = await users.getChangeable(id, scope, tx);
        const ended = await revokeAll(tx, id);
        await audit.record({
          actor, action: 'user.sessions_ended', targetUserId: id, targetLabel: describeUser(target),
          details: { sessions: ended.sessions.length, revokedRecords: ended.revoked },
        }, tx);
        await tx.afterCommit(() => announce(id, ended.sessions));
        return { user: target, revoked: ended.revoked };
      });
    },

    /**
     * Password reset pending: no sign-in until a new password is chosen from the emailed
     * link, and — since whoever forces a reset suspects the password — every session, grant,
     * code and token of the account ends now, in the same transaction (apps are told by
     * back-channel logout after it commits). `within` queues the email in that transaction.
     */
    async forcePasswordReset(id: string, actor: Actor, scope: StaffScope,
      within: (tx: Db, user: User) => Promise<void>, outer?: Db): Promise<{ user: User; revoked: number }> {
      return (outer ?? db).transaction(async (tx) => {
        const target = await users.getChangeable(id, scope, tx);
        assertPerson(target);
        if (!target.email) {
          throw new ValidationError({ email: 'This user has no email address to send the reset link to' });
        }
        await repository.update(id, { passwordResetRequired: true }, tx);
        const ended = await revokeAll(tx, id);
        await within(tx, target);
        await audit.record({
          actor, action: 'user.password_reset_forced', targetUserId: id, targetLabel: describeUser(target),
          details: { sessions: ended.sessions.length, revokedRecords: ended.revoked },
        }, tx);
        await tx.afterCommit(() => announce(id, ended.sessions));
        return { user: { ...target, passwordResetRequired: true }, revoked: ended.revoked };
      });
    },

    /** Ends only the chosen sessions (by handle; and the grants and tokens made in them); the others keep working. */
    async endSelectedSessions(id: string, sessionHandles: string[], actor: Actor, scope: StaffScope): Promise<number> {
      if (sessionHandles.length === 0) throw new ValidationError({ sessions: 'Select at least one session' });
      const { ended, count } = await db.transaction(async (tx) => {
        const target = await users.getChangeable(id, scope, tx);
        const result = await deps.records.endSessions(tx, id, sessionHandles);
        await audit.record({
          actor, action: 'user.sessions_ended', targetUserId: id, targetLabel: describeUser(target),
          details: { sessions: result.ended.length, selected: true, revokedRecords: result.revoked },
        }, tx);
        return { ended: result.ended, count: result.ended.length };
      });
      await announce(id, ended);
      return count;
    },

    /**
     * Revokes the consents to the chosen applications (by client id): the consent, the grant of
     * every session for that application and every token issued under them; the app asks again next time.
     */
    async revokeConsents(id: string, clientIds: string[], actor: Actor, scope: StaffScope): Promise<number> {
      if (clientIds.length === 0) throw new ValidationError({ consents: 'Select at least one app' });
      return db.transaction(async (tx) => {
        const target = await users.getChangeable(id, scope, tx);
        const revoked = await deps.records.revokeConsents(tx, id, clientIds);
        await audit.record({
          actor, action: 'user.consents_revoked', targetUserId: id, targetLabel: describeUser(target),
          details: { grants: clientIds.length, revokedRecords: revoked },
        }, tx);
        return revoked;
      });
    },

    /** By handle (see account-records.repository.ts): refresh tokens never appear on a page. */
    async revokeRefreshTokens(id: string, tokenHandles: string[], actor: Actor, scope: StaffScope): Promise<number> {
      if (tokenHandles.length === 0) throw new ValidationError({ refreshTokens: 'Select at least one refresh token' });
      return db.transaction(async (tx) => {
        const target = await users.getChangeable(id, scope, tx);
        const revoked = await deps.records.revokeRefreshTokens(tx, id, tokenHandles);
        await audit.record({
          actor, action: 'user.refresh_tokens_revoked', targetUserId: id, targetLabel: describeUser(target),
          details: { revoked },
        }, tx);
        return revoked;
      });
    },

    /** Ends every session of the account but the one named (the browser asking), with their grants and tokens. */
    async endOtherSessions(id: string, keepHandle: string | undefined, actor: Actor): Promise<number> {
      const { ended } = await db.transaction(async (tx) => {
        const target = await users.getChangeable(id, ALL_USERS, tx);
        const handles = await accountSessions.sessionHandles(id, tx);
        const others = handles.filter((h) => h !== keepHandle);
        const result = await deps.records.endSessions(tx, id, others);
        await audit.record({
          actor, action: 'user.sessions_ended', targetUserId: id, targetLabel: describeUser(target),
          details: { sessions: result.ended.length, othersOnly: true, revokedRecords: result.revoked },
        }, tx);
        return result;
      });
      await announce(id, ended);
      return ended.length;
    },

    /**
     * The user deletes their own account: it is scheduled for deletion after the grace
     * period, every session and token ends at once, and signing in offers to restore it.
     */
    async scheduleDeletion(id: string, graceDays: number, actor: Actor): Promise<Date> {
      const at = new Date(Date.now() + graceDays * 86_400_000);
      const sessions = await db.transaction(async (tx) => {
        const target = await users.getChangeable(id, ALL_USERS, tx);
        if (target.role === 'ADMIN') await lastAdminGuard(tx, id);
        await repository.update(id, { deletionScheduledAt: at }, tx);
        const ended = await revokeAll(tx, id);
        await audit.record({ actor, action: 'user.deletion_scheduled', targetUserId: id,
          targetLabel: describeUser(target), details: { at: at.toISOString() } }, tx);
        return ended.sessions;
      });
      await announce(id, sessions);
      return at;
    },

    /** Restores an account scheduled for deletion (the user signing in, or an admin). */
    async cancelDeletion(id: string, actor: Actor, scope: StaffScope): Promise<void> {
      await db.transaction(async (tx) => {
        const target = await users.getChangeable(id, scope, tx);
        if (!target.deletionScheduledAt) return;
        await repository.update(id, { deletionScheduledAt: null }, tx);
        await audit.record({ actor, action: 'user.deletion_cancelled', targetUserId: id,
          targetLabel: describeUser(target) }, tx);
      });
    },

    /** Deletes for good every account whose grace period is over (run by the purge job). */
    async purgeScheduledDeletions(limit = 100): Promise<number> {
      const due = await repository.dueForPurge(limit);
      let purged = 0;
      for (const id of due) {
        try {
          await this.delete(id, PURGE_ACTOR, ALL_USERS);
          purged += 1;
        } catch {
          // Gone meanwhile, or the last Administrator: left for an admin to decide.
        }
      }
      return purged;
    },

    /** A stop with a reason, optionally until a time; also ends the user's sessions and tokens. */
    async lock(id: string, input: LockInput, actor: Actor, scope: StaffScope, outer?: Db): Promise<User> {
      assertNotOwnAccount(actor, { id }, 'lock', scope);
      const errors: Record<string, string> = {};
      const reason = input.reason?.trim() ?? '';
      if (!reason) errors.reason = 'Say why the account is locked; the user\'s profile shows it';
      else if (reason.length > REASON_MAX) errors.reason = `Use at most ${REASON_MAX} characters`;
      const until = parseUntil(input.until);
      if (until === 'invalid') {
        errors.until = 'Write the end as YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC), or leave it empty';
      } else if (until && until.getTime() <= Date.now()) errors.until = 'The end of the lock must be in the future';
      if (Object.keys(errors).length) throw new ValidationError(errors);
      const lockedUntil = until as Date | null;
      return (outer ?? db).transaction(async (tx) => {
        const target = await users.getChangeable(id, scope, tx);
        const changes = { lockedAt: new Date(), lockedReason: reason, lockedUntil };
        await repository.update(id, changes, tx);
        const ended = await revokeAll(tx, id);
        await audit.record({
          actor, action: 'user.locked', targetUserId: id, targetLabel: describeUser(target),
          details: { reason, until: lockedUntil?.toISOString() ?? null, revokedRecords: ended.revoked },
        }, tx);
        await tx.afterCommit(() => announce(id, ended.sessions));
        return { ...target, ...changes };
      });
    },

    /** Back to Active: lifts the lock and clears the failed sign-in count. */
    async unlock(id: string, actor: Actor, scope: StaffScope, outer?: Db): Promise<User> {
      return (outer ?? db).transaction(async (tx) => {
        const target = await users.getChangeable(id, scope, tx);
        const changes = { lockedAt: null, lockedReason: null, lockedUntil: null, failedSignIns: 0,
          failedSignInsSince: null };
        await repository.update(id, changes, tx);
        await audit.record({
          actor, action: 'user.unlocked', targetUserId: id, targetLabel: describeUser(target),
          details: { wasLocked: Boolean(target.lockedAt) },
        }, tx);
        return { ...target, ...changes };
      });
    },

    /**
     * Irreversible. The user row goes (one-time links with it, by foreign key), every
     * provider record of the account, and the applications they were the only owner of. The
     * audit log keeps that it happened — id, login, who, when — and earlier events about the
     * user keep only the login as their label.
     */
    async delete(id: string, actor: Actor, scope: StaffScope,
      outer?: Db): Promise<{ id: string; login: string | null }> {
      assertNotOwnAccount(actor, { id }, 'delete', scope);
      return (outer ?? db).transaction(async (tx) => {
        const user = await users.getChangeable(id, scope, tx);
        // A service account is never the Administrator who can get back in: deleting it leaves every person as it was.
        if (user.role === 'ADMIN' && isPerson(user)) await lastAdminGuard(tx, id);
        // Before the user row goes: its ON DELETE CASCADE would drop the memberships that
        // tell which applications had no other owner.
        const applications = await deps.deleteOwnedApplications(tx, id);
        const ended = await revokeAll(tx, id);
        await repository.deleteById(id, tx);
        const label = user.login ?? `#${id}`;
        // No profile data survives: labels of past events become the login (or the id).
        await audit.relabelUser(id, label, tx);
        // One event per application, as when an owner deletes it, so the application's own trail ends with it.
        for (const app of applications) {
          await audit.record({
            actor, action: 'application.deleted', targetUserId: id, targetLabel: label,
            details: { client_id: app.clientId, name: app.name, reason: 'sole owner deleted' },
          }, tx);
        }
        await audit.record({ actor, action: 'user.deleted', targetUserId: id, targetLabel: label,
          details: { login: user.login } }, tx);
        await tx.afterCommit(() => announce(id, ended.sessions));
        return { id: user.id, login: user.login };
      });
    },
  };
}

export type UserLifecycle = ReturnType<typeof createUserLifecycle>;
