import type { User } from '../db/entities/user.entity.js';

export type SignInStatus =
  | { kind: 'active' }
  | { kind: 'blocked' }
  | { kind: 'locked'; until: Date | null; reason: string | null }
  | { kind: 'deleted' };

/**
 * Locked right now: a lock is set and has no end or an end still to come. The same rule in
 * SQL is `lockedSql` (src/users/user.repository.ts).
 */
export function isLocked(user: Pick<User, 'lockedAt' | 'lockedUntil'>, now: Date = new Date()): boolean {
  return Boolean(user.lockedAt && (!user.lockedUntil || user.lockedUntil > now));
}

/** Whether the account may sign in and hold tokens right now, and if not, why. */
export function signInStatus(user: User, now: Date = new Date()): SignInStatus {
  if (user.deletionScheduledAt) return { kind: 'deleted' };
  if (user.blocked) return { kind: 'blocked' };
  if (isLocked(user, now)) return { kind: 'locked', until: user.lockedUntil, reason: user.lockedReason };
  return { kind: 'active' };
}

/** Whether a user may choose a new password through an emailed link (blocked and deleted may not). */
export function mayResetPassword(user: User): boolean {
  return !user.blocked && !user.deletionScheduledAt;
}
