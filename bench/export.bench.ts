// `npm run bench:export`: time and peak memory of the CSV export of 1,000,000 users.
// Seeds the directory like bench:admin (BENCH_ADMIN_* settings and databases), then runs
// the export in its own process (export-run.ts) so the peak RSS measured is the export's.
// Targets: under 60 s, peak RSS under 300 MB. See bench/README.md.
import { execFile } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { promisify } from 'node:util';
import pg from 'pg';
import { seedUsers } from '../src/cli/seed-users.js';
import { prepareDatabase } from './database.js';
import { BenchSettingsError, loadAdminBenchSettings } from './settings.js';

const log = (msg: string) => console.log(`  ${msg}`);
const TARGET_SECONDS = 60;
const TARGET_RSS_MB = 300;

async function main(): Promise<number> {
  const settings = loadAdminBenchSettings();
  console.log('Foyer CSV export benchmark');
  const database = await prepareDatabase(settings, log, 'foyer_bench_export');
  try {
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    const existing = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM users')).rows[0].n);
    if (existing < settings.users) {
      log(`seeding ${(settings.users - existing).toLocaleString('en-US')} users ...`);
      await seedUsers({ pool, count: settings.users - existing, organizations: settings.organizations, bcryptCost: 4,
        log: () => undefined });
    }
    await pool.query('VACUUM (ANALYZE) users');
    await pool.end();
    log('exporting ...');
    const { stdout } = await promisify(execFile)(process.execPath,
      ['--import', 'tsx', 'bench/export-run.ts', database.url], { maxBuffer: 1 << 20 });
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as { rows: number; bytes: number; seconds: number;
      peakRssMb: number; };
    const machine = `${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores, `
      + `${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}; ${database.description}`;
    const met = (ok: boolean) => (ok ? 'yes' : 'NO');
    console.log('\n| Measure | Value | Target | Met |\n| --- | ---: | ---: | ---: |');
    console.log(`| Users exported | ${result.rows.toLocaleString('en-US')} (${(result.bytes / 2 ** 20).toFixed(0)} MB `
      + `of CSV) | ${settings.users.toLocaleString('en-US')} | ${met(result.rows >= settings.users)} |`);
    console.log(`| Time | ${result.seconds.toFixed(1)} s | < ${TARGET_SECONDS} s | `
      + `${met(result.seconds < TARGET_SECONDS)} |`);
    console.log(`| Peak RSS of the exporting process | ${result.peakRssMb.toFixed(0)} MB | < ${TARGET_RSS_MB} MB | `
      + `${met(result.peakRssMb < TARGET_RSS_MB)} |`);
    console.log(`\n_${machine}; all built-in columns_`);
    return result.rows >= settings.users ? 0 : 1;
  } finally {
    await database.close();
  }
}

main().then((code) => process.exit(code), (err) => {
  console.error(err instanceof BenchSettingsError ? err.message : err);
  process.exit(1);
});
