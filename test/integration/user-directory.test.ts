// The console's users query on a real PostgreSQL: keyset pages in every sort order visit
// each match once and in order, forwards and backwards; filters, search and scope match
// what the rows say; counts are exact while cheap and estimated beyond.

import { ALL_USERS, type StaffScope } from '../../src/platform/access.js';
import { createUserDirectory, EXACT_COUNT_LIMIT, SORT_KEYS, type SortKey, type StatusFilter, type UserListQuery,
  type UserListRow } from '../../src/users/user-directory.query.js';
import { createUserRepository } from '../../src/users/user.repository.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
let directory: ReturnType<typeof createUserDirectory>;
let orgA: number;
let orgB: number;

interface Seeded {
  id: string; nickname: string | null; login: string | null; email: string | null; created: string;
  lastSignIn: string | null;
  org: number | null; blocked: boolean; locked: boolean; invited: boolean; reset: boolean; emailVerified: boolean;
  deletion: boolean;
}
const seeded: Seeded[] = [];

const NAMES = ['Anna Smith', 'anna smith', 'Zoë Quinn', 'Bob', null, 'Émile Zola', 'bob', '100% Sure', 'under_score'];

beforeAll(async () => {
  db = await createTestDatabase();
  directory = createUserDirectory(db.database);
  [{ id: orgA }] = await db.dataSource.query("INSERT INTO organizations (name, slug) VALUES ('A', 'a') RETURNING id");
  [{ id: orgB }] = await db.dataSource.query("INSERT INTO organizations (name, slug) VALUES ('B', 'b') RETURNING id");
  // 137 users: repeated names and equal timestamps, so ties are broken by id across page edges.
  for (let i = 0; i < 137; i += 1) {
    const nickname = NAMES[i % NAMES.length];
    const row = {
      login: i % 11 === 0 ? null : `user${i}`, email: `User${i}@Example.org`, nickname,
      created: new Date(Date.UTC(2025, 0, 1 + (i % 7))).toISOString(),
      lastSignIn: i % 3 === 0 ? null : new Date(Date.UTC(2025, 5, 1 + (i % 5))).toISOString(),
      org: i % 4 === 0 ? orgA : i % 4 === 1 ? orgB : null,
      blocked: i % 10 === 1, locked: i % 13 === 2, invited: i % 17 === 3, reset: i % 19 === 4,
      emailVerified: i % 2 === 0, deletion: i % 23 === 5,
    };
    const [{ id }] = await db.dataSource.query(
      `INSERT INTO users (login, email, nickname, created_at, last_sign_in_at, organization_id, blocked, locked_at,
         invited_at, password_reset_required, email_verified, deletion_scheduled_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id::text AS id`,
      [row.login, row.email, row.nickname, row.created, row.lastSignIn, row.org, row.blocked,
        row.locked ? new Date() : null,
        row.invited ? new Date() : null, row.reset, row.emailVerified, row.deletion ? new Date() : null]);
    seeded.push({ id, ...row });
  }
  // A deleted user never appears: the purge deletes the row (one pending deletion is seeded above, and listed).
  const [{ id: gone }] = await db.dataSource.query(
    "INSERT INTO users (login, nickname, deletion_scheduled_at) VALUES ('gone', 'Anna Smith', now()) RETURNING id");
  await createUserRepository(db.database).deleteById(String(gone));
  await db.dataSource.query('ANALYZE users');
});

afterAll(async () => {
  await db?.drop();
});

const byNumber = (a: string, b: string) => Number(a) - Number(b);
const sortValue: Record<SortKey, (s: Seeded) => string> = {
  name: (s) => (s.nickname ?? '').toLowerCase(),
  login: (s) => (s.login ?? '').toLowerCase(),
  created: (s) => s.created,
  last_sign_in: (s) => s.lastSignIn ?? '0000',
};

/**
 * The expected order, computed here from what was inserted. PostgreSQL's collation decides text
 * order, so text sorts are checked by SQL too.
 */
function expectedIds(rows: Seeded[], sort: SortKey, dir: 'asc' | 'desc'): string[] {
  const sorted = [...rows].sort((a, b) => {
    const va = sortValue[sort](a);
    const vb = sortValue[sort](b);
    return va === vb ? byNumber(a.id, b.id) : va < vb ? -1 : 1;
  });
  return (dir === 'asc' ? sorted : sorted.reverse()).map((s) => s.id);
}

async function walk(query: Omit<UserListQuery, 'limit' | 'after' | 'before' | 'last'>,
  limit: number): Promise<{ forward: string[]; backward: string[] }> {
  const forward: string[] = [];
  let page = await directory.list({ ...query, limit });
  expect(page.prev).toBeUndefined();
  forward.push(...page.rows.map((r) => r.id));
  while (page.next) {
    page = await directory.list({ ...query, limit, after: page.next });
    expect(page.rows.length).toBeGreaterThan(0);
    forward.push(...page.rows.map((r) => r.id));
  }
  const backward: string[] = [];
  page = await directory.list({ ...query, limit, last: true });
  expect(page.next).toBeUndefined();
  backward.unshift(...page.rows.map((r) => r.id));
  while (page.prev) {
    page = await directory.list({ ...query, limit, before: page.prev });
    backward.unshift(...page.rows.map((r) => r.id));
  }
  return { forward, backward };
}

const visible = () => seeded;

describe('keyset pages', () => {
  it.each(SORT_KEYS.flatMap((sort) => [[sort, 'asc'], [sort, 'desc']] as [SortKey, 'asc' | 'desc'][]))(
    'visit every user once, in order, sorted by %s %s, forwards and backwards', async (sort, dir) => {
      const { forward, backward } = await walk({ scope: ALL_USERS, sort, dir }, 20);
      expect(new Set(forward).size).toBe(visible().length);
      expect(backward).toEqual(forward);
      if (sort === 'created' || sort === 'last_sign_in') expect(forward).toEqual(expectedIds(visible(), sort, dir));
      else {
        // Text order is the database collation's: check against PostgreSQL's own ORDER BY.
        // The name is the one the list shows: the nickname, else (no given or family names here) login or email.
        const expr = sort === 'name' ? "lower(coalesce(nullif(nickname, ''), nullif(login, ''), email, ''))"
          : "lower(coalesce(login, ''))";
        const rows: { id: string }[] = await db.dataSource.query(
          `SELECT id::text AS id FROM users ORDER BY ${expr} ${dir}, users.id ${dir}`);
        expect(forward).toEqual(rows.map((r) => r.id));
      }
    });

  it('steps back from a middle page to exactly the page before', async () => {
    const first = await directory.list({ scope: ALL_USERS, sort: 'created', dir: 'asc', limit: 10 });
    const second = await directory.list({ scope: ALL_USERS, sort: 'created', dir: 'asc', limit: 10,
      after: first.next });
    const back = await directory.list({ scope: ALL_USERS, sort: 'created', dir: 'asc', limit: 10,
      before: second.prev });
    expect(back.rows.map((r) => r.id)).toEqual(first.rows.map((r) => r.id));
    expect(back.prev).toBeUndefined();
  });

  it('refuses a forged cursor', async () => {
    await expect(directory.list({ scope: ALL_USERS, sort: 'name', dir: 'asc', limit: 10,
      after: 'bm90LWpzb24' })).rejects.toThrow('invalid cursor');
  });
});

describe('filters and search', () => {
  const status: Record<StatusFilter, (s: Seeded) => boolean> = {
    blocked: (s) => s.blocked,
    locked: (s) => s.locked,
    invited: (s) => s.invited,
    reset_pending: (s) => s.reset,
    email_unverified: (s) => !s.emailVerified,
    phone_unverified: () => false,
    deletion_scheduled: (s) => s.deletion,
    cannot_sign_in: (s) => s.blocked || s.locked || s.invited || s.reset || s.deletion,
    active: (s) => !(s.blocked || s.locked || s.invited || s.reset || s.deletion),
  };

  it.each(Object.keys(status) as StatusFilter[])('status %s lists exactly the users in it, with an exact count',
    async (filter) => {
      const { forward } = await walk({ scope: ALL_USERS, status: filter, sort: 'name', dir: 'asc' }, 15);
      const expected = seeded.filter(status[filter]).map((s) => s.id).sort(byNumber);
      expect([...forward].sort(byNumber)).toEqual(expected);
      const page = await directory.list({ scope: ALL_USERS, status: filter, sort: 'name', dir: 'asc', limit: 5 });
      expect(page.total).toEqual({ value: expected.length, exact: true });
    });

  it('searches login, email and names case-insensitively by substring, with % and _ taken literally', async () => {
    const ids = async (q: string, extra: Partial<UserListQuery> = {}) =>
      (await walk({ scope: ALL_USERS, q, sort: 'name', dir: 'asc', ...extra }, 50)).forward.sort(byNumber);
    expect(await ids('ANNA SM'))
      .toEqual(seeded.filter((s) => s.nickname?.toLowerCase() === 'anna smith').map((s) => s.id));
    expect(await ids('user12@example'))
      .toEqual(seeded.filter((s) => s.email?.toLowerCase().includes('user12@example')).map((s) => s.id));
    expect(await ids('100%')).toEqual(seeded.filter((s) => s.nickname === '100% Sure').map((s) => s.id));
    expect(await ids('r_s')).toEqual(seeded.filter((s) => s.nickname === 'under_score').map((s) => s.id));
    expect(await ids('zo', { status: 'blocked' })).toEqual(
      seeded.filter((s) => s.blocked && (s.nickname ?? '').toLowerCase().includes('zo')).map((s) => s.id));
  });

  it('filters by role and organization', async () => {
    const page = await directory.list({ scope: ALL_USERS, organizationId: orgB, sort: 'name', dir: 'asc', limit: 200 });
    expect(page.rows.map((r) => r.id).sort(byNumber)).toEqual(seeded.filter((s) => s.org === orgB).map((s) => s.id));
    expect(page.rows.every((r: UserListRow) => r.organizationName === 'B')).toBe(true);
    const admins = await directory.list({ scope: ALL_USERS, role: 'ADMIN', sort: 'name', dir: 'asc', limit: 200 });
    expect(admins.rows).toEqual([]);
  });
});

describe('scope', () => {
  it("shows a Manager only their organization's users, whatever filter is asked for", async () => {
    const scope: StaffScope = { kind: 'organization', organizationId: orgA };
    const { forward } = await walk({ scope, sort: 'login', dir: 'asc' }, 10);
    expect(forward.sort(byNumber)).toEqual(seeded.filter((s) => s.org === orgA).map((s) => s.id));
    const other = await directory.list({ scope, organizationId: orgB, sort: 'name', dir: 'asc', limit: 50 });
    expect(other.rows).toEqual([]);
    expect(other.total).toEqual({ value: 0, exact: true });
  });

  it('shows a Manager without an organization nobody', async () => {
    const page = await directory.list({ scope: { kind: 'organization', organizationId: null }, sort: 'name', dir: 'asc',
      limit: 50 });
    expect(page.rows).toEqual([]);
  });
});

describe('count', () => {
  it(`says "about" beyond ${EXACT_COUNT_LIMIT} matches`, async () => {
    await db.dataSource.query(
      `INSERT INTO users (login, nickname, blocked) SELECT 'bulk' || g, 'Bulk ' || g, g % 2 = 0 FROM `
        + `generate_series(1, ${EXACT_COUNT_LIMIT + 500}) g`);
    await db.dataSource.query('ANALYZE users');
    const all = await directory.list({ scope: ALL_USERS, sort: 'name', dir: 'asc', limit: 5 });
    expect(all.total.exact).toBe(false);
    expect(all.total.value).toBeGreaterThan(EXACT_COUNT_LIMIT);
    const bulk = await directory.list({ scope: ALL_USERS, q: 'bulk', sort: 'name', dir: 'asc', limit: 5 });
    expect(bulk.total.exact).toBe(false);
    expect(bulk.total.value).toBeGreaterThan(EXACT_COUNT_LIMIT);
    const blocked = await directory.list({ scope: ALL_USERS, status: 'blocked', sort: 'name', dir: 'asc', limit: 5 });
    const expectedBlocked = (EXACT_COUNT_LIMIT + 500) / 2 + seeded.filter((s) => s.blocked).length;
    expect(blocked.total).toEqual(expectedBlocked > EXACT_COUNT_LIMIT ? { value: expect.any(Number), exact: false }
      : { value: expectedBlocked, exact: true });
  });
});
