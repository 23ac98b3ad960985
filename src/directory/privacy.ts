// Per-claim privacy levels: the rule that decides what an app may ever see.
//   private    – never released to any app
//   on_request – released only when the user consented for that app
//   public     – released without asking
export const PRIVACY_LEVELS = ['private', 'on_request', 'public'] as const;
export type PrivacyLevel = (typeof PRIVACY_LEVELS)[number];

/** The user fields that carry a privacy level; each governs one or more OIDC claims. */
export const PRIVACY_CLAIMS = ['nickname', 'given_name', 'family_name', 'birthdate', 'picture', 'email', 'phone_number'] as const;
export type PrivacyClaim = (typeof PRIVACY_CLAIMS)[number];

/** OIDC claims that follow the level of another field rather than having their own. */
const GOVERNED_BY: Record<string, PrivacyClaim> = {
  email_verified: 'email',
  phone_number_verified: 'phone_number',
};

export type PrivacyLevels = Record<PrivacyClaim, PrivacyLevel>;

export function isPrivacyLevel(value: unknown): value is PrivacyLevel {
  return typeof value === 'string' && (PRIVACY_LEVELS as readonly string[]).includes(value);
}

export function isPrivacyClaim(value: unknown): value is PrivacyClaim {
  return typeof value === 'string' && (PRIVACY_CLAIMS as readonly string[]).includes(value);
}

/** The privacy field that decides whether an OIDC claim may be released; undefined for claims without one. */
export function governingField(claim: string): PrivacyClaim | undefined {
  if (isPrivacyClaim(claim)) return claim;
  return GOVERNED_BY[claim];
}

/** The user's stored levels over the configured defaults. */
export function effectiveLevels(stored: Partial<Record<string, string>> | null | undefined, defaults: PrivacyLevels): PrivacyLevels {
  const levels = { ...defaults };
  for (const field of PRIVACY_CLAIMS) {
    const value = stored?.[field];
    if (isPrivacyLevel(value)) levels[field] = value;
  }
  return levels;
}

export interface PrivacySplit {
  private: PrivacyClaim[];
  onRequest: PrivacyClaim[];
  public: PrivacyClaim[];
}

/** Splits requested OIDC claims into the privacy fields behind them, by level. */
export function splitByPrivacy(requestedClaims: Iterable<string>, levels: PrivacyLevels): PrivacySplit {
  const split: PrivacySplit = { private: [], onRequest: [], public: [] };
  const seen = new Set<PrivacyClaim>();
  for (const claim of requestedClaims) {
    const field = governingField(claim);
    if (!field || seen.has(field)) continue;
    seen.add(field);
    const level = levels[field];
    if (level === 'private') split.private.push(field);
    else if (level === 'on_request') split.onRequest.push(field);
    else split.public.push(field);
  }
  return split;
}

/** The OIDC claim names a consent to one privacy field covers. */
export function claimsOfField(field: PrivacyClaim): string[] {
  return [field, ...Object.entries(GOVERNED_BY).filter(([, f]) => f === field).map(([claim]) => claim)];
}

/**
 * Whether a claim may be released now, given the user's current levels and the
 * fields they consented to for this app. Claims without a privacy field (sub,
 * updated_at, name – which is built from released parts) are decided elsewhere.
 */
export function mayRelease(claim: string, levels: PrivacyLevels, consented: ReadonlySet<string>): boolean {
  const field = governingField(claim);
  if (!field) return true;
  const level = levels[field];
  if (level === 'public') return true;
  if (level === 'on_request') return consented.has(field);
  return false;
}
