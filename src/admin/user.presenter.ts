// What the console shows of a user: names, status badges, role words, dates. Templates get
// these plain objects, never a User row (no password hash can reach a page by accident).
import type { Role, User } from '../db/entities/user.entity.js';
import type { UserListRow } from '../users/user-directory.query.js';
import { availableActions } from './user-actions.js';
import { formatTime } from '../platform/format.js';
import { publicName } from '../users/public-name.js';
import { isLocked } from '../settings/lockout-policy.js';

export const ROLE_LABELS: Record<Role, string> = { MEMBER: 'Member', MANAGER: 'Manager', ADMIN: 'Administrator' };

export interface StatusBadge { label: string; tone: 'ok' | 'bad' | 'warn' | 'plain' }

type StatusSource = Pick<UserListRow, 'blocked' | 'locked' | 'invited' | 'passwordResetRequired' | 'deletionScheduledAt'
  | 'email' | 'emailVerified' | 'phoneNumber' | 'phoneNumberVerified'> & { invitationExpired?: boolean };

export function statusBadges(u: StatusSource): StatusBadge[] {
  const badges: StatusBadge[] = [];
  if (u.deletionScheduledAt) badges.push({ label: 'Deletion scheduled', tone: 'bad' });
  if (u.blocked) badges.push({ label: 'Blocked', tone: 'bad' });
  if (u.locked) badges.push({ label: 'Locked', tone: 'warn' });
  if (u.invited) badges.push({ label: 'Invited', tone: 'warn' });
  if (u.invitationExpired) badges.push({ label: 'Invitation expired', tone: 'bad' });
  if (u.passwordResetRequired) badges.push({ label: 'Password reset pending', tone: 'warn' });
  if (badges.length === 0) badges.push({ label: 'Active', tone: 'ok' });
  if (u.email && !u.emailVerified) badges.push({ label: 'Email unverified', tone: 'plain' });
  if (u.phoneNumber && !u.phoneNumberVerified) badges.push({ label: 'Phone unverified', tone: 'plain' });
  return badges;
}

/** `staffUserId`: whose list it is; their own row's menu has no Block, Lock or Delete. */
export function presentListRow(row: UserListRow, staffUserId?: string) {
  return {
    id: row.id,
    name: publicName(row),
    login: row.login ?? '',
    email: row.email ?? '',
    phone: row.phoneNumber ?? '',
    role: ROLE_LABELS[row.role],
    organization: row.organizationName ?? '',
    badges: statusBadges(row),
    created: formatTime(row.createdAt),
    lastSignIn: formatTime(row.lastSignInAt) || 'never',
    actions: availableActions(row, row.id === staffUserId),
  };
}

export function userStatusSource(user: User, now = new Date()): StatusSource {
  return {
    ...user,
    locked: isLocked(user, now),
    invited: Boolean(user.invitedAt),
  };
}
