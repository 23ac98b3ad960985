// `npm run bench:admin`: how long the console's users list takes at a million users.
// Seeds the directory (src/cli/seed-users.ts), starts Foyer in its own process, signs an
// Administrator in through the real sign-in page and times GET /admin/users, one request
// at a time, for each scenario. A benchmark, not a test: it reports figures against the
// target and fails only when it could not measure. See bench/README.md.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { BCRYPT_COST, fillDirectory } from './directory.js';
import { printAdminReport, adminMachineLine, missedTargets } from './admin-report.js';
import { listScenarios, runListScenario, type ListResult } from './admin-scenarios.js';
import { ConsoleSession } from './console-session.js';
import { prepareDatabase, type BenchDatabase } from './database.js';
import type { FoyerServerOptions } from './foyer-server.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { BenchSettingsError, loadAdminBenchSettings, type AdminBenchSettings } from './settings.js';
import { cleanUpOnInterrupt } from './interrupt.js';

const log = (msg: string) => console.log(`  ${msg}`);

// A new login each run: a reused DATABASE_URL still holds the previous run's administrator.
const ADMIN = { login: `bench-admin-${randomBytes(4).toString('hex')}`, password: 'timing the users list 1' };
const ACTIVE = `NOT blocked AND locked_at IS NULL AND invited_at IS NULL AND NOT password_reset_required
  AND deletion_scheduled_at IS NULL`;

/** The directory at its size (bench/directory.ts), and one active user's login to search for. */
async function fillAndPick(url: string, settings: AdminBenchSettings): Promise<{ users: number; someone: string }> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    const users = await fillDirectory(pool, settings, log);
    // An active user somewhere in the table, so "search + status=active" finds them too.
    const { rows } = await pool.query<{ login: string }>(
      `SELECT login FROM users WHERE id >= (SELECT min(id) + floor(random() * (max(id) - min(id)))::bigint FROM users)
         AND ${ACTIVE} AND login IS NOT NULL ORDER BY id LIMIT 1`);
    if (!rows[0]) throw new Error('no active user with a login to search for');
    return { users, someone: rows[0].login };
  } finally {
    await pool.end();
  }
}

async function main(): Promise<number> {
  const settings = loadAdminBenchSettings();
  console.log('Foyer admin users list benchmark');
  let database: BenchDatabase | undefined;
  let foyer: ServerProcess | undefined;
  let session: ConsoleSession | undefined;
  const cleanUp = async () => {
    session?.close();
    await foyer?.stop();
    await database?.close();
  };
  const finish = cleanUpOnInterrupt(cleanUp);

  try {
    database = await prepareDatabase(settings, log, 'foyer_bench_admin');
    log(`database: ${database.description}`);
    const { users, someone } = await fillAndPick(database.url, settings);

    const options: FoyerServerOptions = { databaseUrl: database.url, bcryptCost: BCRYPT_COST, consoleAdmin: ADMIN };
    foyer = await startServerProcess('foyer', 'foyer-server.ts', options, settings.cpuProfileDir);
    session = new ConsoleSession(foyer.info.origin);
    await session.signIn(ADMIN.login, ADMIN.password);
    log(`signed in to the console as ${ADMIN.login}`);

    const results: ListResult[] = [];
    for (const scenario of listScenarios(someone)) {
      const result = await runListScenario(session, foyer, scenario, settings);
      results.push(result);
      log(`${scenario.name.padEnd(24)} p50 ${result.p50Ms.toFixed(1).padStart(6)} ms   p95 `
        + `${result.p95Ms.toFixed(1).padStart(6)} ms` +
        `${result.errors ? `   (${result.errors} errors)` : ''}`);
    }
    printAdminReport(results, settings, adminMachineLine(settings, database.description, users));
    const missed = missedTargets(results, settings);
    if (missed.length) {
      console.error(`Not within the target of p95 < ${settings.targetP95Ms} ms:\n  ${missed.join('\n  ')}`);
    }
    const failed = results.filter((r) => r.errors > 0);
    if (failed.length) console.error('Some requests failed: the figures of those scenarios are not valid.');
    return failed.length ? 1 : 0;
  } finally {
    await finish();
  }
}

main().then((code) => process.exit(code), (err) => {
  if (err instanceof BenchSettingsError) console.error(err.message);
  else console.error('Benchmark failed:', err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
