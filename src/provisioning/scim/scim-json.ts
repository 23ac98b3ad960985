// Reading SCIM JSON, whose attribute names are case-insensitive, and turning directory errors
// into the SCIM errors the RFC names.
import { NotFoundError, ValidationError } from '../../platform/errors.js';
import { invalidValue, uniqueness } from './scim-error.js';

export type Json = Record<string, unknown>;

/** The key of `obj` matching `name` case-insensitively, or `name` itself. */
export function keyOf(obj: Json, name: string): string {
  return Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name;
}

/** `obj[name]`, the name matched case-insensitively. */
export function get(obj: unknown, name: string): unknown {
  return obj && typeof obj === 'object' ? (obj as Json)[keyOf(obj as Json, name)] : undefined;
}

/** A taken name or identifier is uniqueness (409); other bad input invalidValue; a member out of reach invalidValue. */
export function asScimError(err: unknown): never {
  if (err instanceof ValidationError) {
    const text = Object.entries(err.fields).map(([f, m]) => `${f}: ${m}`).join('; ');
    throw Object.values(err.fields).some((m) => /already in use|exists already/.test(m)) ? uniqueness(text)
      : invalidValue(text);
  }
  if (err instanceof NotFoundError && /User/.test(err.message)) {
    throw invalidValue('A member is not an existing user that this key may manage');
  }
  throw err;
}
