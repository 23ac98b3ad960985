// The applications policy: who may view, change and manage an application. Administrators
// everything; an owner changes and manages it; an application administrator changes its
// settings; a Manager manages the personal OAuth applications of their organization's users.
// Nobody else learns that it exists.
import type { Actor } from '../audit/audit.service.js';
import { ALL_USERS, type StaffScope } from '../platform/access.js';
import { DomainError } from '../platform/errors.js';
import type { ApplicationMemberRole, ApplicationRecord } from './application.repository.js';

/** Who is asking, as the console knows them. */
export interface Viewer {
  actor: Actor;
  userId: string;
  isAdmin: boolean;
  scope: StaffScope;
}

/** The operator at the command line: an Administrator's reach, no account of their own. */
export function operatorViewer(actor: Actor): Viewer {
  return { actor, userId: '', isAdmin: true, scope: ALL_USERS };
}

/** What a viewer may do with one application. */
export interface ApplicationAccess {
  /** Change settings and regenerate the secret. */
  edit: boolean;
  /** Deactivate, delete, and choose owners and application administrators. */
  manage: boolean;
  /** Mark first-party (skips consent for on-request claims): Administrators only. */
  markFirstParty: boolean;
  /** How they came by it, in the page's words ("You look after this application as …"). */
  as: string;
}

export class ApplicationAccessError extends DomainError {
  constructor(what: string) {
    super('application_forbidden', `Only the application's owners or an Administrator can ${what}.`, 403);
  }
}

/** What `viewer`, whose membership of the application is `role`, may do with it; undefined: nothing. */
export function applicationAccess(record: Pick<ApplicationRecord, 'kind' | 'organizationId'>, viewer: Viewer,
  role: ApplicationMemberRole | undefined): ApplicationAccess | undefined {
  if (viewer.isAdmin) return { edit: true, manage: true, markFirstParty: true, as: 'an Administrator' };
  if (role === 'owner') return { edit: true, manage: true, markFirstParty: false, as: 'an owner' };
  if (record.kind === 'personal' && viewer.scope.kind === 'organization' && viewer.scope.organizationId !== null
    && record.organizationId === viewer.scope.organizationId) {
    return { edit: true, manage: true, markFirstParty: false, as: 'a Manager of its organization' };
  }
  if (role === 'admin') return { edit: true, manage: false, markFirstParty: false, as: 'an application administrator' };
  return undefined;
}
