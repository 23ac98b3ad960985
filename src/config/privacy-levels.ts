// The privacy vocabulary, at the bottom because the configuration names defaults in it
// (FOYER_PRIVACY_DEFAULTS); the rules that apply it are in src/users/privacy.ts.
//   private    – never released to any app
//   on_request – released only when the user consented for that app
//   public     – released without asking
export const PRIVACY_LEVELS = ['private', 'on_request', 'public'] as const;
export type PrivacyLevel = (typeof PRIVACY_LEVELS)[number];

export function isPrivacyLevel(value: unknown): value is PrivacyLevel {
  return typeof value === 'string' && (PRIVACY_LEVELS as readonly string[]).includes(value);
}

/** The built-in user fields that carry a privacy level; each governs one or more OIDC claims. */
export const PRIVACY_CLAIMS = ['nickname', 'given_name', 'family_name', 'birthdate', 'picture', 'email',
  'phone_number'] as const;
export type PrivacyClaim = (typeof PRIVACY_CLAIMS)[number];
