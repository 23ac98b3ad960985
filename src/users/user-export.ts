// "Download my data" and the admin's "Download data": one JSON document per user. The
// top-level keys and the `user` keys are a fixed format (issue 6); extra top-level keys
// follow. Never a password hash or any secret.
import type { User } from '../db/entities/user.entity.js';
import { PRIVACY_CLAIMS, type PrivacyLevels } from './privacy.js';

export interface ExportExtras {
  identifiers: { kind: string; value: string; verified?: boolean; privacy: string }[];
  consents: { app: string; scopes: string[]; claims: string[]; granted_at: string | null }[];
  sessions: { count: number; last_active_at: string | null };
  events: { at: string; action: string; by: string | null }[];
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** Built-in fields released without consent, by the user's levels (claim names as apps see them). */
export function publicFields(levels: PrivacyLevels): string[] {
  return PRIVACY_CLAIMS.filter((field) => levels[field] === 'public');
}

export function buildUserExport(user: User, levels: PrivacyLevels, extras: ExportExtras) {
  const released = publicFields(levels);
  return {
    user: {
      id: Number(user.id),
      email: user.email,
      // Stored as a date; the format asks for a timestamp (midnight UTC).
      birthdate: user.birthdate ? `${user.birthdate}T00:00:00.000Z` : null,
      family_name: user.familyName,
      given_name: user.givenName,
      nickname: user.nickname,
      login: user.login,
      phone_number: user.phoneNumber,
      picture: user.picture,
      public_profile_claims_oauth: ['id', ...released].join(' '),
      public_profile_claims_gravatar: released.join(' '),
      blocked: user.blocked,
      deleted: iso(user.deletionScheduledAt),
      custom_fields: user.customFields ?? {},
      password_updated_at: iso(user.passwordUpdatedAt),
    },
    role: user.role,
    ...extras,
  };
}

export type UserExport = ReturnType<typeof buildUserExport>;
