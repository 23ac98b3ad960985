// The directory the list benchmarks measure (bench:admin, bench:scim): seeded to its size with
// `dev seed-users`, then vacuumed, the same way for both, so one database serves either.
import type pg from 'pg';
import { seedUsers } from '../src/cli/seed-users.js';
import type { AdminBenchSettings } from './settings.js';

// Foyer's production default, as bench:admin seeds with it (one hash shared by every seeded user).
export const BCRYPT_COST = 12;

/**
 * Brings the directory up to `settings.users` (a reused DATABASE_URL may hold them already,
 * bench:admin's among them), then VACUUM ANALYZE so that autovacuum does not start on the new
 * rows in the middle of the measurements. The same steps as bench:admin. Returns how many
 * users there are.
 */
export async function fillDirectory(pool: pg.Pool, settings: AdminBenchSettings,
  log: (msg: string) => void): Promise<number> {
  const count = async () => Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM users')).rows[0].n);
  const existing = await count();
  if (existing < settings.users) {
    const missing = settings.users - existing;
    log(`seeding ${missing.toLocaleString('en-US')} users ...`);
    let lastLog = 0;
    const result = await seedUsers({
      pool, count: missing, organizations: settings.organizations, bcryptCost: BCRYPT_COST,
      log: (msg) => {
        if (Date.now() - lastLog > 5000 || !msg.startsWith('seeded')) {
          lastLog = Date.now();
          log(msg);
        }
      },
    });
    log(`seeded ${result.inserted.toLocaleString('en-US')} users in ${result.seconds} s`);
  } else {
    log(`the directory already holds ${existing.toLocaleString('en-US')} users: seeding nothing`);
  }
  // A directory seeded before the seeder dated scheduled deletions in the future (issue 17) would
  // have them purged by the server in the middle of the measurements: moved into the future.
  const { rowCount } = await pool.query(`UPDATE users
    SET deletion_scheduled_at = now() + (now() - deletion_scheduled_at) WHERE deletion_scheduled_at <= now()`);
  if (rowCount) log(`moved the due deletion of ${rowCount.toLocaleString('en-US')} seeded users into the future`);
  log('VACUUM ANALYZE users ...');
  await pool.query('VACUUM (ANALYZE) users');
  return count();
}
