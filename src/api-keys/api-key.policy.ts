// The API keys policy. A person makes only their own key (it is shown once, to them); the
// command line may make one for anybody. Revoking a key is changing its owner's account, so
// it follows the users policy (a Manager within their organization, never an Administrator's).
// Service accounts (the keys of provisioning integrations) are the all-users scope's alone:
// Administrators and the command line create them, regenerate their keys and delete them.
import type { Actor } from '../audit/audit.service.js';
import type { User } from '../db/entities/user.entity.js';
import type { StaffScope } from '../platform/access.js';
import { DomainError, NotFoundError } from '../platform/errors.js';
import { assertMayChange } from '../users/user.policy.js';

/** Someone else's key does not exist for a person: they learn nothing about it. */
export function assertMayGenerate(owner: Pick<User, 'id'>, actor: Actor): void {
  if (actor.type === 'user' && actor.id !== owner.id) throw new NotFoundError('API key');
}

export function assertMayRevoke(scope: StaffScope, owner: Pick<User, 'role' | 'organizationId'>): void {
  assertMayChange(scope, owner);
}

export class ServiceAccountsForAdministratorsError extends DomainError {
  constructor() {
    super('forbidden', 'Only an Administrator can create, change or delete service accounts.', 403);
  }
}

export function assertMayManageServiceAccounts(scope: StaffScope): void {
  if (scope.kind !== 'all') throw new ServiceAccountsForAdministratorsError();
}
