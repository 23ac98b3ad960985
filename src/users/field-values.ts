// Each privacy field's value on a user: the built-in ones and `custom_fields.<key>`.
import type { User } from '../db/entities/user.entity.js';
import { customPrivacyField, type PrivacyField } from './privacy.js';

export function privacyFieldValues(user: User): Record<PrivacyField, unknown> {
  const values: Record<PrivacyField, unknown> = {
    nickname: user.nickname, given_name: user.givenName, family_name: user.familyName, birthdate: user.birthdate,
    picture: user.picture, email: user.email, phone_number: user.phoneNumber,
  };
  for (const [key, value] of Object.entries(user.customFields ?? {})) values[customPrivacyField(key)] = value;
  return values;
}
