// Client secrets are random 256-bit values, so one SHA-256 is enough to store them
// safely (no dictionary to attack) and costs nothing on the token endpoint, unlike bcrypt.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'sha256$';

export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashClientSecret(secret: string): string {
  return PREFIX + createHash('sha256').update(secret, 'utf8').digest('base64url');
}

export function clientSecretMatches(presented: string, stored: string | undefined): boolean {
  if (!stored?.startsWith(PREFIX)) return false;
  const a = Buffer.from(hashClientSecret(presented));
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
}
