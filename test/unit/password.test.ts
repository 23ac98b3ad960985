import { checkPasswordRules, createPasswordHasher } from '../../src/directory/password.js';

describe('password rules', () => {
  it('rejects short passwords', () => {
    expect(checkPasswordRules('short')).toMatch(/at least 8/);
  });

  it('rejects passwords longer than 72 bytes instead of silently truncating', () => {
    expect(checkPasswordRules('a'.repeat(72))).toBeUndefined();
    expect(checkPasswordRules('a'.repeat(73))).toMatch(/72 bytes/);
    // 25 three-byte characters = 75 bytes although only 25 characters long
    expect(checkPasswordRules('€'.repeat(25))).toMatch(/72 bytes/);
  });
});

describe('password hasher', () => {
  const hasher = createPasswordHasher({ cost: 4 });

  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hasher.hash('correct horse battery');
    expect(hash).toMatch(/^\$2[aby]\$04\$/);
    await expect(hasher.verify('correct horse battery', hash)).resolves.toBe(true);
    await expect(hasher.verify('wrong horse battery', hash)).resolves.toBe(false);
  });

  it('answers false for an account without a password, after doing the same work', async () => {
    await expect(hasher.verify('anything at all', null)).resolves.toBe(false);
    await expect(hasher.verify('foyer-dummy-password', undefined)).resolves.toBe(false);
  });
});
