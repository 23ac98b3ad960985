import type { User } from '../db/entities/user.entity.js';
import { isLocked } from '../settings/lockout-policy.js';

export type SignInStatus =
  | { kind: 'active' }
  | { kind: 'blocked' }
  | { kind: 'locked'; until: Date | null; reason: string | null }
  | { kind: 'deleted' };

/** Whether the account may sign in and hold tokens right now, and if not, why. */
export function signInStatus(user: User, now: Date = new Date()): SignInStatus {
  if (user.deletionScheduledAt) return { kind: 'deleted' };
  if (user.blocked) return { kind: 'blocked' };
  if (isLocked(user, now)) return { kind: 'locked', until: user.lockedUntil, reason: user.lockedReason };
  return { kind: 'active' };
}

/**
 * Whether a user may choose a new password through an emailed link (blocked and deleted may not,
 * nor a service account, which has no password).
 */
export function mayResetPassword(user: User): boolean {
  return !user.blocked && !user.deletionScheduledAt && !user.serviceAccount;
}
