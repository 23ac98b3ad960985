// The scopes Foyer offers and the user claims each covers: the directory's side of the
// vocabulary, shared by the provider (src/oidc/claims.ts) and application settings.
import { CUSTOM_CLAIM } from './privacy.js';

export const SCOPE_CLAIMS: Record<string, string[]> = {
  openid: ['sub'],
  // Custom profile fields travel in one `custom_fields` object claim (as Logto's custom_data
  // does): the provider fixes its claim names at start-up, and admins add fields at run time.
  profile: ['nickname', 'given_name', 'family_name', 'name', 'birthdate', 'picture', 'updated_at', CUSTOM_CLAIM],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
  // Names of the user's groups; not a profile field, so it has no privacy level of its own.
  groups: ['groups'],
};

export const SCOPES = ['openid', 'offline_access', 'profile', 'email', 'phone', 'groups'];
