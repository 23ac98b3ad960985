// Sign-in identifiers: login, email, phone. One rule set decides what a typed value is
// and how it is stored, so sign-in and account creation can never disagree.
import { parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js';

export type IdentifierKind = 'login' | 'email' | 'phone_number';

// Logins as identity providers send them (SCIM userName): Entra ID and Okta push the
// userPrincipalName (alice@contoso.com), people have digits-first and non-ASCII names. Letters
// and digits of any script (with their combining marks, so a decomposed "ë" passes as well as a
// composed one), and . @ + - _; no spaces, no control or invisible characters; 1 to 256
// characters (code points). Unique case-insensitively across logins and email addresses
// (migration 1732410000000).
const LOGIN = /^[\p{L}\p{M}\p{N}.@+_-]{1,256}$/u;
const LOGIN_RULE = 'Use up to 256 letters, digits, dots, @, +, - or _, without spaces (an email address works)';
// Deliberately simple: one @, something on each side, a dot in the domain, no spaces.
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;
const PHONE_LIKE = /^\+?\(?[0-9][0-9 ().-]{5,}$/;

export function validateLogin(value: string): string | undefined {
  return LOGIN.test(value) ? undefined : LOGIN_RULE;
}

export function validateEmail(value: string): string | undefined {
  if (value.length > 254 || !EMAIL.test(value)) return 'Enter a valid email address';
  return undefined;
}

// Parsing a phone number is the costliest check here (a CSV import of 100,000 rows asks for
// each number several times), and the answer depends on nothing but its inputs.
const PHONE_MEMO_SIZE = 10_000;
const phoneMemo = new Map<string, string | undefined>();

/** E.164 form of a phone number, or undefined when it is not a valid number. */
export function normalizePhone(value: string, defaultRegion: string): string | undefined {
  const key = `${defaultRegion}:${value}`;
  if (phoneMemo.has(key)) return phoneMemo.get(key);
  let normalized: string | undefined;
  try {
    const parsed = parsePhoneNumberWithError(value, defaultRegion as CountryCode);
    normalized = parsed.isValid() ? parsed.number : undefined;
  } catch {
    normalized = undefined;
  }
  if (phoneMemo.size >= PHONE_MEMO_SIZE) phoneMemo.clear();
  phoneMemo.set(key, normalized);
  return normalized;
}

/** What kind of identifier a user typed on the sign-in page, and its stored form. */
export function classifyIdentifier(raw: string,
  defaultRegion: string): { kind: IdentifierKind; value: string } | undefined {
  const value = raw.trim();
  if (value === '') return undefined;
  // An e-mail-form value names the user with that email or that login (they are unique
  // across each other, so at most one does): the repository looks up both.
  if (value.includes('@')) return { kind: 'email', value };
  if (PHONE_LIKE.test(value)) {
    const phone = normalizePhone(value, defaultRegion);
    if (phone) return { kind: 'phone_number', value: phone };
    // No phone number, but it may be a login (logins may be all digits, e.g. an employee number).
  }
  return { kind: 'login', value };
}
