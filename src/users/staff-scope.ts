// What a console user may reach: an Administrator everything, a Manager the users of their
// own organization. Everything outside the scope is treated as not existing (404), so a
// Manager cannot even learn which ids belong to other organizations.
import type { Actor } from '../audit/audit.service.js';
import type { Role, User } from '../db/entities/user.entity.js';
import { DomainError, NotFoundError } from '../platform/errors.js';

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

/** Managers may see an Administrator of their organization but never change one. */
export class AdministratorProtectedError extends DomainError {
  constructor(message = "Only an Administrator can change an Administrator's account.") {
    super('administrator_protected', message, 403);
  }
}

/**
 * The one rule for changing a user — profile, permissions, privacy, status, sessions, tokens,
 * consents, identifiers, passwords, links, API keys, group memberships, applications, data
 * download: the user must be in the scope (else not found), and an Administrator's account is
 * changed by Administrators only (a Manager's scope is an organization, never all users).
 * Every service that changes a user calls this (most through UserService.getChangeable).
 */
export function assertMayChange(scope: StaffScope, user: Pick<User, 'role' | 'organizationId'>, message?: string): void {
  if (!inScope(scope, user)) throw new NotFoundError('User');
  if (user.role === 'ADMIN' && scope.kind !== 'all') throw new AdministratorProtectedError(message);
}

/** Whether the scope may change the user (for links and buttons: the services enforce it with assertMayChange). */
export function mayChange(scope: StaffScope, user: Pick<User, 'role' | 'organizationId'>): boolean {
  return inScope(scope, user) && !(user.role === 'ADMIN' && scope.kind !== 'all');
}

/** Roles this scope may hand out: a Manager can never grant Administrator. */
export function grantableRoles(scope: StaffScope): Role[] {
  return scope.kind === 'all' ? ['MEMBER', 'MANAGER', 'ADMIN'] : ['MEMBER', 'MANAGER'];
}

export function actorOf(user: Pick<User, 'id' | 'login' | 'email' | 'phoneNumber'>): Actor {
  return { type: 'user', id: user.id, label: user.login ?? user.email ?? user.phoneNumber ?? `#${user.id}` };
}
