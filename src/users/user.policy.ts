// The users policy: who may change which account. Everything outside the actor's scope is
// treated as not existing (404), so a Manager cannot even learn which ids belong to other
// organizations; inside it, an Administrator's account is changed by Administrators only.
import type { Actor } from '../audit/audit.service.js';
import type { Role, User } from '../db/entities/user.entity.js';
import { inScope, type StaffScope } from '../platform/access.js';
import { DomainError, NotFoundError } from '../platform/errors.js';

/** Managers may see an Administrator of their organization but never change one. */
export class AdministratorProtectedError extends DomainError {
  constructor(message = "Only an Administrator can change an Administrator's account.") {
    super('administrator_protected', message, 403);
  }
}

/** Refused for a service account: what only a person has (a password, sign-in links, mail). */
export class ServiceAccountError extends DomainError {
  constructor() {
    super('service_account',
      'This is a service account: it never signs in, so it has no password and gets no mail. Manage its API key '
        + 'under Service accounts.', 409);
  }
}

const SERVICE_ACCOUNT_PROTECTED = 'Only an Administrator can change a service account.';

/**
 * A person, not a service account. Only a person signs in interactively (password sign-in; the
 * console and account pages ride on it), has a password and receives mail (invitations, resets,
 * recovery links, notices).
 */
export function isPerson(user: Pick<User, 'serviceAccount'>): boolean {
  return !user.serviceAccount;
}

/** For the commands that give an account a password or a sign-in link. */
export function assertPerson(user: Pick<User, 'serviceAccount'>): void {
  if (!isPerson(user)) throw new ServiceAccountError();
}

/** Who has the console and SCIM: Administrators and Managers. */
export function isStaff(role: Role): boolean {
  return role === 'ADMIN' || role === 'MANAGER';
}

/**
 * The rule itself: an Administrator's account is out of reach of every scope but all users. So is
 * a service account (Administrators manage them): a Manager cannot block, lock, edit or delete the
 * account a provisioning integration runs on, even in their organization.
 */
export function protectsAdministrator(scope: StaffScope, user: Pick<User, 'role'> & Partial<Pick<User,
  'serviceAccount'>>): boolean {
  return (user.role === 'ADMIN' || user.serviceAccount === true) && scope.kind !== 'all';
}

/**
 * The one rule for changing a user — profile, permissions, privacy, status, sessions, tokens,
 * consents, identifiers, passwords, links, API keys, group memberships, applications, data
 * download: the user must be in the scope (else not found), and an Administrator's account is
 * changed by Administrators only (a Manager's scope is an organization, never all users).
 * Every service that changes a user calls this (most through UserService.getChangeable).
 */
export function assertMayChange(scope: StaffScope, user: Pick<User, 'role' | 'organizationId'>
  & Partial<Pick<User, 'serviceAccount'>>, message?: string): void {
  if (!inScope(scope, user)) throw new NotFoundError('User');
  if (protectsAdministrator(scope, user)) {
    throw new AdministratorProtectedError(message ?? (user.serviceAccount ? SERVICE_ACCOUNT_PROTECTED : undefined));
  }
}

/** Whether the scope may change the user (for links and buttons: the services enforce it with assertMayChange). */
export function mayChange(scope: StaffScope, user: Pick<User, 'role' | 'organizationId'>
  & Partial<Pick<User, 'serviceAccount'>>): boolean {
  return inScope(scope, user) && !protectsAdministrator(scope, user);
}

/** Roles this scope may hand out: a Manager can never grant Administrator. */
export function grantableRoles(scope: StaffScope): Role[] {
  return scope.kind === 'all' ? ['MEMBER', 'MANAGER', 'ADMIN'] : ['MEMBER', 'MANAGER'];
}

export function actorOf(user: Pick<User, 'id' | 'login' | 'email' | 'phoneNumber'>): Actor {
  return { type: 'user', id: user.id, label: user.login ?? user.email ?? user.phoneNumber ?? `#${user.id}` };
}
