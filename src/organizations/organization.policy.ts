// The organizations policy: organizations are the Managers' scopes, so only the all-users
// scope (Administrators, the CLI, the setup) creates, renames or deletes them. The console
// routes also sit behind requireAdministrator; this is the rule the services enforce, for
// every caller (the CSV import included).
import type { StaffScope } from '../platform/access.js';
import { DomainError } from '../platform/errors.js';

export class OrganizationsForAdministratorsError extends DomainError {
  constructor() {
    super('forbidden', 'Only an Administrator can create, rename or delete organizations.', 403);
  }
}

function mayManageOrganizations(scope: StaffScope): boolean {
  return scope.kind === 'all';
}

export function assertMayManageOrganizations(scope: StaffScope): void {
  if (!mayManageOrganizations(scope)) throw new OrganizationsForAdministratorsError();
}
