// The data of a user's profile page in the console, gathered and presented in one call: the
// user (in the staff member's scope, else not found), their privacy levels, groups, API keys,
// applications, sessions, consents, refresh tokens, invitation and recent events. The route
// adds only what comes from the request itself (notices).
import type { ParsedUrlQuery } from 'node:querystring';
import type { ApiKeys } from '../api-keys/api-key.service.js';
import type { ApplicationService } from '../applications/application.service.js';
import type { AuditQuery } from '../audit/audit.query.js';
import type { GroupService } from '../groups/group.service.js';
import type { OrganizationService } from '../organizations/organization.service.js';
import { CONSOLE_CLIENT_ID } from '../oidc/console-client.js';
import { formatTime } from '../platform/format.js';
import type { AccountRecords } from '../sessions/account-records.repository.js';
import type { SettingsService } from '../settings/settings.service.js';
import { fieldLabel, STAFF_PRIVACY_LEVEL_LABELS } from '../users/field-labels.js';
import { privacyFieldValues } from '../users/field-values.js';
import { PRIVACY_LEVELS, publicProfileOn } from '../users/privacy.js';
import { absolutePicture } from '../users/profile-photo.service.js';
import { publicName } from '../users/public-name.js';
import { mayChange } from '../users/user.policy.js';
import type { UserLinks } from '../users/user-links.service.js';
import type { UserService } from '../users/user.service.js';
import { presentApplicationRow } from './application.presenter.js';
import type { Staff } from './console-context.js';
import { availableActions, ownAccountNote } from './user-actions.js';
import { ROLE_LABELS, statusBadges, userStatusSource } from './user.presenter.js';
import { parseApplicationFilter } from './users.input.js';

export interface UserProfileServices {
  accountRecords: AccountRecords;
  apiKeys: ApiKeys;
  applications: ApplicationService;
  events: AuditQuery;
  groups: GroupService;
  links: UserLinks;
  organizations: OrganizationService;
  settings: SettingsService;
  users: UserService;
}

/** The console's own client shows by name, not by id. */
const appName = (app: string) => (app === CONSOLE_CLIENT_ID ? 'Foyer console' : app);

/** `issuer` makes an uploaded photo's path an address the page can show. */
export function createUserProfilePage(services: UserProfileServices, issuer: string) {
  const { users, groups, apiKeys, applications, events, accountRecords, links, organizations, settings } = services;

  /** The Applications and OAuth Applications sections, with the grid's filters (app_q, app_org, app_status). */
  async function applicationSections(staff: Staff, userId: string, query: ParsedUrlQuery) {
    const filter = parseApplicationFilter(query);
    const [memberships, personal, assignable, orgs] = await Promise.all([
      applications.membershipsOf(userId), applications.personalApplicationsOf(userId, { ...filter, limit: 100 }),
      applications.assignableBy(staff.viewer), organizations.names(),
    ]);
    return {
      applications: memberships.filter((m) => m.kind === 'application').map((m) => ({ ...m,
        roleLabel: m.role === 'owner' ? 'Owner' : 'Application administrator' })),
      assignableApplications: assignable,
      oauthApps: personal.rows.map(presentApplicationRow),
      oauthFilter: { ...filter, filtered: Boolean(filter.q || filter.organizationId || filter.status) },
      oauthOrganizations: orgs,
    };
  }

  return {
    async load(id: string, staff: Staff, query: ParsedUrlQuery) {
      const { scope } = staff;
      const user = await users.get(id, scope);
      const [memberOf, groupChoices, keys, applications, levels, snapshot, recent, org, sessions, consents,
        refreshTokens, invitationExpiry] = await Promise.all([
        groups.groupsOf(user.id), groups.list(scope), apiKeys.list(user.id), applicationSections(staff, user.id, query),
        users.privacyLevels(user), settings.current(), events.list({ scope, targetUserId: user.id, limit: 10 }),
        user.organizationId ? organizations.findById(user.organizationId) : undefined,
        accountRecords.sessions(user.id), accountRecords.consents(user.id), accountRecords.refreshTokens(user.id),
        user.invitedAt ? links.invitationExpiry(user.id) : undefined,
      ]);
      const valueOf = privacyFieldValues(user);
      const status = userStatusSource(user);
      return {
        user: {
          id: user.id, name: publicName(user), login: user.login, email: user.email, emailVerified: user.emailVerified,
          phone: user.phoneNumber, phoneVerified: user.phoneNumberVerified, role: ROLE_LABELS[user.role],
          organization: org?.name ?? '',
          badges: [...statusBadges(status),
            ...(user.serviceAccount ? [{ label: 'Service account', tone: 'plain' as const }] : [])],
          serviceAccount: user.serviceAccount,
          // Only the user turns it on or off (Privacy on their account page); the console shows it.
          publicProfile: publicProfileOn(user.claimPrivacy),
          created: formatTime(user.createdAt),
          lastSignIn: formatTime(user.lastSignInAt) || 'never', updated: formatTime(user.updatedAt),
          lockedReason: user.lockedReason, isSelf: user.id === staff.user.id,
          // Managers see Administrators of their organization but cannot change them.
          canChange: mayChange(scope, user),
          // The staff member's own account: no Block, Lock or Delete, and a note saying why.
          actions: availableActions(status, user.id === staff.user.id),
          ownAccountNote: user.id === staff.user.id ? ownAccountNote(staff.isAdmin) : undefined,
          lockedUntil: formatTime(user.lockedUntil),
          invitation: user.invitedAt ? {
            sent: formatTime(user.invitedAt),
            // A link is made when the message goes out: none yet means it is still queued.
            state: invitationExpiry === undefined ? 'sending'
            : invitationExpiry && invitationExpiry < new Date() ? 'expired' : 'pending',
            expires: formatTime(invitationExpiry),
          } : undefined,
          resetPending: user.passwordResetRequired, mustChangePassword: user.passwordChangeRequired,
          deletionScheduled: formatTime(user.deletionScheduledAt),
          identifiers: [['login', 'Login', user.login], ['email', 'Email', user.email],
            ['phone_number', 'Phone', user.phoneNumber]]
            .filter(([, , v]) => v).map(([kind, label, value]) => ({ kind, label, value })),
        },
        fields: Object.entries(levels).map(([field, level]) => {
          const raw = valueOf[field];
          // The picture shows as the image, not its address.
          return { field, label: fieldLabel(field, snapshot.customFields),
            value: raw === undefined || raw === null ? '' : String(raw), level,
            image: field === 'picture' ? absolutePicture(user.picture, issuer) : undefined };
        }),
        memberOf,
        groupChoices: groupChoices.filter((g) => !memberOf.some((m) => m.id === g.id)),
        apiKeys: keys.map((k) => ({ ...k, created: formatTime(k.createdAt),
          lastUsed: formatTime(k.lastUsedAt) || 'never', expires: formatTime(k.expiresAt) || 'never' })),
        sessions: sessions.map((r) => ({ ...r, started: formatTime(r.startedAt),
          lastSeen: formatTime(r.lastSeenAt) || '—', apps: r.apps.map(appName) })),
        // One row per application; revoking names it by client id.
        grants: consents.map((g) => ({ ...g, id: g.clientId, app: appName(g.app), granted: formatTime(g.grantedAt),
          claims: g.claims.map((c) => fieldLabel(c, snapshot.customFields)) })),
        refreshTokens: refreshTokens.map((t) => ({ ...t, app: appName(t.app), issued: formatTime(t.issuedAt),
          expires: formatTime(t.expiresAt), lastUsed: formatTime(t.lastUsedAt) || 'not yet' })),
        ...applications,
        levels: PRIVACY_LEVELS.map((l) => ({ value: l, label: STAFF_PRIVACY_LEVEL_LABELS[l] })),
        events: recent.rows.map((e) => ({ ...e, when: formatTime(e.occurredAt), details: JSON.stringify(e.details) })),
        moreEvents: Boolean(recent.next),
      };
    },
  };
}

export type UserProfilePage = ReturnType<typeof createUserProfilePage>;
