// The one sealing module (client secrets, provider secrets): AES-256-GCM, bound to its context.
import { randomBytes } from 'node:crypto';
import { deriveSealingKey, isSealed, seal, unseal } from '../../src/platform/sealing.js';

describe('sealing', () => {
  const key = randomBytes(32);

  it('opens what it sealed, only with the same key and context', () => {
    const stored = seal('{"k":"secret"}', key, 'provider_secrets:jwks');
    expect(isSealed(stored)).toBe(true);
    expect(stored).not.toContain('secret');
    expect(unseal(stored, key, 'provider_secrets:jwks')).toBe('{"k":"secret"}');
    expect(unseal(stored, key, 'provider_secrets:cookie_keys')).toBeUndefined();
    expect(unseal(stored, randomBytes(32), 'provider_secrets:jwks')).toBeUndefined();
    expect(unseal(stored, undefined, 'provider_secrets:jwks')).toBeUndefined();
  });

  it('derives a different 32-byte key per purpose from the same material', () => {
    const material = randomBytes(48);
    const a = deriveSealingKey(material, 'provider_secrets');
    expect(a).toHaveLength(32);
    expect(deriveSealingKey(material, 'provider_secrets').equals(a)).toBe(true);
    expect(deriveSealingKey(material, 'something else').equals(a)).toBe(false);
    expect(a.equals(material.subarray(0, 32))).toBe(false);
  });

  it('tells sealed values from anything else', () => {
    for (const other of [null, undefined, 42, 'plain', { keys: [] }, 'sha256$abc']) expect(isSealed(other)).toBe(false);
  });
});
