// What the account actions accept: the lock form (a reason, an optional end), the page to
// return to, and the ticked sessions, consents or refresh tokens of the profile.
import { z } from 'zod';
import { parseInput, text, textList } from '../platform/http/input.js';
import { optionalDateTime } from '../platform/http/form.input.js';

type Form = Record<string, string | string[] | undefined>;

const lockForm = z.object({ reason: text(1000),
  until: optionalDateTime('Write the end as YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC), or leave it empty') });

/**
 * Reason and end of a lock; the lifecycle service still says whether they make sense (a reason
 * given, an end in the future).
 */
export function parseLockForm(form: Form): { reason: string; until: string } {
  const { reason, until } = parseInput(lockForm, form);
  return { reason, until: until ?? '' };
}

/** The ids of the ticked sessions, grants or refresh tokens (provider ids: short printable text). */
export function parseSelection(form: Form, field: string): string[] {
  return parseInput(z.object({ [field]: textList(200, 1000) }), form)[field].filter((x: string) => x.length > 0);
}
