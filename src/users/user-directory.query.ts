// The users list of the console at a million rows: substring search through the pg_trgm
// index on search_text, status filters backed by partial indexes, one btree per sort order,
// keyset pagination (never OFFSET) and a count that stays exact only while it is cheap.
import { type Db } from '../db/database.js';
import type { Role } from '../db/entities/user.entity.js';
import type { StaffScope } from '../platform/access.js';
import { LOCKED_SQL } from './user.repository.js';

export const STATUS_FILTERS = ['active', 'blocked', 'locked', 'invited', 'reset_pending', 'email_unverified',
  'phone_unverified', 'deletion_scheduled', 'cannot_sign_in'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

export const SORT_KEYS = ['name', 'login', 'created', 'last_sign_in'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

const CANNOT_SIGN_IN = `(u.blocked OR ${LOCKED_SQL} OR u.invited_at IS NOT NULL OR u.password_reset_required OR `
  + `u.deletion_scheduled_at IS NOT NULL)`;

// Each predicate is written as its partial index in migrations/, so the planner can use it.
const STATUS_SQL: Record<StatusFilter, string> = {
  active: `NOT ${CANNOT_SIGN_IN}`,
  blocked: 'u.blocked',
  locked: LOCKED_SQL,
  invited: 'u.invited_at IS NOT NULL',
  reset_pending: 'u.password_reset_required',
  email_unverified: 'u.email IS NOT NULL AND NOT u.email_verified',
  phone_unverified: 'u.phone_number IS NOT NULL AND NOT u.phone_number_verified',
  deletion_scheduled: 'u.deletion_scheduled_at IS NOT NULL',
  cannot_sign_in: CANNOT_SIGN_IN,
};

// The sort expressions match the index expressions of the user-directory-indexes migration.
const SORT_SQL: Record<SortKey, { expr: string; cast: string }> = {
  // The name as the list shows it (publicName): nickname, else "First Last", else an identifier.
  name: { expr: `lower(coalesce(nullif(u.nickname, ''),
    nullif(btrim(coalesce(u.given_name, '') || ' ' || coalesce(u.family_name, '')), ''),
    nullif(u.login, ''), nullif(u.email, ''), nullif(u.phone_number, ''), ''))`, cast: 'text' },
  login: { expr: "lower(coalesce(u.login, ''))", cast: 'text' },
  created: { expr: 'u.created_at', cast: 'timestamptz' },
  last_sign_in: { expr: "coalesce(u.last_sign_in_at, '-infinity'::timestamptz)", cast: 'timestamptz' },
};

export const EXACT_COUNT_LIMIT = 10_000;

export interface UserListQuery {
  scope: StaffScope;
  q?: string;
  status?: StatusFilter;
  role?: Role;
  organizationId?: number;
  sort: SortKey;
  dir: 'asc' | 'desc';
  /** Page after this cursor, before it, or the last page. None of them: the first page. */
  after?: string;
  before?: string;
  last?: boolean;
  limit: number;
}

export interface UserListRow {
  id: string;
  nickname: string | null;
  givenName: string | null;
  familyName: string | null;
  login: string | null;
  email: string | null;
  emailVerified: boolean;
  phoneNumber: string | null;
  phoneNumberVerified: boolean;
  role: Role;
  organizationId: number | null;
  organizationName: string | null;
  blocked: boolean;
  locked: boolean;
  invited: boolean;
  /** Invited, and the newest invitation link has run out (a queued one does not count as expired). */
  invitationExpired: boolean;
  passwordResetRequired: boolean;
  deletionScheduledAt: Date | null;
  createdAt: Date;
  lastSignInAt: Date | null;
}

export interface UserListPage {
  rows: UserListRow[];
  /** Exact up to EXACT_COUNT_LIMIT; beyond it the planner's estimate (`exact: false`). */
  total: { value: number; exact: boolean };
  next?: string;
  prev?: string;
}

export class InvalidCursorError extends Error {}

interface Cursor { value: string; id: string }

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.value, c.id])).toString('base64url');
}

function decodeCursor(raw: string): Cursor {
  try {
    const [value, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (typeof value === 'string' && typeof id === 'string' && /^[0-9]{1,18}$/.test(id) && value.length <= 400) {
      return { value, id };
    }
  } catch {
    // fall through
  }
  throw new InvalidCursorError('invalid cursor');
}

/** Escapes LIKE wildcards so a typed % or _ is searched for literally. */
function likePattern(q: string): string {
  return `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The filter part of a list query: what "all users matching this filter" means. */
export type UserFilter = Pick<UserListQuery, 'scope' | 'q' | 'status' | 'role' | 'organizationId'>;

/** The condition of a filter that leaves nobody out. */
const EVERY_USER = 'true';

/**
 * The WHERE conditions (on `users u`) and their values for a filter. Never an empty list
 * (callers join it with AND after WHERE): no filter at all is EVERY_USER.
 */
export function whereOf(query: UserFilter): { conditions: string[]; values: unknown[] } {
  const conditions: string[] = [];
  const values: unknown[] = [];
  const param = (v: unknown) => `$${values.push(v)}`;
  if (query.scope.kind === 'organization') {
    conditions.push(query.scope.organizationId === null ? 'false'
      : `u.organization_id = ${param(query.scope.organizationId)}`);
  }
  if (query.organizationId !== undefined) conditions.push(`u.organization_id = ${param(query.organizationId)}`);
  if (query.role) conditions.push(`u.role = ${param(query.role)}`);
  if (query.status) conditions.push(`(${STATUS_SQL[query.status]})`);
  const q = query.q?.trim();
  if (q) conditions.push(`u.search_text LIKE ${param(likePattern(q))}`);
  if (!conditions.length) conditions.push(EVERY_USER);
  return { conditions, values };
}

const ROW_COLUMNS = `u.id::text AS id, u.nickname, u.given_name AS "givenName", u.family_name AS "familyName",
  u.login, u.email, u.email_verified AS "emailVerified", u.phone_number AS "phoneNumber",
  u.phone_number_verified AS "phoneNumberVerified",
  u.role, u.organization_id AS "organizationId", o.name AS "organizationName", u.blocked,
  ${LOCKED_SQL} AS locked, u.invited_at IS NOT NULL AS invited,
  CASE WHEN u.invited_at IS NULL THEN false ELSE NOT EXISTS (SELECT 1 FROM one_time_tokens t WHERE t.user_id = u.id
    AND t.purpose = 'invitation' AND t.used_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now()))
    AND EXISTS (SELECT 1 FROM one_time_tokens t WHERE t.user_id = u.id AND t.purpose = 'invitation')
    END AS "invitationExpired",
  u.password_reset_required AS "passwordResetRequired", u.deletion_scheduled_at AS "deletionScheduledAt",
  u.created_at AS "createdAt", u.last_sign_in_at AS "lastSignInAt"`;

export function createUserDirectory(sql: Db) {
  async function count(conditions: string[], values: unknown[], unfiltered: boolean): Promise<UserListPage['total']> {
    const where = conditions.join(' AND ');
    if (unfiltered) {
      // The whole table: the statistics' row count is free and close enough past 10,000.
      const { rows } = await sql.query<{ n: number }>(`SELECT reltuples::bigint AS n FROM pg_class WHERE oid = `
        + `'users'::regclass`);
      if (Number(rows[0]?.n) > EXACT_COUNT_LIMIT) return { value: Number(rows[0].n), exact: false };
    }
    const { rows } = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM users u WHERE ${where} LIMIT ${EXACT_COUNT_LIMIT + 1}) s`, values);
    if (rows[0].n <= EXACT_COUNT_LIMIT) return { value: rows[0].n, exact: true };
    const plan = await sql.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(
      `EXPLAIN (FORMAT JSON) SELECT 1 FROM users u WHERE ${where}`, values);
    const estimate = Math.round(plan.rows[0]['QUERY PLAN'][0].Plan['Plan Rows']);
    return { value: Math.max(estimate, EXACT_COUNT_LIMIT + 1), exact: false };
  }

  return {
    /** The exact number of users matching a filter (for a confirmation that states the count). */
    async countExactly(filter: UserFilter): Promise<number> {
      const { conditions, values } = whereOf(filter);
      const { rows } = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM users u WHERE `
        + `${conditions.join(' AND ')}`, values);
      return rows[0].n;
    },

    async list(query: UserListQuery): Promise<UserListPage> {
      const { conditions, values } = whereOf(query);
      const filtered = conditions.some((c) => c !== EVERY_USER);
      const sort = SORT_SQL[query.sort];
      const forward = !query.before && !query.last;
      // Reading backwards (previous or last page) walks the same index the other way.
      const ascending = (query.dir === 'asc') === forward;
      const pageConditions = [...conditions];
      const pageValues = [...values];
      const cursorRaw = query.after ?? query.before;
      if (cursorRaw && !query.last) {
        const cursor = decodeCursor(cursorRaw);
        const v = `$${pageValues.push(cursor.value)}::${sort.cast}`;
        const id = `$${pageValues.push(cursor.id)}::bigint`;
        pageConditions.push(`(${sort.expr}, u.id) ${ascending ? '>' : '<'} (${v}, ${id})`);
      }
      const order = ascending ? 'ASC' : 'DESC';
      const text = `SELECT ${ROW_COLUMNS}, ${sort.expr}::text AS "sortValue"
        FROM users u LEFT JOIN organizations o ON o.id = u.organization_id
        WHERE ${pageConditions.join(' AND ')}
        ORDER BY ${sort.expr} ${order}, u.id ${order}
        LIMIT ${query.limit + 1}`;
      const [result, total] = await Promise.all([
        sql.query<UserListRow & { sortValue: string }>(text, pageValues),
        count(conditions, values, !filtered),
      ]);
      let rows = result.rows;
      const more = rows.length > query.limit;
      rows = rows.slice(0, query.limit);
      if (!forward) rows.reverse();
      const cursorOf = (r: { sortValue: string; id: string }) => encodeCursor({ value: r.sortValue, id: r.id });
      const first = rows[0];
      const lastRow = rows[rows.length - 1];
      const page: UserListPage = { rows: rows.map(({ sortValue: _, ...row }) => row), total };
      if (forward) {
        if (more && lastRow) page.next = cursorOf(lastRow);
        if (query.after && first) page.prev = cursorOf(first);
      } else {
        if (more && first) page.prev = cursorOf(first);
        if (query.before && lastRow) page.next = cursorOf(lastRow);
      }
      return page;
    },
  };
}

export type UserDirectory = ReturnType<typeof createUserDirectory>;

/** The name of the user's organization, as a column expression on `users u` (exports, SCIM filters). */
export const ORGANIZATION_NAME_SQL = '(SELECT o.name FROM organizations o WHERE o.id = u.organization_id)';
