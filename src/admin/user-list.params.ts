// The users list's query string, parsed at the edge: anything unknown is dropped with a
// message rather than failing the page, and links keep every other choice.
import { z } from 'zod';
import { ROLES, type Role } from '../db/entities/user.entity.js';
import { hasControlCharacters, NO_CONTROL_CHARACTERS, serialId } from '../platform/http/input.js';
import { displayable } from '../platform/http/form.input.js';
import { SORT_KEYS, STATUS_FILTERS, type SortKey, type StatusFilter } from '../users/user-directory.query.js';

export interface UserListParams {
  q: string;
  status?: StatusFilter;
  role?: Role;
  org?: number;
  sort: SortKey;
  dir: 'asc' | 'desc';
  after?: string;
  before?: string;
  last: boolean;
}

export const STATUS_LABELS: Record<StatusFilter, string> = {
  active: 'Active',
  blocked: 'Blocked',
  locked: 'Locked',
  invited: 'Invited (pending initial password)',
  reset_pending: 'Password reset pending',
  email_unverified: 'Email unverified',
  phone_unverified: 'Phone unverified',
  deletion_scheduled: 'Deletion scheduled',
  cannot_sign_in: 'Cannot sign in',
};

export const SORT_LABELS: Record<SortKey, string> = { name: 'Name', login: 'Login', created: 'Created',
  last_sign_in: 'Last sign-in' };

export const QUICK_VIEWS: { label: string; status?: StatusFilter }[] = [
  { label: 'All' }, { label: 'Active', status: 'active' }, { label: 'Blocked', status: 'blocked' },
  { label: 'Cannot sign in', status: 'cannot_sign_in' },
];

const SEARCH_MAX = 200;
// The trigram index needs three characters; a shorter term would scan every row.
const SEARCH_MIN = 3;
const CURSOR = /^[A-Za-z0-9_-]{1,600}$/;

const first = (v: unknown): string => {
  const one = Array.isArray(v) ? v[0] : v;
  return typeof one === 'string' ? one.trim() : '';
};
/** Each filter on its own: a value that cannot be one is dropped (undefined), and the caller says so. */
const listQuery = z.object({
  q: z.preprocess(first, z.string()),
  status: z.preprocess(first, z.enum(STATUS_FILTERS).optional().catch(undefined)),
  role: z.preprocess(first, z.enum(ROLES).optional().catch(undefined)),
  org: z.preprocess((v) => first(v) || undefined, serialId.optional().catch(undefined)),
  sort: z.preprocess(first, z.enum(SORT_KEYS).catch('name')),
  dir: z.preprocess(first, z.enum(['asc', 'desc']).catch('asc')),
  after: z.preprocess(first, z.string().regex(CURSOR).optional().catch(undefined)),
  before: z.preprocess(first, z.string().regex(CURSOR).optional().catch(undefined)),
  page: z.preprocess(first, z.string()),
});

/**
 * The list's filters, parsed with a schema. Unknown choices are dropped with a message (the
 * page still lists); a search with control characters is refused (`refused`: answer 422).
 */
export function parseUserListParams(query: Record<string, string | string[] | undefined>): { params: UserListParams;
  problems: string[]; refused: boolean; } {
  const raw = listQuery.parse(query);
  const problems: string[] = [];
  let refused = false;
  const params: UserListParams = { q: raw.q.slice(0, SEARCH_MAX), sort: raw.sort, dir: raw.dir,
    last: raw.page === 'last' };
  if (hasControlCharacters(params.q)) {
    problems.push(`${NO_CONTROL_CHARACTERS.replace('this field', 'the search')} The search was not applied.`);
    params.q = '';
    refused = true;
  } else if (params.q && [...params.q].length < SEARCH_MIN) {
    problems.push(`Type at least ${SEARCH_MIN} characters to search; "${params.q}" is too short and was not applied.`);
    params.q = '';
  }
  // Echoed back in a message only once known to hold no control characters.
  const echo = (v: unknown) => displayable(first(v).slice(0, 50));
  if (raw.status) params.status = raw.status;
  else if (first(query.status)) problems.push(`Unknown status "${echo(query.status)}" was ignored.`);
  if (raw.role) params.role = raw.role;
  else if (first(query.role)) problems.push(`Unknown role "${echo(query.role)}" was ignored.`);
  if (raw.org) params.org = raw.org;
  else if (first(query.org)) problems.push('Unknown organization was ignored.');
  if (raw.after) params.after = raw.after;
  if (raw.before) params.before = raw.before;
  return { params, problems, refused };
}

/** The list's URL with some choices changed; paging resets unless a cursor is given. */
export function userListUrl(params: UserListParams, change: Partial<UserListParams> = {}): string {
  const p = { ...params, after: undefined, before: undefined, last: false, ...change };
  const qs = new URLSearchParams();
  if (p.q) qs.set('q', p.q);
  if (p.status) qs.set('status', p.status);
  if (p.role) qs.set('role', p.role);
  if (p.org) qs.set('org', String(p.org));
  if (p.sort !== 'name') qs.set('sort', p.sort);
  if (p.dir !== 'asc') qs.set('dir', p.dir);
  if (p.after) qs.set('after', p.after);
  if (p.before) qs.set('before', p.before);
  if (p.last) qs.set('page', 'last');
  const s = qs.toString();
  return s ? `/admin/users?${s}` : '/admin/users';
}
