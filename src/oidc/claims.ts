// Which claims each scope covers, and the claims of a user as Foyer releases them.
import type { User } from '../db/entities/user.entity.js';
import { privacyFieldValues } from '../users/field-values.js';
import { absolutePicture } from '../users/profile-photo.service.js';
import { SCOPE_CLAIMS } from '../users/scopes.js';
import { CUSTOM_CLAIM, customKeyOf, mayRelease, mayReleaseField, type PrivacyField,
  type PrivacyLevels } from '../users/privacy.js';

/** The claims an authorization request's scopes cover. */
export function requestedClaims(scopes: Iterable<string>): Set<string> {
  const claims = new Set<string>();
  for (const scope of scopes) for (const c of SCOPE_CLAIMS[scope] ?? []) claims.add(c);
  return claims;
}

const hasValue = (v: unknown) => v !== null && v !== undefined && v !== '';

/** The privacy fields the user has a value for (custom ones only while defined): only those are worth asking about. */
export function presentFields(user: User, levels: PrivacyLevels): Set<PrivacyField> {
  const values = privacyFieldValues(user);
  return new Set(Object.keys(values).filter((f) => hasValue(values[f]) && Object.hasOwn(levels, f)));
}

/**
 * Every claim of the user that the privacy levels allow right now, given the fields the
 * user consented to for this app. The provider then narrows it to the granted scopes.
 */
export function releasableClaims(user: User, levels: PrivacyLevels, consented: ReadonlySet<string>,
  issuer = ''): Record<string, unknown> {
  const all: Record<string, unknown> = {
    nickname: user.nickname,
    given_name: user.givenName,
    family_name: user.familyName,
    birthdate: user.birthdate,
    picture: absolutePicture(user.picture, issuer),
    email: user.email,
    email_verified: user.email ? user.emailVerified : null,
    phone_number: user.phoneNumber,
    phone_number_verified: user.phoneNumber ? user.phoneNumberVerified : null,
  };
  const released: Record<string, unknown> = { sub: user.id, updated_at: Math.floor(user.updatedAt.getTime() / 1000) };
  for (const [claim, value] of Object.entries(all)) {
    if (value !== null && value !== undefined && mayRelease(claim, levels, consented)) released[claim] = value;
  }
  const custom: Record<string, unknown> = {};
  for (const field of Object.keys(levels)) {
    const key = customKeyOf(field);
    const value = key === undefined ? undefined : user.customFields?.[key];
    if (key !== undefined && hasValue(value) && mayReleaseField(field, levels, consented)) custom[key] = value;
  }
  if (Object.keys(custom).length) released[CUSTOM_CLAIM] = custom;
  // `name` is built only from the parts that may be released, so it never leaks a hidden one.
  const name = [released.given_name, released.family_name].filter(Boolean).join(' ');
  if (name) released.name = name;
  return released;
}
