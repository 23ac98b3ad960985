// What the mass-action forms accept: the action, the ticked user ids (bigserial; at most a
// page's worth of ticks per request is not assumed, but each must be an id), or `all=1`
// with the users list's filter fields, and the group for the group actions.
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
});

export interface MassActionForm {
  action: string;
  all: boolean;
  ids: string[];
  groupId: string;
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
    filterQuery, params };
}
