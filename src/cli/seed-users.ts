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
import { CLEAN_GIN_PENDING_LISTS, INSERT_ORGANIZATIONS, INSERT_USERS } from './seed-users.query.js';

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
  const inserted = await pool.query<{ id: number }>(INSERT_ORGANIZATIONS, [names, slugs]);
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
        const seconds = elapsed().toFixed(1);
        log(`seeded ${inserted.toLocaleString('en-US')} of ${count.toLocaleString('en-US')} users (${seconds} s)`);
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
    throw new Error(`seeding stopped after ${inserted} users: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err });
  }

  // Searches read a GIN index's pending list row by row: merge what is left of it now
  // rather than leave up to 64 MB of it to the first searches.
  log('merging the search index and analyzing the users and organizations tables');
  await pool.query(CLEAN_GIN_PENDING_LISTS);
  // organizations too: a few dozen new rows never reach autovacuum's threshold, and a
  // table never analyzed is planned as if it held hundreds of rows (which can switch on JIT).
  await pool.query('ANALYZE users, organizations');
  return { inserted, organizations: organizationIds.length, seconds: Number(elapsed().toFixed(1)),
    password: SEED_PASSWORD };
}
