// How client secrets are kept so that a database dump does not reveal them.
// - Hashed (the default): secrets are random 256-bit values, so one SHA-256 is enough (no
//   dictionary to attack) and costs nothing on the token endpoint, unlike bcrypt. Works for
//   client_secret_basic and client_secret_post, where the client sends the secret itself.
// - Encrypted: client_secret_jwt signs with the secret, so the provider needs it in clear.
//   Those secrets are sealed with AES-256-GCM under FOYER_CLIENT_SECRET_KEY, which lives in
//   the configuration, never in the database.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isSealed as isSealedValue, seal, unseal } from '../platform/sealing.js';

const HASHED = 'sha256$';

export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashClientSecret(secret: string): string {
  return HASHED + createHash('sha256').update(secret, 'utf8').digest('base64url');
}

export function isHashed(stored: string | null | undefined): boolean {
  return Boolean(stored?.startsWith(HASHED));
}

/** Sealed with the one sealing module (sealing.ts), under the key itself and no context, as it always was. */
export function isSealed(stored: string | null | undefined): boolean {
  return isSealedValue(stored);
}

export function sealClientSecret(secret: string, key: Buffer): string {
  return seal(secret, key);
}

/** The secret in clear, or undefined when it cannot be opened (no key, or another key). */
export function openClientSecret(stored: string, key: Buffer | undefined): string | undefined {
  return unseal(stored, key);
}

/**
 * Compares what a client presented with what the provider holds for it: a hash for hashed
 * secrets, the opened secret for sealed ones. Constant time either way.
 */
export function clientSecretMatches(presented: string, held: string | undefined): boolean {
  if (!held) return false;
  const expected = Buffer.from(held.startsWith(HASHED) ? held : hashClientSecret(held));
  const actual = Buffer.from(hashClientSecret(presented));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
