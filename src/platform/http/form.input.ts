// Pieces the console's input schemas share on top of src/platform/http/input.ts: optional dates and
// ids as forms send them (an empty field is "none"), choices from a fixed list, and the
// typed values a form shows again after an error.
import { z } from 'zod';
import { bigserialId, calendarDate, hasControlCharacters, NO_CONTROL_CHARACTERS, serialId, text } from './input.js';

type Form = Record<string, string | string[] | undefined>;

const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);
/** A form value trimmed, with '' (or nothing) read as undefined. */
const blank = (v: unknown): unknown => {
  const s = first(v);
  return s === undefined || (typeof s === 'string' && s.trim() === '') ? undefined
    : typeof s === 'string' ? s.trim() : s;
};

/** An optional date field: empty, or a real date between 1900 and 2100. */
export const optionalDate = (opts: { notFuture?: boolean } = {}) => z.preprocess(blank, calendarDate(opts).optional());

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2}))?$/;

/**
 * An optional UTC time as the console writes it, YYYY-MM-DD or YYYY-MM-DDTHH:MM, on a real date
 * between 1900 and 2100.
 */
export const optionalDateTime = (message = 'Write the time as YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC).') =>
  z.preprocess(blank, z.string({ error: message }).regex(DATE_TIME, message).superRefine((s, ctx) => {
    // zod runs this even when the regex failed.
    const match = DATE_TIME.exec(s);
    if (!match) return;
    const [, day, hours, minutes] = match;
    const date = calendarDate().safeParse(day);
    if (!date.success) ctx.addIssue({ code: 'custom', message: date.error.issues[0].message });
    else if (hours !== undefined && (Number(hours) > 23 || Number(minutes) > 59)) {
      ctx.addIssue({ code: 'custom', message });
    }
  }).optional());

/** An optional organization field: '' for none, or the decimal id of a serial column (as the form sent it). */
export const optionalOrganizationId = z.preprocess(
  (v) => blank(v) ?? '',
  z.union([z.literal(''), serialId.transform(String)], { error: 'Choose an existing organization' }),
);

/** An optional user, group or job id (bigserial), '' for none. */
export const optionalBigserialId = (message: string) =>
  z.preprocess((v) => blank(v) ?? '', z.union([z.literal(''), bigserialId], { error: message }));

/** A value from a fixed list; anything else gets `message`. Missing reads as `fallback` when given. */
export const choice = <T extends string>(values: readonly T[], message: string, fallback?: T) =>
  z.preprocess((v) => first(v) ?? fallback, z.enum(values as [T, ...T[]], { error: message }));

/** A checkbox: ticked when it sent anything but '' (browsers send "on"). */
export const checkbox = z.preprocess((v) => { const s = first(v); return typeof s === 'string' && s !== ''; },
  z.boolean());

/**
 * A password as typed: no trimming, no control characters, bounded (bcrypt reads 72 bytes; longer
 * is refused by policy).
 */
export const password = (max = 1000) => text(max);

/**
 * The typed values to show again after an error (everything but the password and the CSRF token);
 * control characters show as �.
 */
export function keptValues(form: Form): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [k, v] of Object.entries(form)) {
    if (k !== 'password' && k !== '_csrf') kept[k] = displayable(Array.isArray(v) ? v[0] ?? '' : v ?? '');
  }
  return kept;
}

/** Typed text as a page may show it again. */
export const displayable = (s: string): string => (hasControlCharacters(s, true) ? s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '\uFFFD') : s);

export { NO_CONTROL_CHARACTERS };
