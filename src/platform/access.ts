// What a staff member reaches: an Administrator every user, a Manager the users of their
// own organization. The vocabulary every layer shares (the audit log filters by it, the
// services take it); what may be done within the reach is decided by each aggregate's
// policy (src/users/user.policy.ts, src/groups/group.policy.ts, …).
import type { Role, User } from '../db/entities/user.entity.js';

export type StaffScope =
  | { kind: 'all' }
  /** A Manager without an organization manages nobody. */
  | { kind: 'organization'; organizationId: number | null };

/** The scope of Administrators, the CLI and the system's own jobs. */
export const ALL_USERS: StaffScope = { kind: 'all' };

export function scopeOf(staff: { role: Role; organizationId: number | null }): StaffScope {
  return staff.role === 'ADMIN' ? ALL_USERS : { kind: 'organization', organizationId: staff.organizationId };
}

export function inScope(scope: StaffScope, user: Pick<User, 'organizationId'>): boolean {
  return scope.kind === 'all' || (scope.organizationId !== null && user.organizationId === scope.organizationId);
}
