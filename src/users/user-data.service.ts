// A user's data as one JSON document (for "Download my data" and the admin's "Download
// data"), and the public profile: only what the user made public.
import type { AuditQuery } from '../audit/audit.query.js';
import type { User } from '../db/entities/user.entity.js';
import type { AccountRecords } from '../sessions/account-records.repository.js';
import type { UserService } from './user.service.js';
import { buildUserExport, publicFields, type UserExport } from './user-export.js';
import { absolutePicture } from './profile-photo.service.js';
import { customPrivacyField, publicProfileOn } from './privacy.js';
import { isLocked } from '../settings/lockout-policy.js';

/** What /u/<login> shows: the login, public built-in fields, public custom fields by key. */
export type PublicProfile = { login: string; custom_fields?: Record<string, unknown> } & Record<string, unknown>;

export function createUserData({ users, records, events, issuer }: { users: UserService; records: AccountRecords;
  events: AuditQuery; issuer: string; }) {
  return {
    async export(user: User): Promise<UserExport> {
      const [levels, consents, sessions, recent] = await Promise.all([
        users.privacyLevels(user), records.consents(user.id), records.sessions(user.id),
        events.list({ scope: { kind: 'all' }, targetUserId: user.id, limit: 200 }),
      ]);
      const identifiers = [
        user.login ? { kind: 'login', value: user.login, privacy: 'private' } : undefined,
        user.email ? { kind: 'email', value: user.email, verified: user.emailVerified, privacy: levels.email }
        : undefined,
        user.phoneNumber ? { kind: 'phone_number', value: user.phoneNumber, verified: user.phoneNumberVerified,
          privacy: levels.phone_number } : undefined,
      ].filter((i): i is NonNullable<typeof i> => Boolean(i));
      return buildUserExport(user, levels, {
        identifiers,
        consents: consents.map((g) => ({ app: g.app, scopes: g.scopes, claims: g.claims,
          granted_at: g.grantedAt?.toISOString() ?? null })),
        sessions: { count: sessions.length, last_active_at: sessions[0]?.lastSeenAt?.toISOString() ?? null },
        events: recent.rows.map((e) => ({ at: e.occurredAt.toISOString(), action: e.action, by: e.actorLabel })),
      });
    },

    /**
     * The public profile of a login: only public fields (built-in ones, then public custom
     * fields under `custom_fields`). Undefined — the same answer as an unknown login — unless
     * the user turned the profile on, and never for blocked, locked or (scheduled to be) deleted accounts.
     */
    async publicProfile(login: string): Promise<PublicProfile | undefined> {
      const user = await users.findBySignInIdentifier(login);
      // Only by login (not email or phone).
      if (!user || user.login?.toLowerCase() !== login.toLowerCase()) return undefined;
      if (!publicProfileOn(user.claimPrivacy)) return undefined;
      if (user.blocked || user.deletionScheduledAt || isLocked(user) || user.serviceAccount) return undefined;
      const levels = await users.privacyLevels(user);
      const values: Record<string, unknown> = {
        nickname: user.nickname, given_name: user.givenName, family_name: user.familyName, birthdate: user.birthdate,
        picture: absolutePicture(user.picture, issuer), email: user.email, phone_number: user.phoneNumber,
      };
      const shown = Object.fromEntries(publicFields(levels).filter((f) => values[f]).map((f) => [f, values[f]]));
      const custom = Object.fromEntries(Object.entries(user.customFields ?? {})
        .filter(([key, value]) => levels[customPrivacyField(key)] === 'public' && value !== '' && value !== null
          && value !== undefined));
      return { login: user.login ?? login, ...shown, ...(Object.keys(custom).length ? { custom_fields: custom } : {}) };
    },
  };
}

export type UserData = ReturnType<typeof createUserData>;
