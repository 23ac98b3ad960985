// `npm run cli -- dev seed-users`: many realistic users at once, as a real process on a
// real database, and a second run beside the first and beside hand-made users.
import bcrypt from 'bcrypt';
import { SEED_PASSWORD, seedUsers } from '../../src/cli/seed-users.js';
import { PHONE_PREFIXES } from '../../src/cli/seed-names.js';
import { loadConfig } from '../../src/config/config.js';

import { createServices } from '../../src/services.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { runCli } from '../support/processes.js';
import { testEnv } from '../support/server.js';

// Large enough that the rarest status (deletion scheduled, 0.2%) is all but certain to occur.
const FIRST_RUN = 10_000;
const SECOND_RUN = 2_000;

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

async function one<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T> {
  const [row] = await db.dataSource.query(sql, params);
  return row as T;
}

/** The phone number the seeder gives the user with this id (see INSERT_USERS). */
function seededPhone(id: number): string {
  return `+${PHONE_PREFIXES[id % PHONE_PREFIXES.length]}${2_000_000 + ((Math.floor(id / 16) * 7919) % 8_000_000)}`;
}

describe('dev seed-users', () => {
  it('refuses a missing or unreasonable count before touching the database', async () => {
    for (const args of [[], ['0'], ['many'], ['10', '--organizations', '-1'], ['10', '--colour', 'red']]) {
      const res = await runCli(['dev', 'seed-users', ...args], { DATABASE_URL: db.url });
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/Usage:/);
    }
    await expect(one('SELECT count(*)::int AS n FROM users')).resolves.toEqual({ n: 0 });
  });

  it('loads N users with organizations and prints the shared password', async () => {
    const res = await runCli(['dev', 'seed-users', String(FIRST_RUN), '--organizations', '20'],
      { DATABASE_URL: db.url });
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/seeded 10,000 of 10,000 users/);
    const out = res.json<{ inserted: number; organizations: number; seconds: number; password: string }>();
    expect(out).toMatchObject({ inserted: FIRST_RUN, organizations: 20 });
    expect(out.seconds).toBeGreaterThan(0);

    await expect(one('SELECT count(*)::int AS n FROM users')).resolves.toEqual({ n: FIRST_RUN });
    await expect(one('SELECT count(*)::int AS n, count(DISTINCT lower(slug))::int AS slugs FROM organizations'))
      .resolves.toEqual({ n: 20, slugs: 20 });

    // One hash for everyone, of the printed password, at the configured cost (4 in tests).
    const hashes: { password_hash: string }[] = await db.dataSource.query(
      'SELECT DISTINCT password_hash FROM users WHERE password_hash IS NOT NULL');
    expect(hashes).toHaveLength(1);
    expect(hashes[0].password_hash).toMatch(/^\$2[aby]\$04\$/);
    await expect(bcrypt.compare(out.password, hashes[0].password_hash)).resolves.toBe(true);
  });

  it('makes identifiers that look real, are lower case and are unique', async () => {
    const shape = await one(`SELECT
        count(*) FILTER (WHERE login !~ '^[a-z]+[._]?[a-z]+[0-9]+$')::int AS odd_logins,
        count(*) FILTER (WHERE email <> login || '@' || split_part(email, '@', 2)
                            OR email !~ '@([a-z]+\\.)*example\\.(com|org|net)$')::int AS odd_emails,
        count(DISTINCT lower(login))::int AS logins, count(DISTINCT lower(email))::int AS emails,
        count(phone_number)::int AS phones, count(DISTINCT phone_number)::int AS distinct_phones,
        count(*) FILTER (WHERE phone_number !~ '^\\+[1-9][0-9]{6,14}$')::int AS odd_phones,
        count(*) FILTER (WHERE nickname = given_name || ' ' || family_name)::int AS full_name_nicknames,
        count(*) FILTER (WHERE given_name IS NULL OR family_name IS NULL)::int AS unnamed,
        count(birthdate)::int AS birthdates
      FROM users`);
    expect(shape).toMatchObject({ odd_logins: 0, odd_emails: 0, logins: FIRST_RUN, emails: FIRST_RUN, odd_phones: 0,
      unnamed: 0 });
    expect(shape.distinct_phones).toBe(shape.phones);
    expect(shape.phones).toBeGreaterThan(FIRST_RUN * 0.4);
    expect(shape.phones).toBeLessThan(FIRST_RUN * 0.6);
    expect(shape.full_name_nicknames).toBeGreaterThan(FIRST_RUN * 0.7);
    expect(shape.birthdates).toBeGreaterThan(0);
    // Common surnames are common: a search for "son" finds many people.
    const son = await one<{ n: number }>("SELECT count(*)::int AS n FROM users WHERE search_text LIKE '%son%'");
    expect(son.n).toBeGreaterThan(FIRST_RUN * 0.05);
  });

  it('makes users the directory signs in, or refuses as their status says', async () => {
    const { users } = createServices(loadConfig(testEnv({ DATABASE_URL: db.url })), db.database);
    const pick = async (where: string) => (await one<{ login: string }>(`SELECT login FROM users WHERE ${where} LIMIT `
      + `1`)).login;
    const active = await pick('NOT blocked AND locked_at IS NULL AND invited_at IS NULL AND deletion_scheduled_at IS '
      + 'NULL');
    await expect(users.signIn(active, SEED_PASSWORD)).resolves.toMatchObject({ outcome: 'ok' });
    await expect(users.signIn(await pick('blocked'), SEED_PASSWORD)).resolves.toMatchObject({ outcome: 'blocked' });
    await expect(users.signIn(await pick('invited_at IS NOT NULL'),
      SEED_PASSWORD)).resolves.toMatchObject({ outcome: 'invalid' });
  });

  it('mixes statuses, roles and organizations', async () => {
    const mix = await one<Record<string, number>>(`SELECT
        count(*) FILTER (WHERE blocked AND blocked_at IS NOT NULL)::int AS blocked,
        count(*) FILTER (WHERE locked_at IS NOT NULL AND locked_reason IS NOT NULL)::int AS locked,
        count(*) FILTER (WHERE invited_at IS NOT NULL AND password_hash IS NULL
                            AND last_sign_in_at IS NULL)::int AS invited,
        count(*) FILTER (WHERE password_hash IS NULL)::int AS without_password,
        count(*) FILTER (WHERE password_reset_required)::int AS reset_pending,
        count(*) FILTER (WHERE NOT email_verified)::int AS email_unverified,
        count(*) FILTER (WHERE phone_number IS NOT NULL AND NOT phone_number_verified)::int AS phone_unverified,
        count(*) FILTER (WHERE deletion_scheduled_at IS NOT NULL)::int AS deletion_scheduled,
        count(*) FILTER (WHERE NOT blocked AND locked_at IS NULL AND invited_at IS NULL
                            AND deletion_scheduled_at IS NULL)::int AS active,
        count(*) FILTER (WHERE role = 'MANAGER')::int AS managers,
        count(*) FILTER (WHERE role = 'MANAGER' AND organization_id IS NULL)::int AS managers_without_org,
        count(*) FILTER (WHERE role = 'MEMBER')::int AS members,
        count(DISTINCT organization_id)::int AS organizations,
        count(*) FILTER (WHERE organization_id IS NULL)::int AS without_org,
        count(*) FILTER (WHERE last_sign_in_at < created_at OR created_at > now()
                            OR created_at < now() - interval '3 years 1 day')::int AS odd_times,
        count(*) FILTER (WHERE created_at < now() - interval '2 years')::int AS older_than_two_years
      FROM users`);
    const statuses = ['blocked', 'locked', 'invited', 'reset_pending', 'email_unverified', 'phone_unverified',
      'deletion_scheduled'];
    // Each present, none more common than it should be (the largest, unverified phones, is ~25%).
    expect(Object.fromEntries(statuses.map((s) => [s, mix[s] > 0 && mix[s] < FIRST_RUN * 0.3])))
      .toEqual(Object.fromEntries(statuses.map((s) => [s, true])));
    expect(mix.without_password).toBe(mix.invited);
    expect(mix.active).toBeGreaterThan(FIRST_RUN * 0.9);
    expect(mix.managers).toBeGreaterThan(0);
    expect(mix.managers_without_org).toBe(0);
    expect(mix.members).toBeGreaterThan(FIRST_RUN * 0.9);
    expect(mix.organizations).toBe(20);
    expect(mix.without_org).toBeGreaterThan(0);
    expect(mix.odd_times).toBe(0);
    expect(mix.older_than_two_years).toBeGreaterThan(0);
  });

  it('schedules the deletions within the grace period ahead, so the purge deletes none of them', async () => {
    const { lifecycle } = createServices(loadConfig(testEnv({ DATABASE_URL: db.url })), db.database);
    const scheduled = `SELECT count(*)::int AS n,
        count(*) FILTER (WHERE deletion_scheduled_at <= now())::int AS due,
        count(*) FILTER (WHERE deletion_scheduled_at > now() + interval '14 days')::int AS beyond_grace
      FROM users WHERE deletion_scheduled_at IS NOT NULL`;
    const before = await one<{ n: number; due: number; beyond_grace: number }>(scheduled);
    expect(before.n).toBeGreaterThan(0);
    expect(before).toMatchObject({ due: 0, beyond_grace: 0 });
    await expect(lifecycle.purgeScheduledDeletions()).resolves.toBe(0);
    await expect(one(scheduled)).resolves.toEqual(before);
  });

  it('adds more on a second run, stepping around identifiers hand-made users already own', async () => {
    // Hand-made users (with ids far from the sequence) holding the phone numbers the next
    // seeded ids would get: about half of those rows collide and must be made again.
    const { last } = await one<{ last: string }>('SELECT last_value::text AS last FROM users_id_seq');
    const taken = Array.from({ length: 200 }, (_, i) => seededPhone(Number(last) + 1 + i));
    await db.dataSource.query(
      `INSERT INTO users (id, login, phone_number) SELECT 1000000000 + n, 'hand-made-' || n, phone
       FROM unnest($1::text[]) WITH ORDINALITY AS t (phone, n)`, [taken]);

    const result = await seedUsers({ pool: db.database.pool, count: SECOND_RUN, organizations: 5, bcryptCost: 4,
      chunkSize: 500 });
    expect(result).toMatchObject({ inserted: SECOND_RUN, organizations: 5 });

    const after = await one(`SELECT count(*)::int AS users,
        count(*) FILTER (WHERE login LIKE 'hand-made-%')::int AS hand_made,
        count(DISTINCT phone_number)::int AS phones, count(phone_number)::int AS all_phones,
        (SELECT count(*)::int FROM organizations) AS organizations,
        (SELECT count(DISTINCT lower(slug))::int FROM organizations) AS slugs
      FROM users`);
    expect(after).toEqual({
      users: FIRST_RUN + SECOND_RUN + taken.length, hand_made: taken.length,
      phones: after.all_phones, all_phones: after.all_phones, organizations: 25, slugs: 25,
    });
    // The hand-made users kept their phone numbers; the seeded rows that wanted them were made again.
    await expect(one(`SELECT count(*)::int AS n FROM users WHERE phone_number = ANY($1) AND login NOT LIKE `
      + `'hand-made-%'`, [taken]))
      .resolves.toEqual({ n: 0 });
  });
});
