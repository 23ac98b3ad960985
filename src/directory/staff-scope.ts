// What a console user may reach: an Administrator everything, a Manager the users of their
// own organization. Everything outside the scope is treated as not existing (404), so a
// Manager cannot even learn which ids belong to other organizations.
import type { Actor } from '../audit/audit.service.js';
import type { Role, User } from '../db/entities/user.entity.js';

export type StaffScope =
  | { kind: 'all' }
  /** A Manager without an organization manages nobody. */
  | { kind: 'organization'; organizationId: number | null };

export const ALL_USERS: StaffScope = { kind: 'all' };

export function scopeOf(staff: Pick<User, 'role' | 'organizationId'>): StaffScope {
  return staff.role === 'ADMIN' ? ALL_USERS : { kind: 'organization', organizationId: staff.organizationId };
}

export function inScope(scope: StaffScope, user: Pick<User, 'organizationId'>): boolean {
  return scope.kind === 'all' || (scope.organizationId !== null && user.organizationId === scope.organizationId);
}

/** Roles this scope may hand out: a Manager can never grant Administrator. */
export function grantableRoles(scope: StaffScope): Role[] {
  return scope.kind === 'all' ? ['MEMBER', 'MANAGER', 'ADMIN'] : ['MEMBER', 'MANAGER'];
}

export function actorOf(user: Pick<User, 'id' | 'login' | 'email' | 'phoneNumber'>): Actor {
  return { type: 'user', id: user.id, label: user.login ?? user.email ?? user.phoneNumber ?? `#${user.id}` };
}
