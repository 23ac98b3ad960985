// The groups policy: which groups a scope reaches and whose memberships it may change. An
// Administrator reaches every group; a Manager the groups of their organization only, and a
// group a Manager makes is always their organization's. A group outside the scope is treated
// as not existing (404), as users are. Membership is part of the member's account, so the
// users policy decides it (a Manager never changes an Administrator's groups).
import type { User } from '../db/entities/user.entity.js';
import type { StaffScope } from '../platform/access.js';
import { NotFoundError } from '../platform/errors.js';
import { assertMayChange } from '../users/user.policy.js';

const GROUPS_OF_ADMINISTRATORS = "Only an Administrator can change an Administrator's groups.";

/** Whether the scope reaches a group of this organization (null: a group of no organization). */
function reachesGroup(scope: StaffScope, group: { organizationId: number | null }): boolean {
  return scope.kind === 'all' || (scope.organizationId !== null && group.organizationId === scope.organizationId);
}

export function assertReachesGroup(scope: StaffScope, group: { organizationId: number | null } | undefined): void {
  if (!group || !reachesGroup(scope, group)) throw new NotFoundError('Group');
}

/** The organization a new group lands in: a Manager's own, whatever was asked; an Administrator's choice. */
export function organizationOfNewGroup(scope: StaffScope, requested: number | null): number | null {
  return scope.kind === 'organization' ? scope.organizationId : requested;
}

/** Which organization's groups a list shows: undefined for all of them. */
export function groupListFilter(scope: StaffScope): number | null | undefined {
  return scope.kind === 'all' ? undefined : scope.organizationId;
}

/** Adding, removing, or ending (by deleting the group) this user's membership. */
export function assertMayChangeMembership(scope: StaffScope, user: Pick<User, 'role' | 'organizationId'>): void {
  assertMayChange(scope, user, GROUPS_OF_ADMINISTRATORS);
}
