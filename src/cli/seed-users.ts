// `dev seed-users`: fills a development or benchmark directory with many realistic users,
// fast. Rows are made by PostgreSQL itself (INSERT ... SELECT over generate_series, one
// statement per chunk) so a million users take a minute or so, not a million round trips.
// It writes straight to the tables, past the user service: no audit events, one bcrypt
// hash shared by every seeded user. Development data only.
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { createPasswordHasher } from '../users/password.js';
import {
  asciiName, EMAIL_DOMAINS, FAMILY_NAMES, GIVEN_NAMES, LOCK_REASONS, ORGANIZATION_KINDS, ORGANIZATION_SUFFIXES,
  ORGANIZATION_WORDS, PHONE_PREFIXES,
} from './seed-names.js';

/** Every seeded user signs in with this password. */
export const SEED_PASSWORD = 'seeded-user-password';

export interface SeedUsersOptions {
  pool: pg.Pool;
  count: number;
  organizations: number;
  bcryptCost: number;
  log?: (message: string) => void;
  /** Rows per INSERT statement (and per transaction). */
  chunkSize?: number;
  /** Statements running at once, each on its own connection. */
  connections?: number;
}

export interface SeedUsersResult {
  inserted: number;
  organizations: number;
  seconds: number;
  password: string;
}

// The share of users in each status is a range of one random number, so the statuses
// under test (blocked, locked, invited, reset pending, deletion scheduled) do not overlap:
//   [0, .010) blocked · [.010, .015) locked · [.015, .025) invited ·
//   [.025, .030) reset required · [.030, .032) deletion scheduled · the rest active.
// Independent of that: ~5% unverified email, ~half with a phone (half of those unverified),
// ~2% managers, ~0.02% administrators, ~90% in an organization.
//
// Identifiers carry the row's id (taken from the users sequence, as the column default
// would), so they are unique however often the seeder runs; the phone number is a bijection
// of the id within its prefix (unique for ids below 128 million). ON CONFLICT DO NOTHING
// only guards against a hand-made user who happens to own one of those identifiers: such
// rows are skipped and made up in the next statement.
const INSERT_USERS = `
INSERT INTO users (
  id, login, email, email_verified, phone_number, phone_number_verified, nickname, given_name, family_name,
  birthdate, picture, password_hash, password_updated_at, role, organization_id, blocked, blocked_at,
  locked_at, locked_reason, locked_until, deletion_scheduled_at, invited_at, password_reset_required,
  last_sign_in_at, created_at, updated_at)
SELECT id, login, login || '@' || domain, NOT invited AND r_email >= 0.05,
  CASE WHEN r_phone < 0.5 THEN '+' || phone_prefix || (2000000 + (id / 16) * 7919 % 8000000)::text END,
  r_phone < 0.25,
  nickname, given, family, birthdate, picture,
  CASE WHEN NOT invited THEN $9 END,
  CASE WHEN NOT invited THEN created_at END,
  role, organization_id,
  blocked, CASE WHEN blocked THEN created_at + random() * (now() - created_at) END,
  CASE WHEN locked THEN now() - random() * interval '20 days' END,
  CASE WHEN locked THEN ($7::text[])[1 + floor(random() * cardinality($7::text[]))::int] END,
  CASE WHEN locked AND random() < 0.6 THEN now() + (1 + random() * 72) * interval '1 hour' END,
  CASE WHEN r_status >= 0.030 AND r_status < 0.032 THEN now() - random() * interval '14 days' END,
  CASE WHEN invited THEN created_at END,
  r_status >= 0.025 AND r_status < 0.030,
  last_sign_in_at, created_at,
  greatest(created_at, last_sign_in_at)
FROM (
  SELECT *,
    CASE
      WHEN r_login < 0.70 THEN given_ascii || '.' || family_ascii || id
      WHEN r_login < 0.85 THEN left(given_ascii, 1) || family_ascii || id
      ELSE given_ascii || '_' || left(family_ascii, 1) || id
    END AS login,
    CASE
      WHEN r_nick < 0.80 THEN given || ' ' || family
      WHEN r_nick < 0.88 THEN given || ' ' || left(family, 1) || '.'
      WHEN r_nick < 0.94 THEN given
      WHEN r_nick < 0.97 THEN given_ascii || '_' || left(family_ascii, 3)
    END AS nickname,
    CASE WHEN NOT invited AND r_sign_in < 0.9 THEN created_at + random() * (now() - created_at) END AS last_sign_in_at,
    CASE
      WHEN r_role < 0.0002 THEN 'ADMIN'
      WHEN r_role < 0.0202 AND org_count > 0 THEN 'MANAGER'
      ELSE 'MEMBER'
    END AS role,
    CASE WHEN org_count > 0 AND (r_org < 0.9 OR r_role < 0.0202)
      THEN ($8::int[])[1 + floor(power(random(), 1.5) * org_count)::int] END AS organization_id
  FROM (
    SELECT *,
      ($1::text[])[name_index] AS given, ($2::text[])[name_index] AS given_ascii,
      ($3::text[])[family_index] AS family, ($4::text[])[family_index] AS family_ascii,
      ($5::text[])[1 + (id % cardinality($5::text[]))::int] AS domain,
      ($6::text[])[1 + (id % cardinality($6::text[]))::int] AS phone_prefix,
      r_status < 0.010 AS blocked,
      r_status >= 0.010 AND r_status < 0.015 AS locked,
      r_status >= 0.015 AND r_status < 0.025 AS invited,
      CASE WHEN r_status >= 0.015 AND r_status < 0.025
        THEN now() - random() * interval '60 days'
        ELSE now() - random() * interval '3 years' END AS created_at,
      CASE WHEN r_birth < 0.3 THEN date '1950-01-01' + floor(random() * 20000)::int END AS birthdate,
      CASE WHEN r_picture < 0.2 THEN 'https://avatars.example.com/' || id || '.png' END AS picture,
      cardinality($8::int[]) AS org_count
    FROM (
      -- Volatile columns keep this subquery from being flattened: every random() below is
      -- drawn once per row. The power skews the pick towards the front of the name lists
      -- (Smith ~3%, as common surnames are).
      SELECT nextval('users_id_seq') AS id,
        1 + floor(power(random(), 1.5) * cardinality($1::text[]))::int AS name_index,
        1 + floor(power(random(), 1.5) * cardinality($3::text[]))::int AS family_index,
        random() AS r_status, random() AS r_role, random() AS r_org, random() AS r_email, random() AS r_phone,
        random() AS r_login, random() AS r_nick, random() AS r_sign_in, random() AS r_birth, random() AS r_picture
      FROM generate_series(1, $10::int)
    ) draws
  ) named
) shaped
ON CONFLICT DO NOTHING`;

function slugOf(name: string): string {
  const slug = name.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^a-z0-9]+/g, '-');
  return slug.replace(/^-|-$/g, '') || 'organization';
}

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/** K organizations with made-up company names and slugs no existing organization has. */
async function createOrganizations(pool: pg.Pool, count: number): Promise<number[]> {
  if (count === 0) return [];
  const names: string[] = [];
  const bases = shuffled(ORGANIZATION_WORDS.flatMap((word) => ORGANIZATION_KINDS.map((kind) => `${word} ${kind}`)));
  for (let i = 0; names.length < count; i += 1) {
    const base = bases[i % bases.length];
    const round = Math.floor(i / bases.length);
    // Past the list's end the names repeat with a number, as "Northwind Labs 2" would.
    const suffix = ORGANIZATION_SUFFIXES[Math.floor(Math.random() * ORGANIZATION_SUFFIXES.length)];
    names.push(round === 0 ? `${base}${suffix}` : `${base} ${round + 1}${suffix}`);
  }
  const { rows } = await pool.query<{ slug: string }>('SELECT lower(slug) AS slug FROM organizations');
  const taken = new Set(rows.map((r) => r.slug));
  const slugs = names.map((name) => {
    const base = slugOf(name);
    let slug = base;
    for (let n = 2; taken.has(slug); n += 1) slug = `${base}-${n}`;
    taken.add(slug);
    return slug;
  });
  const inserted = await pool.query<{ id: number }>(
    `INSERT INTO organizations (name, slug, created_at)
     SELECT name, slug, now() - interval '3 years' - random() * interval '1 year'
     FROM unnest($1::text[], $2::text[]) AS o (name, slug)
     RETURNING id`, [names, slugs]);
  return inserted.rows.map((r) => r.id);
}

export async function seedUsers(options: SeedUsersOptions): Promise<SeedUsersResult> {
  const { pool, count, bcryptCost, log = () => undefined } = options;
  const chunkSize = options.chunkSize ?? 50_000;
  const connections = Math.max(1, Math.min(options.connections ?? 2, Math.ceil(count / chunkSize)));
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;

  const organizationIds = await createOrganizations(pool, options.organizations);
  const passwordHash = await createPasswordHasher({ cost: bcryptCost }).hash(SEED_PASSWORD);
  const lists = [
    [...GIVEN_NAMES], GIVEN_NAMES.map(asciiName), [...FAMILY_NAMES], FAMILY_NAMES.map(asciiName),
    [...EMAIL_DOMAINS], [...PHONE_PREFIXES], [...LOCK_REASONS], organizationIds, passwordHash,
  ];

  let claimed = 0;
  let inserted = 0;
  async function worker(): Promise<void> {
    const client = await pool.connect();
    let broken = false;
    try {
      // Losing the last chunks in a crash is harmless for seed data; waiting for each
      // commit's WAL flush is not free. The trigram index takes new rows into its pending
      // list and merges them in when it is full: a larger list (and the memory to merge
      // it) makes fewer, cheaper merges, about a third off the whole load.
      await client.query("SET synchronous_commit = off; SET work_mem = '64MB'; SET gin_pending_list_limit = '64MB'");
      let emptyInARow = 0;
      while (claimed < count) {
        const rows = Math.min(chunkSize, count - claimed);
        claimed += rows;
        const { rowCount } = await client.query(INSERT_USERS, [...lists, rows]);
        const done = rowCount ?? 0;
        inserted += done;
        // Rows skipped on a conflict go back to the pool of work, made with new ids.
        claimed -= rows - done;
        emptyInARow = done === 0 ? emptyInARow + 1 : 0;
        if (emptyInARow >= 3) throw new Error('every row of three statements in a row conflicted with existing users');
        log(`seeded ${inserted.toLocaleString('en-US')} of ${count.toLocaleString('en-US')} users (${elapsed().toFixed(1)} s)`);
      }
      // The connection goes back to a pool the caller may keep using: not with these settings.
      await client.query('RESET synchronous_commit; RESET work_mem; RESET gin_pending_list_limit');
    } catch (err) {
      broken = true;
      throw err;
    } finally {
      client.release(broken);
    }
  }
  try {
    await Promise.all(Array.from({ length: connections }, worker));
  } catch (err) {
    throw new Error(`seeding stopped after ${inserted} users: ${err instanceof Error ? err.message : String(err)}`);
  }

  // Searches read a GIN index's pending list row by row: merge what is left of it now
  // rather than leave up to 64 MB of it to the first searches.
  log('merging the search index and analyzing the users and organizations tables');
  await pool.query(`SELECT gin_clean_pending_list(i.indexrelid)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
    WHERE i.indrelid = 'users'::regclass AND a.amname = 'gin'`);
  // organizations too: a few dozen new rows never reach autovacuum's threshold, and a
  // table never analyzed is planned as if it held hundreds of rows (which can switch on JIT).
  await pool.query('ANALYZE users, organizations');
  return { inserted, organizations: organizationIds.length, seconds: Number(elapsed().toFixed(1)), password: SEED_PASSWORD };
}
