// The name a user is shown by, everywhere: nickname, else "First Last", else an identifier.
import type { User } from '../db/entities/user.entity.js';

export function publicName(
  u: Pick<User, 'nickname' | 'givenName' | 'familyName' | 'login' | 'email' | 'phoneNumber'>,
): string {
  return u.nickname || [u.givenName, u.familyName].filter(Boolean).join(' ') || u.login || u.email || u.phoneNumber
    || '—';
}
