// The users list's query string, parsed at the edge: anything unknown is dropped with a
// message rather than failing the page, and links keep every other choice.
import { ROLES, type Role } from '../db/entities/user.entity.js';
import { SORT_KEYS, STATUS_FILTERS, type SortKey, type StatusFilter } from '../directory/user-directory.query.js';

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

export const SORT_LABELS: Record<SortKey, string> = { name: 'Name', login: 'Login', created: 'Created', last_sign_in: 'Last sign-in' };

export const QUICK_VIEWS: { label: string; status?: StatusFilter }[] = [
  { label: 'All' }, { label: 'Active', status: 'active' }, { label: 'Blocked', status: 'blocked' }, { label: 'Cannot sign in', status: 'cannot_sign_in' },
];

const SEARCH_MAX = 200;
// The trigram index needs three characters; a shorter term would scan every row.
export const SEARCH_MIN = 3;
const CURSOR = /^[A-Za-z0-9_-]{1,600}$/;

export function parseUserListParams(query: Record<string, string | string[] | undefined>): { params: UserListParams; problems: string[] } {
  const one = (k: string) => {
    const v = query[k];
    return (Array.isArray(v) ? v[0] : v)?.trim() ?? '';
  };
  const problems: string[] = [];
  const params: UserListParams = { q: one('q').slice(0, SEARCH_MAX), sort: 'name', dir: 'asc', last: one('page') === 'last' };
  if (params.q && [...params.q].length < SEARCH_MIN) {
    problems.push(`Type at least ${SEARCH_MIN} characters to search; "${params.q}" is too short and was not applied.`);
    params.q = '';
  }
  const status = one('status');
  if ((STATUS_FILTERS as readonly string[]).includes(status)) params.status = status as StatusFilter;
  else if (status) problems.push(`Unknown status "${status}" was ignored.`);
  const role = one('role');
  if ((ROLES as readonly string[]).includes(role)) params.role = role as Role;
  else if (role) problems.push(`Unknown role "${role}" was ignored.`);
  const org = one('org');
  if (/^[1-9][0-9]{0,9}$/.test(org) && Number(org) <= 2_147_483_647) params.org = Number(org);
  else if (org) problems.push('Unknown organization was ignored.');
  const sort = one('sort');
  if ((SORT_KEYS as readonly string[]).includes(sort)) params.sort = sort as SortKey;
  if (one('dir') === 'desc') params.dir = 'desc';
  for (const k of ['after', 'before'] as const) {
    const v = one(k);
    if (v && CURSOR.test(v)) params[k] = v;
  }
  return { params, problems };
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
