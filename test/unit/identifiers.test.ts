import { classifyIdentifier, normalizePhone, validateLogin } from '../../src/users/identifiers.js';

describe('identifiers', () => {
  it('tells logins, emails and phone numbers apart', () => {
    expect(classifyIdentifier('alice', 'US')).toEqual({ kind: 'login', value: 'alice' });
    expect(classifyIdentifier(' Alice@Example.com ', 'US')).toEqual({ kind: 'email', value: 'Alice@Example.com' });
    expect(classifyIdentifier('+1 (415) 555-0123', 'US')).toEqual({ kind: 'phone_number', value: '+14155550123' });
    expect(classifyIdentifier('', 'US')).toBeUndefined();
  });

  it('normalises national numbers with the default region', () => {
    expect(normalizePhone('030 12345678', 'DE')).toBe('+493012345678');
    expect(normalizePhone('12', 'US')).toBeUndefined();
  });

  it('accepts sensible logins only', () => {
    expect(validateLogin('alice.smith')).toBeUndefined();
    expect(validateLogin('1alice')).toBeUndefined();
    expect(validateLogin('alice@contoso.com')).toBeUndefined();
    expect(validateLogin('a b')).toBeDefined();
    expect(validateLogin('a'.repeat(257))).toBeDefined();
  });

  it('looks up a phone-like value that is no phone number as a login', () => {
    expect(classifyIdentifier('700123', 'US')).toEqual({ kind: 'login', value: '700123' });
  });
});
