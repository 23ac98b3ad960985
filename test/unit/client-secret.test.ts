// How client secrets are kept: sealed ones open only with their own key and untouched,
// and the provider's comparison works for hashed and for opened (clear) secrets.
import { randomBytes } from 'node:crypto';
import {
  clientSecretMatches, generateClientSecret, hashClientSecret, isSealed, openClientSecret, sealClientSecret,
} from '../../src/applications/client-secret.js';

const key = randomBytes(32);

describe('sealed client secrets', () => {
  it('open to the same secret with the same key, and never show it in the stored text', () => {
    const secret = generateClientSecret();
    const stored = sealClientSecret(secret, key);
    expect(stored.startsWith('aes256gcm$')).toBe(true);
    expect(isSealed(stored)).toBe(true);
    expect(stored).not.toContain(secret);
    expect(openClientSecret(stored, key)).toBe(secret);
  });

  it('are sealed differently each time (a fresh IV), yet both open', () => {
    const secret = generateClientSecret();
    const a = sealClientSecret(secret, key);
    const b = sealClientSecret(secret, key);
    expect(a).not.toBe(b);
    expect([openClientSecret(a, key), openClientSecret(b, key)]).toEqual([secret, secret]);
  });

  it('do not open with another key, or with no key', () => {
    const stored = sealClientSecret(generateClientSecret(), key);
    expect(openClientSecret(stored, randomBytes(32))).toBeUndefined();
    expect(openClientSecret(stored, undefined)).toBeUndefined();
  });

  it('do not open once the stored text is tampered with', () => {
    const stored = sealClientSecret(generateClientSecret(), key);
    const [iv, tag, body] = stored.slice('aes256gcm$'.length).split('.');
    const flipped = (part: string) => {
      const bytes = Buffer.from(part, 'base64url');
      bytes[0] ^= 1;
      return bytes.toString('base64url');
    };
    for (const tampered of [[flipped(iv), tag, body], [iv, flipped(tag), body], [iv, tag, flipped(body)], [iv, tag]]) {
      expect(openClientSecret(`aes256gcm$${tampered.join('.')}`, key)).toBeUndefined();
    }
  });

  it('are not mistaken for hashed ones, nor hashed ones for sealed', () => {
    expect(isSealed(hashClientSecret('x'))).toBe(false);
    expect(isSealed(null)).toBe(false);
    expect(openClientSecret(hashClientSecret('x'), key)).toBeUndefined();
  });
});

describe('clientSecretMatches', () => {
  it('compares with a hashed secret as stored for client_secret_basic and client_secret_post', () => {
    const secret = generateClientSecret();
    const held = hashClientSecret(secret);
    expect(held.startsWith('sha256$')).toBe(true);
    expect(held).not.toContain(secret);
    expect(clientSecretMatches(secret, held)).toBe(true);
    expect(clientSecretMatches(`${secret}x`, held)).toBe(false);
    expect(clientSecretMatches('', held)).toBe(false);
  });

  it('compares with a clear secret as opened for client_secret_jwt', () => {
    const secret = generateClientSecret();
    const held = openClientSecret(sealClientSecret(secret, key), key);
    expect(clientSecretMatches(secret, held)).toBe(true);
    expect(clientSecretMatches(secret.slice(1), held)).toBe(false);
  });

  it('matches nothing when nothing is held', () => {
    expect(clientSecretMatches('anything', undefined)).toBe(false);
    expect(clientSecretMatches('', '')).toBe(false);
  });
});
