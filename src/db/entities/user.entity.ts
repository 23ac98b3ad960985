import { EntitySchema } from 'typeorm';

export const ROLES = ['MEMBER', 'MANAGER', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  id: string;
  login: string | null;
  email: string | null;
  emailVerified: boolean;
  phoneNumber: string | null;
  phoneNumberVerified: boolean;
  nickname: string | null;
  givenName: string | null;
  familyName: string | null;
  birthdate: string | null;
  picture: string | null;
  passwordHash: string | null;
  passwordUpdatedAt: Date | null;
  customFields: Record<string, unknown>;
  role: Role;
  organizationId: number | null;
  blocked: boolean;
  blockedAt: Date | null;
  lockedAt: Date | null;
  lockedReason: string | null;
  lockedUntil: Date | null;
  deletionScheduledAt: Date | null;
  claimPrivacy: Record<string, string>;
  lastSignInAt: Date | null;
  invitedAt: Date | null;
  passwordResetRequired: boolean;
  /** A temporary password: the next sign-in must choose a new one before going on. */
  passwordChangeRequired: boolean;
  /** The provisioning system's own id for the user (SCIM externalId). */
  externalId: string | null;
  /**
   * A service account: no person but the holder of a provisioning API key. It has no password or
   * email, never signs in, gets no mail and is not counted as an Administrator who can get back in.
   */
  serviceAccount: boolean;
  /** Failed sign-ins counted since `failedSignInsSince` (the lockout window's start). */
  failedSignIns: number;
  failedSignInsSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const nullableText = { type: 'text', nullable: true } as const;
const nullableTime = { type: 'timestamptz', nullable: true } as const;

// bigint ids come back from pg as strings; we keep them as strings (they are also `sub`).
export const UserEntity = new EntitySchema<User>({
  name: 'User',
  tableName: 'users',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    login: nullableText,
    email: nullableText,
    emailVerified: { type: 'boolean', name: 'email_verified', default: false },
    phoneNumber: { ...nullableText, name: 'phone_number' },
    phoneNumberVerified: { type: 'boolean', name: 'phone_number_verified', default: false },
    nickname: nullableText,
    givenName: { ...nullableText, name: 'given_name' },
    familyName: { ...nullableText, name: 'family_name' },
    birthdate: { type: 'date', nullable: true },
    picture: nullableText,
    passwordHash: { ...nullableText, name: 'password_hash' },
    passwordUpdatedAt: { ...nullableTime, name: 'password_updated_at' },
    customFields: { type: 'jsonb', name: 'custom_fields', default: {} },
    role: { type: 'text', default: 'MEMBER' },
    organizationId: { type: 'int', name: 'organization_id', nullable: true },
    blocked: { type: 'boolean', default: false },
    blockedAt: { ...nullableTime, name: 'blocked_at' },
    lockedAt: { ...nullableTime, name: 'locked_at' },
    lockedReason: { ...nullableText, name: 'locked_reason' },
    lockedUntil: { ...nullableTime, name: 'locked_until' },
    deletionScheduledAt: { ...nullableTime, name: 'deletion_scheduled_at' },
    claimPrivacy: { type: 'jsonb', name: 'claim_privacy', default: {} },
    lastSignInAt: { ...nullableTime, name: 'last_sign_in_at' },
    invitedAt: { ...nullableTime, name: 'invited_at' },
    passwordResetRequired: { type: 'boolean', name: 'password_reset_required', default: false },
    passwordChangeRequired: { type: 'boolean', name: 'password_change_required', default: false },
    externalId: { ...nullableText, name: 'external_id' },
    serviceAccount: { type: 'boolean', name: 'service_account', default: false },
    failedSignIns: { type: 'int', name: 'failed_sign_ins', default: 0 },
    failedSignInsSince: { ...nullableTime, name: 'failed_sign_ins_since' },
    createdAt: { type: 'timestamptz', name: 'created_at', createDate: true },
    updatedAt: { type: 'timestamptz', name: 'updated_at', updateDate: true },
  },
});
