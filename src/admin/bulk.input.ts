// What the mass-action forms accept: the action, the ticked user ids (bigserial; at most a
// page's worth of ticks per request is not assumed, but each must be an id), or `all=1`
// with the users list's filter fields, the group for the group actions, and the number of
// users typed to confirm a deletion.
import { z } from 'zod';
import { ValidationError } from '../platform/errors.js';
import { bigserialId, parseInput, text } from '../platform/http/input.js';
import { optionalBigserialId } from '../platform/http/form.input.js';
import { parseUserListParams, type UserListParams } from './user-list.params.js';

type Form = Record<string, string | string[] | undefined>;

const massActionForm = z.object({
  action: text(40),
  all: text(1),
  user: z.preprocess((v) => (v === undefined ? [] : [v].flat()),
    z.array(bigserialId).max(100_000, 'Choose at most 100,000 users, or all users matching the filter.')),
  group: optionalBigserialId('Choose a group from the list.'),
  q: text(200), status: text(40), role: text(20), org: text(20),
  // Too long or with control characters, it is no number: refused by the field, not with the form.
  confirm: text(40).catch('?'),
});

/** "19971", "19,971" or "19 971" as a number; '' as undefined (nothing typed), anything else as null. */
function typedCount(typed: string): number | null | undefined {
  if (typed.trim() === '') return undefined;
  const digits = typed.trim().replace(/[\s,.'\u00a0\u202f]/g, '');
  return /^[0-9]{1,9}$/.test(digits) ? Number(digits) : null;
}

export interface MassActionForm {
  action: string;
  all: boolean;
  ids: string[];
  groupId: string;
  /** The number of users typed to confirm a deletion: undefined when nothing was typed, null when no number. */
  confirmedCount: number | null | undefined;
  /** What was typed there, to show again. */
  confirmText: string;
  /** The users list's filter as the form carried it, and as parsed. */
  filterQuery: Record<string, string>;
  params: UserListParams;
}

/**
 * A user id that cannot exist is refused with the rest of the form (422); the filter is parsed as
 * the users list parses it.
 */
export function parseMassActionForm(form: Form): MassActionForm {
  const parsed = parseInput(massActionForm, form);
  const filterQuery: Record<string, string> = {};
  for (const k of ['q', 'status', 'role', 'org'] as const) if (parsed[k]) filterQuery[k] = parsed[k];
  const { params, problems, refused } = parseUserListParams(filterQuery);
  if (refused) throw new ValidationError({ q: problems[0] });
  return { action: parsed.action, all: parsed.all === '1', ids: [...new Set(parsed.user)], groupId: parsed.group,
    confirmedCount: typedCount(parsed.confirm), confirmText: parsed.confirm === '?' ? '' : parsed.confirm,
    filterQuery, params };
}
