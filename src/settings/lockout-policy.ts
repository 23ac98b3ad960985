// Automatic lock after repeated failed sign-ins, as admins set it in the console.
import type { User } from '../db/entities/user.entity.js';

export interface LockoutPolicy {
  /** Failed sign-ins within the window that lock the account. */
  maxFailures: number;
  windowMinutes: number;
  /** How long the automatic lock lasts; 0 = until an admin unlocks. */
  lockMinutes: number;
}

const DEFAULT_LOCKOUT_POLICY: LockoutPolicy = { maxFailures: 5, windowMinutes: 15, lockMinutes: 15 };

/** The reason an automatic lock records; it tells an automatic lock from an administrator's. */
export const AUTO_LOCK_REASON = 'Too many failed sign-in attempts';

/**
 * Locked right now: a lock is set and has no end or an end still to come. This is the one
 * TypeScript copy of the rule (src/users/user-status.ts and the presenters use it); the SQL
 * copy is `lockedSql` in src/users/user.repository.ts.
 */
export function isLocked(user: Pick<User, 'lockedAt' | 'lockedUntil'>, now: Date = new Date()): boolean {
  return Boolean(user.lockedAt && (!user.lockedUntil || user.lockedUntil > now));
}

/**
 * Locked right now by the failed-sign-in rule (not by an administrator). While it lasts the
 * sign-in answers as for a wrong password whatever was typed, so the lock reveals nothing.
 */
export function isLockedAutomatically(user: Pick<User, 'lockedAt' | 'lockedUntil' | 'lockedReason'>,
  now: Date = new Date()): boolean {
  return user.lockedReason === AUTO_LOCK_REASON && isLocked(user, now);
}

const RANGES: Record<keyof LockoutPolicy, { min: number; max: number; message: string }> = {
  maxFailures: { min: 1, max: 100, message: 'Enter a whole number of attempts from 1 to 100' },
  windowMinutes: { min: 1, max: 10_080, message: 'Enter a whole number of minutes from 1 to 10080 (a week)' },
  lockMinutes: { min: 0, max: 525_600,
    message: 'Enter a whole number of minutes from 0 (until unlocked) to 525600 (a year)' },
};

export function parseLockoutPolicy(input: Record<string, unknown>): { policy: LockoutPolicy }
  | { errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const policy = {} as LockoutPolicy;
  for (const [key, range] of Object.entries(RANGES) as [keyof LockoutPolicy, (typeof RANGES)[keyof LockoutPolicy]][]) {
    const raw = input[key];
    const value = typeof raw === 'number' ? raw
      : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(value) || value < range.min || value > range.max) errors[key] = range.message;
    else policy[key] = value;
  }
  return Object.keys(errors).length ? { errors } : { policy };
}

export function lockoutFromStored(value: unknown): LockoutPolicy {
  const parsed = value && typeof value === 'object' ? parseLockoutPolicy(value as Record<string, unknown>) : undefined;
  return parsed && 'policy' in parsed ? parsed.policy : DEFAULT_LOCKOUT_POLICY;
}

/** How long an account the user deleted waits before it is deleted for good. */
export const DEFAULT_DELETION_GRACE_DAYS = 14;

export function parseDeletionGrace(input: Record<string, unknown>): { policy: number }
  | { errors: Record<string, string> } {
  const raw = input.graceDays;
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(value) || value < 0 || value > 365) {
    return { errors: { graceDays: 'Enter a whole number of days from 0 to 365' } };
  }
  return { policy: value };
}
