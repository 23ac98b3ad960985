// The one place Foyer encrypts a secret it must read back (client secrets for
// client_secret_jwt, the provider's signing and cookie keys, the CSRF secret): AES-256-GCM
// under a key from the configuration, never from the database. Stored form:
//   aes256gcm$<iv>.<tag>.<ciphertext>   (each part base64url; 12-byte random iv)
// `context` (GCM additional data) binds a sealed value to where it is stored, so a value
// copied into another row does not open there.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const SEALED = 'aes256gcm$';

export function isSealed(stored: unknown): stored is string {
  return typeof stored === 'string' && stored.startsWith(SEALED);
}

export function seal(plain: string, key: Buffer, context = ''): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (context) cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return SEALED + [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
}

/** The value in clear, or undefined when it does not open (not sealed, another key, another context, damaged). */
export function unseal(stored: string, key: Buffer | undefined, context = ''): string | undefined {
  if (!key || !isSealed(stored)) return undefined;
  try {
    const [iv, tag, body] = stored.slice(SEALED.length).split('.').map((p) => Buffer.from(p, 'base64url'));
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    if (context) decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/**
 * A 32-byte AES key for one purpose from the operator's key material (HKDF-SHA-256), so one secret
 * never keys two uses.
 */
export function deriveSealingKey(material: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), `foyer ${purpose}`, 32));
}
