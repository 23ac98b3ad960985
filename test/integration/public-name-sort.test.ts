// The users list sorted by Public name orders users by the name it shows them by (issue 17
// item 5): a user without a nickname, shown as "First Last" (or by an identifier), takes the
// place of that name, not the top of the list. And the sort is the index's: an index scan.
import { createUserDirectory } from '../../src/users/user-directory.query.js';
import { publicName } from '../../src/users/public-name.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.dataSource.query(`INSERT INTO users (login, email, nickname, given_name, family_name) VALUES
    ('u-zoe', NULL, 'Zoe', NULL, NULL), ('u-bob', NULL, NULL, 'Bob', 'Brown'), ('u-anna', NULL, 'anna', NULL, NULL),
    ('u-carl', NULL, NULL, 'Carl', NULL), (NULL, 'dora@example.com', NULL, NULL, NULL),
    ('mike', NULL, NULL, NULL, NULL),
    ('u-yann', NULL, NULL, NULL, 'Young'), ('u-empty', NULL, '', 'Eve', 'Evans')`);
});
afterAll(() => db?.drop());

it('sorts by the name as displayed, whether it comes from the nickname, the names or an identifier', async () => {
  const directory = createUserDirectory(db.database);
  const page = await directory.list({ scope: { kind: 'all' }, sort: 'name', dir: 'asc', limit: 50 });
  const shown = page.rows.map((r) => publicName({ ...r, phoneNumber: r.phoneNumber ?? null }));
  expect(shown).toEqual(['anna', 'Bob Brown', 'Carl', 'dora@example.com', 'Eve Evans', 'mike', 'Young', 'Zoe']);
  const back = await directory.list({ scope: { kind: 'all' }, sort: 'name', dir: 'desc', limit: 3 });
  expect(back.rows.map((r) => publicName({ ...r, phoneNumber: r.phoneNumber ?? null }))).toEqual(['Zoe', 'Young',
    'mike']);
});

it('is served by the public-name index', async () => {
  await db.dataSource.query('SET enable_seqscan = off');
  try {
    const plan: { 'QUERY PLAN': string }[] = await db.dataSource.query(`EXPLAIN SELECT id FROM users u
      ORDER BY lower(coalesce(nullif(u.nickname, ''),
        nullif(btrim(coalesce(u.given_name, '') || ' ' || coalesce(u.family_name, '')), ''),
        nullif(u.login, ''), nullif(u.email, ''), nullif(u.phone_number, ''), '')), u.id LIMIT 50`);
    expect(plan.map((p) => p['QUERY PLAN']).join('\n')).toContain('users_sort_public_name_idx');
  } finally {
    await db.dataSource.query('RESET enable_seqscan');
  }
});
