// Applications (OIDC repository): who may do what with one, and every change audited (never a
// secret). Administrators manage every application; owners manage their own (settings,
// secret, status, people, deletion); application administrators edit settings and see the
// app's users. Personal OAuth applications belong to a user and are managed, besides the
// owner, by the staff who manage that user's organization.
import type { Actor, AuditLog } from '../audit/audit.service.js';
import { type Db } from '../db/database.js';
import { NotFoundError, ValidationError } from '../platform/errors.js';
import { applicationAccess, ApplicationAccessError, type ApplicationAccess,
  type Viewer } from './application.policy.js';
import type { QueuedMessage } from '../mail/outbox.repository.js';
import type { ApplicationInput } from './client-metadata.js';
import type { ApplicationQuery, ApplicationListFilter } from './application.query.js';
import type { ApplicationExtras, ApplicationMemberRole, ApplicationRecord, ApplicationRepository,
  CreatedApplication } from './application.repository.js';

export interface PersonalApplicationInput {
  name: string;
  organizationId: number | null;
  active: boolean;
}

interface Deps {
  db: Db;
  repository: ApplicationRepository;
  query: ApplicationQuery;
  audit: AuditLog;
  /** Queues a message; inside `tx` it is queued (or not) with the change. */
  enqueue: (message: QueuedMessage, tx?: Db) => Promise<string>;
  wakeMail: () => void;
  /** The owner's address and label, for the "new OAuth application" email. */
  contactOf: (userId: string) => Promise<{ email: string | null; label: string } | undefined>;
}

/** The settings of a personal application: a confidential machine client, nothing else. */
const personalSettings = (name: string): ApplicationInput => ({ name, redirectUris: [], postLogoutRedirectUris: [],
  grantTypes: ['client_credentials'], isPublic: false });

export function createApplicationService({ db, repository, query, audit, enqueue, wakeMail, contactOf }: Deps) {
  const notFound = () => new NotFoundError('Application');

  async function accessOf(record: ApplicationRecord, viewer: Viewer): Promise<ApplicationAccess | undefined> {
    return applicationAccess(record, viewer,
      viewer.isAdmin ? undefined : await repository.roleOf(record.clientId, viewer.userId));
  }

  /** The application and what this viewer may do with it; "not found" when they may do nothing. */
  async function open(clientId: string, viewer: Viewer, need: 'view' | 'edit' | 'manage' = 'view') {
    const record = await repository.get(clientId);
    const access = record && (await accessOf(record, viewer));
    if (!record || !access) throw notFound();
    if (need === 'edit' && !access.edit) throw new ApplicationAccessError('change it');
    if (need === 'manage' && !access.manage) throw new ApplicationAccessError('do this');
    return { record, access };
  }

  /**
   * An application's event, in the transaction of the change: labelled with its name, or about a
   * person (`targetUserId`) when it concerns them.
   */
  const record = (tx: Db, actor: Actor, action: string, clientId: string, details: Record<string, unknown> = {},
    target: { userId?: string; label?: string } = {}) =>
    audit.record({ actor, action, targetUserId: target.userId, targetLabel: target.label,
      details: { client_id: clientId, ...details } }, tx);

  /** Creates an application with its first owner and its event, in `tx`. */
  async function createIn(tx: Db, input: ApplicationInput, actor: Actor, owner?: string,
    extras: ApplicationExtras = {}): Promise<CreatedApplication> {
    const created = await repository.create(input, extras, tx);
    if (owner) await repository.addMember(created.client_id, owner, 'owner', tx);
    await record(tx, actor, 'application.created', created.client_id, {
      name: input.name.trim(), public: input.isPublic, grant_types: input.grantTypes, owner: owner ?? null,
      kind: extras.kind ?? 'application', first_party: extras.firstParty ?? false,
    }, { label: input.name.trim() });
    return created;
  }

  return {
    canSeal: repository.canSeal,
    /** What the provider's client cache loads (the one repository, built once). */
    providerMetadata: (clientId: string) => repository.findProviderMetadata(clientId),
    /** The name of the application with this client id if an admin deactivated it (the sign-in error page says so). */
    async deactivatedName(clientId: string): Promise<string | undefined> {
      const found = clientId ? await repository.get(clientId) : undefined;
      return found && !found.active ? found.name : undefined;
    },
    open,

    /** Creates an application; `owner` (the creator in the console) becomes its first owner. */
    create(input: ApplicationInput, actor: Actor, owner?: string,
      extras: ApplicationExtras = {}): Promise<CreatedApplication> {
      return db.transaction((tx) => createIn(tx, input, actor, owner, extras));
    },

    /** A personal OAuth application of `ownerId` (client credentials); the owner is emailed. */
    async createPersonal(ownerId: string, input: PersonalApplicationInput, actor: Actor): Promise<CreatedApplication> {
      const contact = await contactOf(ownerId);
      // The email is queued with the application, and the mail worker woken once both are committed.
      const created = await db.transaction(async (tx) => {
        const made = await createIn(tx, personalSettings(input.name), actor, ownerId,
          { kind: 'personal', organizationId: input.organizationId, active: input.active });
        if (contact?.email) {
          await enqueue({ template: 'oauth-app-created', to: contact.email, userId: ownerId,
            params: { name: input.name.trim(), clientId: made.client_id, by: actor.label ?? 'an administrator',
              path: `/admin/apps/${made.client_id}` } }, tx);
        }
        return made;
      });
      if (contact?.email) wakeMail();
      return created;
    },

    /** Saves the settings; returns a new secret when the change of method needed one (see the repository). */
    async update(clientId: string, input: ApplicationInput, viewer: Viewer,
      extras: ApplicationExtras = {}): Promise<{ secret?: string }> {
      const { record: current, access } = await open(clientId, viewer, 'edit');
      if (extras.firstParty !== undefined && extras.firstParty !== current.firstParty && !access.markFirstParty) {
        throw new ValidationError({ first_party: 'Only an Administrator can mark an application first-party' });
      }
      const personal = current.kind === 'personal';
      const valid = repository.validate(personal ? personalSettings(input.name) : input);
      // A personal application's only settings besides its name; an application has no organization.
      const allowed: ApplicationExtras = personal ? { active: extras.active, organizationId: extras.organizationId }
        : { firstParty: extras.firstParty };
      const differs = (value: unknown, before: unknown) => value !== undefined && value !== before;
      const changed = Object.keys(valid.metadata)
        .filter((k) => JSON.stringify(valid.metadata[k]) !== JSON.stringify(current.metadata[k]))
        .concat(valid.name !== current.name ? ['name'] : [])
        .concat(differs(allowed.firstParty, current.firstParty) ? ['first_party'] : [])
        .concat(differs(allowed.active, current.active) ? ['active'] : [])
        .concat(differs(allowed.organizationId, current.organizationId) ? ['organization'] : []);
      return db.transaction(async (tx) => {
        const result = await repository.update(clientId, valid, allowed, current, tx);
        await record(tx, viewer.actor, 'application.updated', clientId,
          { fields: changed, secret_replaced: Boolean(result.secret) }, { label: valid.name });
        return result;
      });
    },

    async setActive(clientId: string, active: boolean, viewer: Viewer): Promise<void> {
      const { record: current } = await open(clientId, viewer, 'manage');
      await db.transaction(async (tx) => {
        await repository.setActive(clientId, active, tx);
        await record(tx, viewer.actor, active ? 'application.activated' : 'application.deactivated', clientId, {},
          { label: current.name });
      });
    },

    /** Deletes the application with every grant and token issued under it. */
    async delete(clientId: string, viewer: Viewer): Promise<string> {
      const { record: current } = await open(clientId, viewer, 'manage');
      await db.transaction(async (tx) => {
        await repository.delete(clientId, tx);
        await record(tx, viewer.actor, 'application.deleted', clientId, { name: current.name, kind: current.kind },
          { label: current.name });
      });
      return current.name;
    },

    /**
     * The new secret, to be shown once; the old one stops working now. The console checks access
     * with open(…, 'edit') first.
     */
    async regenerateSecret(clientId: string, viewer: Viewer): Promise<string> {
      await open(clientId, viewer, 'edit');
      return db.transaction(async (tx) => {
        const secret = await repository.regenerateSecret(clientId, tx);
        if (!secret) throw new NotFoundError('Confidential application');
        await record(tx, viewer.actor, 'application.secret_regenerated', clientId);
        return secret;
      });
    },

    /** Makes a user an owner or application administrator (the CLI and tests pass no viewer). */
    async setMember(clientId: string, userId: string, role: ApplicationMemberRole, viewer: Viewer): Promise<void> {
      const { record: current } = await open(clientId, viewer, 'manage');
      if (current.kind === 'personal') {
        throw new ValidationError({ user: 'A personal OAuth application has exactly one owner' });
      }
      if (role === 'admin' && (await repository.roleOf(clientId, userId)) === 'owner') {
        await keepAnOwner(clientId, userId);
      }
      await db.transaction(async (tx) => {
        await repository.addMember(clientId, userId, role, tx);
        await record(tx, viewer.actor, 'application.member_set', clientId, { role }, { userId });
      });
    },

    async removeMember(clientId: string, userId: string, viewer: Viewer): Promise<void> {
      await open(clientId, viewer, 'manage');
      await keepAnOwner(clientId, userId);
      await db.transaction(async (tx) => {
        if (await repository.removeMember(clientId, userId, tx)) {
          await record(tx, viewer.actor, 'application.member_removed', clientId, {}, { userId });
        }
      });
    },

    members: (clientId: string) => repository.members(clientId),
    membershipsOf: (userId: string) => repository.membershipsOf(userId),
    ownedSolelyBy: (userId: string) => repository.ownedSolelyBy(userId),

    /** The list as this viewer may see it: everything for Administrators, their own applications otherwise. */
    list(filter: ApplicationListFilter, viewer: Viewer) {
      if (viewer.isAdmin) return query.list(filter);
      if (filter.kind === 'personal' && viewer.scope.kind === 'organization' && viewer.scope.organizationId !== null
        && !filter.ownerId) {
        // A Manager sees their organization's personal applications (a Member's scope has no organization).
        return query.list({ ...filter, organizationId: viewer.scope.organizationId });
      }
      return query.list({ ...filter, memberId: viewer.userId });
    },

    /**
     * A user's personal OAuth applications, for their profile: the caller has checked the staff
     * member may see that user.
     */
    personalApplicationsOf(ownerId: string, filter: Omit<ApplicationListFilter, 'kind' | 'ownerId' | 'memberId'>) {
      return query.list({ ...filter, kind: 'personal', ownerId });
    },

    /** Applications the viewer may hand out roles in, for a profile's "add to application" form. */
    async assignableBy(viewer: Viewer): Promise<{ clientId: string; name: string }[]> {
      if (viewer.isAdmin) return (await query.list({ kind: 'application', limit: 500 })).rows;
      return (await repository.membershipsOf(viewer.userId))
        .filter((m) => m.role === 'owner' && m.kind === 'application');
    },

    /**
     * Everything the application's page shows: the app, the viewer's access, its people, and a page
     * of the users who granted it.
     */
    async overview(clientId: string, viewer: Viewer, usersPage: { after?: string; limit: number }) {
      const { record, access } = await open(clientId, viewer);
      const [members, granted] = await Promise.all([repository.members(clientId),
        query.grantedUsers(clientId, usersPage)]);
      return { record, access, members, granted };
    },
  };

  async function keepAnOwner(clientId: string, userId: string) {
    const owners = (await repository.members(clientId)).filter((m) => m.role === 'owner');
    if (owners.length === 1 && owners[0].userId === userId) {
      throw new ValidationError({ user: 'An application needs at least one owner: make someone else an owner first' });
    }
  }
}

export type ApplicationService = ReturnType<typeof createApplicationService>;
