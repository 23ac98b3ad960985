// How client secrets are kept so that a database dump does not reveal them.
// - Hashed (the default): secrets are random 256-bit values, so one SHA-256 is enough (no
//   dictionary to attack) and costs nothing on the token endpoint, unlike bcrypt. Works for
//   client_secret_basic and client_secret_post, where the client sends the secret itself.
// - Encrypted: client_secret_jwt signs with the secret, so the provider needs it in clear.
//   Those secrets are sealed with AES-256-GCM under FOYER_CLIENT_SECRET_KEY, which lives in
//   the configuration, never in the database.
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const HASHED = 'sha256$';
const SEALED = 'aes256gcm$';

export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashClientSecret(secret: string): string {
  return HASHED + createHash('sha256').update(secret, 'utf8').digest('base64url');
}

export function isHashed(stored: string | null | undefined): boolean {
  return Boolean(stored?.startsWith(HASHED));
}

export function isSealed(stored: string | null | undefined): boolean {
  return Boolean(stored?.startsWith(SEALED));
}

export function sealClientSecret(secret: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return SEALED + [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
}

/** The secret in clear, or undefined when it cannot be opened (no key, or another key). */
export function openClientSecret(stored: string, key: Buffer | undefined): string | undefined {
  if (!key || !isSealed(stored)) return undefined;
  try {
    const [iv, tag, body] = stored.slice(SEALED.length).split('.').map((p) => Buffer.from(p, 'base64url'));
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
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
