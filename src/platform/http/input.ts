// The input boundary: the zod pieces every route parses its path, query, form or JSON
// with, and the parse that turns a failure into the same typed errors the rest of Foyer
// throws (422 with a message by each field; 404 for an id that cannot exist).
// PostgreSQL refuses NUL in text and jsonb and numbers past a column's type, so those are
// refused here, before any query runs, instead of surfacing as database errors.
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../errors.js';

/** C0 control characters and DEL; tab, LF and CR are allowed only in multi-line text. */
const CONTROL_SINGLE_LINE = /[\u0000-\u001F\u007F]/;
const CONTROL_MULTI_LINE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

export const hasControlCharacters = (s: string, multiLine = false): boolean =>
  (multiLine ? CONTROL_MULTI_LINE : CONTROL_SINGLE_LINE).test(s);

export const NO_CONTROL_CHARACTERS = 'Remove control characters (such as NUL) from this field.';

/** A repeated form field arrives as a list; a text field takes its first value. */
const single = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);

/** Single-line text, at most `max` characters, no control characters. Missing reads as ''. */
export const text = (max = 200) =>
  z.preprocess(
    (v) => single(v) ?? '',
    z.string({ error: 'Enter text here.' })
      .max(max, `Use at most ${max} characters.`)
      .refine((s) => !hasControlCharacters(s), NO_CONTROL_CHARACTERS),
  );

/** Trimmed single-line text that must not be empty: `required` is the message when it is (or is no text at all). */
export const requiredText = (max: number, required: string, tooLong = `Use at most ${max} characters.`) =>
  z.preprocess(
    (v) => { const s = single(v); return typeof s === 'string' ? s.trim() : s ?? ''; },
    z.string({ error: required }).min(1, required).max(max, tooLong)
      .refine((s) => !hasControlCharacters(s), NO_CONTROL_CHARACTERS),
  );

/**
 * A password or other typed secret: kept as typed (not trimmed), bounded, no control characters
 * (bcrypt stops at NUL).
 */
export const secretText = (max: number, required: string, tooLong = `Use at most ${max} characters.`) =>
  z.preprocess(
    (v) => single(v) ?? '',
    z.string({ error: required }).min(1, required).max(max, tooLong)
      .refine((s) => !hasControlCharacters(s), NO_CONTROL_CHARACTERS),
  );

/** Multi-line text (tab and newlines allowed). */
export const multiLineText = (max = 2000) =>
  z.preprocess(
    (v) => single(v) ?? '',
    z.string({ error: 'Enter text here.' })
      .max(max, `Use at most ${max} characters.`)
      .refine((s) => !hasControlCharacters(s, true), NO_CONTROL_CHARACTERS),
  );

/** A list of single-line values (repeated form fields, checkboxes). */
export const textList = (max = 200, maxItems = 1000) =>
  z.preprocess(
    (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]),
    z.array(z.string().max(max).refine((s) => !hasControlCharacters(s), NO_CONTROL_CHARACTERS)).max(maxItems,
      `Choose at most ${maxItems}.`),
  );

export const INT4_MAX = 2_147_483_647;
const INT8_MAX = 9_223_372_036_854_775_807n;

/** A positive id that fits PostgreSQL's `integer` (serial) column, as a number. */
export const serialId = z.preprocess(
  single,
  z.string().regex(/^[1-9][0-9]{0,9}$/, 'Not a valid id.').transform(Number).refine((n) => n <= INT4_MAX,
    'Not a valid id.'),
);

/** A positive id that fits PostgreSQL's `bigint` (bigserial) column, kept as its decimal string. */
export const bigserialId = z.preprocess(
  single,
  // zod runs every check even after the regex failed: BigInt() only sees digits.
  z.string().regex(/^[1-9][0-9]{0,18}$/, 'Not a valid id.').refine((s) => /^[0-9]+$/.test(s) && BigInt(s) <= INT8_MAX,
    'Not a valid id.'),
);

/** A calendar date YYYY-MM-DD that exists, between 1900 and 2100; `notFuture` for birthdates. */
export const calendarDate = ({ notFuture = false }: { notFuture?: boolean } = {}) =>
  z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter a date as YYYY-MM-DD.').superRefine((s, ctx) => {
    const [y, m, d] = s.split('-').map(Number);
    const date = new Date(Date.UTC(2000, m - 1, d));
    date.setUTCFullYear(y); // Date.UTC maps years 0-99 to 1900-1999
    // A birthdate in the future says so, whatever its year; otherwise the range comes first.
    if (notFuture && y > new Date().getUTCFullYear()) {
      ctx.addIssue({ code: 'custom', message: 'Enter a date that is not in the future.' });
    } else if (y < 1900 || y > 2100) {
      ctx.addIssue({ code: 'custom', message: 'Enter a date between 1900 and 2100.' });
    } else if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
      ctx.addIssue({ code: 'custom', message: 'Enter a date that exists.' });
    } else if (notFuture && date.getTime() > Date.now()) {
      ctx.addIssue({ code: 'custom', message: 'Enter a date that is not in the future.' });
    }
  });

/** The field messages of a failed parse, by dotted field name (the first message per field). */
export function fieldMessages(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const name = issue.path.map(String).join('.') || 'input';
    fields[name] ??= issue.message;
  }
  return fields;
}

/** Parses a form, query or JSON body; a failure is a ValidationError (422, messages by field). */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(fieldMessages(result.error));
  return result.data;
}

/** Parses a path id; one that cannot exist is the thing not being found (404), never a database error. */
export function parseId<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new NotFoundError(what);
  return result.data;
}
