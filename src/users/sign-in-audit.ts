// What the audit log records of sign-ins: who signed in, from where, to which application;
// every failed attempt (the account when it exists, else a hash of what was typed, so
// attempts on one identifier can be grouped without keeping it); and attempts refused
// because of the account's status. The password is never recorded, nor whether it was right
// for a refused account.
import { createHash } from 'node:crypto';
import type { Actor, AuditLog } from '../audit/audit.service.js';
import type { Db } from '../db/database.js';
import type { User } from '../db/entities/user.entity.js';

/** Where a sign-in came from: the client's address and the application it signs in to. */
export interface SignInContext { ip: string; application?: string | null }

export type SignInFailure = 'wrong_password' | 'locked_automatically' | 'not_a_person' | 'deleted';
export type SignInRefusal = 'blocked' | 'locked' | 'reset_required' | 'deletion_scheduled';

const ANONYMOUS: Actor = { type: 'system', label: 'sign-in page' };

/** A stable, one-way token of a typed identifier (trimmed, case-folded). */
export function identifierHash(identifier: string): string {
  return createHash('sha256').update(identifier.trim().toLowerCase()).digest('hex').slice(0, 32);
}

/** `describeUser`: the label events give a user (the user service's). */
export function createSignInAudit(audit: AuditLog, describeUser: (user: User) => string) {
  const actorOf = (user: User): Actor => ({ type: 'user', id: user.id, label: describeUser(user) });
  const where = (context: SignInContext) => ({ ip: context.ip, application: context.application ?? null });
  return {
    /** `unlocked`: the sign-in cleared a lock whose time had run out. */
    async succeeded(user: User, context: SignInContext, unlocked: boolean, tx: Db): Promise<void> {
      await audit.record({ actor: actorOf(user), action: 'user.signed_in', targetUserId: user.id,
        targetLabel: describeUser(user), details: where(context) }, tx);
      if (unlocked) {
        await audit.record({ actor: actorOf(user), action: 'user.unlocked', targetUserId: user.id,
          targetLabel: describeUser(user), details: { automatic: true, reason: 'the lock had run out' } }, tx);
      }
    },

    async failed(user: User | null, identifier: string, reason: SignInFailure, context: SignInContext):
      Promise<void> {
      await audit.record(user
        ? { actor: ANONYMOUS, action: 'user.sign_in_failed', targetUserId: user.id, targetLabel: describeUser(user),
          details: { ...where(context), reason } }
        : { actor: ANONYMOUS, action: 'sign_in.failed',
          details: { ...where(context), identifier: identifierHash(identifier), reason: 'unknown_account' } });
    },

    async refused(user: User, reason: SignInRefusal, context: SignInContext): Promise<void> {
      await audit.record({ actor: actorOf(user), action: 'user.sign_in_refused', targetUserId: user.id,
        targetLabel: describeUser(user), details: { ...where(context), reason } });
    },
  };
}

export type SignInAudit = ReturnType<typeof createSignInAudit>;
