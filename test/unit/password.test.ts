import { createPasswordHasher } from '../../src/users/password.js';
import { checkPassword, DEFAULT_PASSWORD_POLICY, describePolicy, parsePasswordPolicy, policyFromStored,
  type PasswordPolicy } from '../../src/settings/password-policy.js';

describe('password policy', () => {
  const strict: PasswordPolicy = { minLength: 10, requiredClasses: ['lower', 'upper', 'digit', 'symbol'],
    forbidIdentifiers: true };

  it('rejects passwords shorter than the minimum length', () => {
    expect(checkPassword('short', DEFAULT_PASSWORD_POLICY)).toMatch(/at least 8/);
    expect(checkPassword('long enough', DEFAULT_PASSWORD_POLICY)).toBeUndefined();
  });

  it('rejects passwords longer than 72 bytes instead of silently truncating', () => {
    expect(checkPassword('a'.repeat(72), DEFAULT_PASSWORD_POLICY)).toBeUndefined();
    expect(checkPassword('a'.repeat(73), DEFAULT_PASSWORD_POLICY)).toMatch(/72 bytes/);
    // 25 three-byte characters = 75 bytes although only 25 characters long
    expect(checkPassword('€'.repeat(25), DEFAULT_PASSWORD_POLICY)).toMatch(/72 bytes/);
  });

  it('names every missing character class', () => {
    expect(checkPassword('alllowercase', strict)).toBe('Include an upper-case letter, a digit, a symbol or space');
    expect(checkPassword('Abcdefgh1!', strict)).toBeUndefined();
    expect(checkPassword('Ábcdéfgh1 ', strict)).toBeUndefined();
  });

  it('refuses the login, the email or its local part inside the password, case-insensitively', () => {
    const ctx = { login: 'Anna', email: 'anna.smith@example.org' };
    expect(checkPassword('my ANNA password', DEFAULT_PASSWORD_POLICY, ctx)).toMatch(/login or email/);
    expect(checkPassword('xx anna.smith xx', DEFAULT_PASSWORD_POLICY, { email: ctx.email })).toMatch(/login or email/);
    expect(checkPassword('my anna password', { ...DEFAULT_PASSWORD_POLICY, forbidIdentifiers: false },
      ctx)).toBeUndefined();
    // Very short identifiers are not checked: a login "al" would ban most words.
    expect(checkPassword('totally fine', DEFAULT_PASSWORD_POLICY, { login: 'al' })).toBeUndefined();
  });

  it('parses the settings form and reports every bad field', () => {
    expect(parsePasswordPolicy({ minLength: '12', requiredClasses: ['digit', 'upper'], forbidIdentifiers: 'on' }))
      .toEqual({ policy: { minLength: 12, requiredClasses: ['digit', 'upper'], forbidIdentifiers: true } });
    expect(parsePasswordPolicy({ minLength: '12', requiredClasses: 'digit' }))
      .toEqual({ policy: { minLength: 12, requiredClasses: ['digit'], forbidIdentifiers: false } });
    const bad = parsePasswordPolicy({ minLength: '80', requiredClasses: ['emoji'] });
    expect(bad).toEqual({ errors: { minLength: expect.stringMatching(/8 to 72/),
      requiredClasses: expect.any(String) } });
    expect(parsePasswordPolicy({ minLength: 'ten' })).toEqual({ errors: { minLength: expect.any(String) } });
  });

  it('refuses a minimum length below 8 (NIST SP 800-63B)', () => {
    expect(parsePasswordPolicy({ minLength: '7' })).toEqual({ errors: { minLength: 'Enter a whole number from 8 to 72: '
      + 'fewer than 8 characters is too weak (NIST SP 800-63B), and bcrypt reads at most 72 bytes' } });
    expect(parsePasswordPolicy({ minLength: '1' })).toHaveProperty('errors.minLength');
    expect(parsePasswordPolicy({ minLength: '8' })).toEqual({ policy: { minLength: 8, requiredClasses: [],
      forbidIdentifiers: false } });
  });

  it('reads a stored minimum below 8, saved before the floor, as 8 and keeps the rest', () => {
    const stored = policyFromStored({ minLength: 4, requiredClasses: ['digit'], forbidIdentifiers: false });
    expect(stored).toEqual({ minLength: 8, requiredClasses: ['digit'], forbidIdentifiers: false });
    expect(checkPassword('seven7x', stored)).toBe('Use at least 8 characters');
    expect(checkPassword('eight8xx', stored)).toBeUndefined();
  });

  it('falls back to the default for a missing or damaged stored policy', () => {
    expect(policyFromStored(undefined)).toEqual(DEFAULT_PASSWORD_POLICY);
    expect(policyFromStored({ minLength: -3 })).toEqual(DEFAULT_PASSWORD_POLICY);
    expect(policyFromStored({ minLength: 9, requiredClasses: ['digit'], forbidIdentifiers: false }))
      .toEqual({ minLength: 9, requiredClasses: ['digit'], forbidIdentifiers: false });
  });

  it('describes itself for forms', () => {
    expect(describePolicy(strict)).toBe('Use at least 10 characters, at most 72 bytes, with a lower-case letter, an '
      + 'upper-case letter, a digit, a symbol or space, not containing the login or email.');
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
