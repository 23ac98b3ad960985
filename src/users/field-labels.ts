// The words people see for each field, on consent, profile and privacy pages.
import type { CustomFieldDefinition } from '../settings/custom-fields.js';
import { customKeyOf, type PrivacyClaim, type PrivacyField, type PrivacyLevel } from './privacy.js';

export const BUILT_IN_LABELS: Record<PrivacyClaim, string> = {
  nickname: 'Public name',
  given_name: 'First name(s)',
  family_name: 'Last name',
  birthdate: 'Date of birth',
  picture: 'Profile photo',
  email: 'Email address',
  phone_number: 'Phone number',
};

/** As the user reads them, about their own fields (the account pages). */
export const PRIVACY_LEVEL_LABELS: Record<PrivacyLevel, string> = {
  private: 'Available only to you',
  on_request: 'Available on request',
  public: 'Available to everyone',
};

/** As staff read them, about someone else's fields (a user's profile, a custom field's default in Settings). */
export const STAFF_PRIVACY_LEVEL_LABELS: Record<PrivacyLevel, string> = {
  ...PRIVACY_LEVEL_LABELS,
  private: 'Available only to the user',
};

export function fieldLabel(field: PrivacyField, customFields: readonly CustomFieldDefinition[]): string {
  const key = customKeyOf(field);
  if (key === undefined) return BUILT_IN_LABELS[field as PrivacyClaim] ?? field;
  return customFields.find((f) => f.key === key)?.label ?? key;
}
