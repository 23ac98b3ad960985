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
 * What nobody does to their own account, whatever they call through (the console, SCIM with
 * their own key, a mass action): each would sign them out, or take the console away, with no way
 * back in. Someone else does it, or the CLI (the operator's way back: `user role`, `user unlock`).
 */
export type OwnAccountAction = 'block' | 'lock' | 'delete' | 'change-role';

const OWN_ACCOUNT_REFUSALS: Record<OwnAccountAction, string> = {
  block: 'You cannot block your own account: you would be signed out and could not get back in.',
  lock: 'You cannot lock your own account: you would be signed out and could not get back in.',
  delete: 'You cannot delete your own account here: it would be gone for good at once, you would be signed out and '
    + 'could not get back in.',
  'change-role': 'You cannot change your own role: you could lose the console and could not get it back.',
};

/** The refusal in words, with whom to ask: an Administrator asks another one, a Manager an Administrator. */
export function ownAccountRefusal(action: OwnAccountAction, scope: StaffScope): string {
  return `${OWN_ACCOUNT_REFUSALS[action]} ${scope.kind === 'all' ? 'Ask another Administrator.'
    : 'Ask an Administrator.'}`;
}

export class OwnAccountError extends DomainError {
  constructor(action: OwnAccountAction, scope: StaffScope) {
    super('own_account', ownAccountRefusal(action, scope), 403);
  }
}

/** Whether the account is the actor's own: a person acting, never the CLI, setup or the system. */
export function isOwnAccount(actor: Actor, user: Pick<User, 'id'>): boolean {
  return actor.type === 'user' && actor.id !== undefined && actor.id !== null && String(actor.id) === String(user.id);
}

/** For block, lock and delete: refused on the actor's own account. */
export function assertNotOwnAccount(actor: Actor, user: Pick<User, 'id'>, action: OwnAccountAction,
  scope: StaffScope): void {
  if (isOwnAccount(actor, user)) throw new OwnAccountError(action, scope);
}

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
