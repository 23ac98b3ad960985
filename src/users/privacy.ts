// Per-field privacy levels: the rule that decides what an app may ever see (the levels
// themselves are named in src/config/privacy-levels.ts).
// Privacy fields are the built-in ones plus one per custom profile field, named
// `custom_fields.<key>` (their values are released inside the `custom_fields` claim).
import { isPrivacyLevel, PRIVACY_CLAIMS, PRIVACY_LEVELS, type PrivacyClaim,
  type PrivacyLevel } from '../config/privacy-levels.js';

export { isPrivacyLevel, PRIVACY_CLAIMS, PRIVACY_LEVELS, type PrivacyClaim, type PrivacyLevel };

/** A built-in privacy field or `custom_fields.<key>`. */
export type PrivacyField = string;

export const CUSTOM_CLAIM = 'custom_fields';
const CUSTOM_PREFIX = `${CUSTOM_CLAIM}.`;

/** OIDC claims that follow the level of another field rather than having their own. */
const GOVERNED_BY: Record<string, PrivacyClaim> = {
  email_verified: 'email',
  phone_number_verified: 'phone_number',
};

/** Built-in fields always have a level; custom fields have one while they are defined. */
export type PrivacyLevels = Record<PrivacyClaim, PrivacyLevel> & Record<string, PrivacyLevel>;

function isPrivacyClaim(value: unknown): value is PrivacyClaim {
  return typeof value === 'string' && (PRIVACY_CLAIMS as readonly string[]).includes(value);
}

export function customPrivacyField(key: string): PrivacyField {
  return `${CUSTOM_PREFIX}${key}`;
}

/** The custom field key of a privacy field, or undefined for a built-in one. */
export function customKeyOf(field: PrivacyField): string | undefined {
  return field.startsWith(CUSTOM_PREFIX) ? field.slice(CUSTOM_PREFIX.length) : undefined;
}

/** The privacy fields that decide whether an OIDC claim may be released; empty for claims without one. */
function governingFields(claim: string, levels: PrivacyLevels): PrivacyField[] {
  if (isPrivacyClaim(claim)) return [claim];
  if (GOVERNED_BY[claim]) return [GOVERNED_BY[claim]];
  if (claim === CUSTOM_CLAIM) return Object.keys(levels).filter((f) => f.startsWith(CUSTOM_PREFIX));
  return [];
}

/**
 * The user's stored levels over the defaults: the configured ones for built-in fields, each
 * custom field's own default for custom ones (`customDefaults`, keyed by custom key).
 */
export function effectiveLevels(stored: Partial<Record<string, string>> | null | undefined,
  defaults: Record<PrivacyClaim, PrivacyLevel>,
  customDefaults: Record<string, PrivacyLevel> = {}): PrivacyLevels {
  const levels: Record<string, PrivacyLevel> = { ...defaults };
  for (const [key, level] of Object.entries(customDefaults)) levels[customPrivacyField(key)] = level;
  for (const field of Object.keys(levels)) {
    const value = stored?.[field];
    if (isPrivacyLevel(value)) levels[field] = value;
  }
  return levels as PrivacyLevels;
}

/** Whether `field` names a privacy field the user has (built-in, or a defined custom field). */
export function isKnownPrivacyField(field: unknown, levels: PrivacyLevels): field is PrivacyField {
  return typeof field === 'string' && Object.hasOwn(levels, field);
}

export interface PrivacySplit {
  private: PrivacyField[];
  onRequest: PrivacyField[];
  public: PrivacyField[];
}

/** Splits requested OIDC claims into the privacy fields behind them, by level. */
export function splitByPrivacy(requestedClaims: Iterable<string>, levels: PrivacyLevels): PrivacySplit {
  const split: PrivacySplit = { private: [], onRequest: [], public: [] };
  const seen = new Set<PrivacyField>();
  for (const claim of requestedClaims) {
    for (const field of governingFields(claim, levels)) {
      if (seen.has(field)) continue;
      seen.add(field);
      const level = levels[field];
      if (level === 'public') split.public.push(field);
      else if (level === 'on_request') split.onRequest.push(field);
      else split.private.push(field);
    }
  }
  return split;
}

/** The names a consent to one privacy field is recorded under in a grant. */
export function claimsOfField(field: PrivacyField): string[] {
  return [field, ...Object.entries(GOVERNED_BY).filter(([, f]) => f === field).map(([claim]) => claim)];
}

/** Whether one privacy field's value may be released now, given the fields consented to for this app. */
export function mayReleaseField(field: PrivacyField, levels: PrivacyLevels, consented: ReadonlySet<string>): boolean {
  const level = levels[field];
  if (level === 'public') return true;
  if (level === 'on_request') return consented.has(field);
  return false;
}

/**
 * Whether a claim may be released now. Claims without a privacy field (sub, updated_at,
 * name – which is built from released parts) are decided elsewhere; `custom_fields` is
 * filtered entry by entry with mayReleaseField.
 */
export function mayRelease(claim: string, levels: PrivacyLevels, consented: ReadonlySet<string>): boolean {
  if (claim === CUSTOM_CLAIM) return true;
  const fields = governingFields(claim, levels);
  return fields.every((field) => mayReleaseField(field, levels, consented));
}

/**
 * The public profile switch (/u/<login>), kept in the same per-user privacy JSON under a key
 * that is no privacy field: absent (every account until its user turns it on) means off.
 */
export const PUBLIC_PROFILE_KEY = 'public_profile';

export function publicProfileOn(stored: Partial<Record<string, string>> | null | undefined): boolean {
  return stored?.[PUBLIC_PROFILE_KEY] === 'on';
}
