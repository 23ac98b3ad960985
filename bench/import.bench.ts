// `npm run bench:import`: time and peak memory of the CSV user import with invitations.
// Target: 100,000 rows imported (staged, dry run, applied) in under 60 s.
//
//   npm run bench:import                    100,000 rows
//   npm run bench:import -- 10000           another number of rows (1 to 1,000,000)
//   npm run bench:import -- --breakdown     also where the time goes: the importer's dryRun
//                                           and apply per batch, and SQL by statement kind
//
// The database is prepared like bench:admin (BENCH_ADMIN_DATABASE_URL: a fresh database
// foyer_bench_import, dropped after; DATABASE_URL: that database, which keeps the rows; neither:
// the embedded PostgreSQL in a temporary folder). The import runs in a process of its own (this
// file with --run), so the peak RSS measured is the import's: it builds the services as the CLI
// does (createServices), makes an Administrator, and drives the job as the console and the
// worker do: imports.stage (the upload, a Readable of CSV bytes) → runOne (the dry run) →
// confirm → runOne (applying). The CSV is generated in memory before the clock starts: unique
// logins, emails and valid US phone numbers, 5 organizations and 5 group names the import makes,
// 1% Managers. This process then checks in the database that every row made a user with an
// invitation in mail_outbox.
import { execFile } from 'node:child_process';
import { ALL_USERS } from '../src/platform/access.js';
import { randomBytes } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { CLI_ACTOR } from '../src/audit/audit.service.js';
import { loadConfig } from '../src/config/config.js';
import { connectDatabase } from '../src/db/connect.js';
import { createPasswordHasher } from '../src/users/password.js';
import { createUserImporter, type UserImporter } from '../src/provisioning/user-import.service.js';
import { createUserImportRepository } from '../src/provisioning/user-import.repository.js';
import { createImportJobs, type ImportJobs } from '../src/provisioning/import-jobs.js';
import { createServices, type Services } from '../src/services.js';
import { prepareDatabase } from './database.js';
import { BenchSettingsError, loadAdminBenchSettings } from './settings.js';

const log = (msg: string) => console.log(`  ${msg}`);
const TARGET_SECONDS = 60;
const DEFAULT_ROWS = 100_000;
const MAX_ROWS = 1_000_000;
const HEADER = 'login,email,given_name,family_name,nickname,phone_number,role,organization,groups';
const ORGANIZATIONS = ['Acme Corporation', 'Globex', 'Initech', 'Umbrella Health', 'Hooli'];
const GROUPS = ['Engineering', 'Sales', 'Support', 'Marketing', 'Finance'];
const GIVEN = ['Ada', 'Grace', 'Alan', 'Zoë', 'José', 'Margaret', 'Linus', 'Barbara', 'Ken', 'Frances'];
const FAMILY = ['Lovelace', 'Hopper', 'Turing', 'Núñez', 'Hamilton', 'Liskov', 'Thompson', 'Allen', 'Ritchie', 'Wirth'];
/**
 * US area codes whose 200-xxxx to 299-xxxx numbers libphonenumber accepts (checked with
 * normalizePhone, region US): a million numbers each, none of them the seeder's (seed-names.ts).
 */
const AREA_CODES = ['503', '612', '720', '801', '919', '614', '615', '832'];

interface Options { rows: number; breakdown: boolean }

function parseArgs(args: string[]): Options {
  const breakdown = args.includes('--breakdown');
  const rest = args.filter((a) => a !== '--breakdown');
  const raw = rest.find((a) => a.startsWith('--rows='))?.slice('--rows='.length)
    ?? rest.find((a) => /^[0-9_]+$/.test(a));
  const unknown = rest.filter((a) => !a.startsWith('--rows=') && !/^[0-9_]+$/.test(a));
  if (unknown.length) {
    throw new BenchSettingsError(`Unknown arguments: ${unknown.join(' ')} (give a number of rows and/or --breakdown)`);
  }
  const rows = raw === undefined ? DEFAULT_ROWS : Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(rows) || rows < 1 || rows > MAX_ROWS) {
    throw new BenchSettingsError(`The number of rows must be a whole number from 1 to `
      + `${MAX_ROWS.toLocaleString('en-US')} (got "${raw}")`);
  }
  return { rows, breakdown };
}

// ---------------------------------------------------------------- the import, in its own process

/**
 * The CSV file, as an upload arrives: 64 KiB chunks of UTF-8. `phoneBase` keeps phones unique
 * across runs on one database.
 */
function generateCsv(prefix: string, rows: number, phoneBase: number): Buffer[] {
  const chunks: Buffer[] = [];
  let text = `${HEADER}\r\n`;
  for (let i = 1; i <= rows; i += 1) {
    const login = `${prefix}-u${i}`;
    const given = GIVEN[i % GIVEN.length];
    const family = FAMILY[Math.floor(i / GIVEN.length) % FAMILY.length];
    const n = phoneBase + i;
    const area = AREA_CODES[Math.floor(n / 1_000_000)];
    if (!area) throw new Error('Out of benchmark phone numbers: use a fresh database');
    const phone = `+1${area}${2_000_000 + (n % 1_000_000)}`;
    // One row in 20 without an organization (directory-wide groups); 1% Managers, who need one.
    const organization = i % 20 === 0 ? '' : ORGANIZATIONS[i % ORGANIZATIONS.length];
    const role = organization && i % 100 === 1 ? 'Manager' : i % 2 ? 'Member' : '';
    const g = Math.floor(i / ORGANIZATIONS.length);
    const groups = i % 3 === 0 ? `${GROUPS[g % GROUPS.length]};${GROUPS[(g + 1) % GROUPS.length]}`
      : GROUPS[g % GROUPS.length];
    text += `${login},${login}@example.test,${given},${family},${given} ${family[0]}.,${phone},${role},${organization},`
      + `${groups}\r\n`;
    if (text.length >= 65_536) {
      chunks.push(Buffer.from(text));
      text = '';
    }
  }
  if (text) chunks.push(Buffer.from(text));
  return chunks;
}

const rssMb = () => process.memoryUsage().rss / 2 ** 20;
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

/** What --breakdown adds: per statement kind, per phase. */
interface SqlStat { statements: number; ms: number }
interface BatchStat { batches: number; totalMs: number; p50Ms: number; maxMs: number; firstMs: number; lastMs: number }
interface Breakdown { sql: Record<string, Record<string, SqlStat>>; importer: Record<string, BatchStat> }

const SQL_KINDS: [string, RegExp][] = [
  ['import_rows: stage', /^\s*INSERT INTO import_rows/],
  ['import_rows: read batch', /FROM import_rows\s+WHERE job_id = \$1 AND row_no > \$2/],
  ['import_rows: record plans', /UPDATE import_rows r SET action/],
  ['import_rows: dry run errors', /FROM import_rows WHERE job_id = \$1 AND row_no = ANY/],
  ['import_rows: record outcomes', /UPDATE import_rows r SET outcome/],
  ['import_jobs: progress', /^\s*UPDATE import_jobs/],
  ['import_rows: counts, cleanup', /import_rows/],
  ['import_jobs: other', /import_jobs/],
  ['users named (lookup)', /FROM users WHERE id IN \(\s*SELECT id FROM users WHERE login IS NOT NULL/],
  ['insert users', /^\s*WITH input AS/],
  ['insert audit_events', /INSERT INTO audit_events/],
  ['insert mail_outbox', /INSERT INTO mail_outbox/],
  ['insert group_members', /INSERT INTO group_members/],
  ['organizations, groups, settings', /FROM (organizations|groups|settings)\b|INTO (organizations|groups)\b/],
  ['transaction control', /^\s*(BEGIN|START TRANSACTION|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)/i],
];

/** Times every statement sent to PostgreSQL (pg's Pool and TypeORM both end in Client#query), by kind and phase. */
function timeStatements(phase: () => string): Record<string, Record<string, SqlStat>> {
  const stats: Record<string, Record<string, SqlStat>> = {};
  const note = (text: string, ms: number) => {
    const kind = SQL_KINDS.find(([, re]) => re.test(text))?.[0]
      ?? `other: ${text.replace(/\s+/g, ' ').trim().slice(0, 50)}`;
    const byKind = (stats[phase()] ??= {});
    const s = (byKind[kind] ??= { statements: 0, ms: 0 });
    s.statements += 1;
    s.ms += ms;
  };
  const original = pg.Client.prototype.query as (...a: unknown[]) => unknown;
  pg.Client.prototype.query = function timedQuery(this: pg.Client, ...args: unknown[]) {
    const first = args[0] as string | { text?: string; submit?: unknown };
    if (typeof first === 'object' && first && typeof first.submit === 'function') return original.apply(this, args);
    const text = typeof first === 'string' ? first : first?.text ?? '';
    const started = performance.now();
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const callback = args[last] as (...r: unknown[]) => void;
      args[last] = (...r: unknown[]) => { note(text, performance.now() - started); callback(...r); };
      return original.apply(this, args);
    }
    const result = original.apply(this, args) as Promise<unknown>;
    return result.finally(() => note(text, performance.now() - started));
  } as typeof pg.Client.prototype.query;
  return stats;
}

function batchStats(durations: number[]): BatchStat {
  const sorted = [...durations].sort((a, b) => a - b);
  return {
    batches: durations.length, totalMs: durations.reduce((a, b) => a + b, 0),
    p50Ms: sorted[Math.floor(sorted.length / 2)] ?? 0,
    maxMs: sorted[sorted.length - 1] ?? 0, firstMs: durations[0] ?? 0, lastMs: durations[durations.length - 1] ?? 0,
  };
}

/** The import jobs wired as createServices wires them, with the importer's calls timed (for --breakdown only). */
function timedImportJobs(services: Services, db: Parameters<typeof createServices>[1],
  config: ReturnType<typeof loadConfig>, durations: Record<string, number[]>): ImportJobs {
  const importer = createUserImporter({
    db, repository: createUserImportRepository(db), users: services.users, lifecycle: services.lifecycle,
    groups: services.groups, organizations: services.organizations, settings: services.settings,
    defaultPhoneRegion: config.defaultPhoneRegion,
  });
  const timed = <A extends unknown[], R>(name: string, fn: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
    const started = performance.now();
    try {
      return await fn(...a);
    } finally {
      (durations[name] ??= []).push(performance.now() - started);
    }
  };
  const timedImporter: UserImporter = { dryRun: timed('importer.dryRun', importer.dryRun),
    apply: timed('importer.apply', importer.apply) };
  return createImportJobs({
    db, importer: timedImporter, settings: services.settings, hasher: createPasswordHasher({ cost: config.bcryptCost }),
    audit: services.audit, enqueue: (m) => services.outbox.enqueue(m), wakeMail: () => undefined,
  });
}

export interface RunResult {
  jobId: string; csvBytes: number; stageSeconds: number; dryRunSeconds: number; applySeconds: number;
  rssBeforeMb: number; peakRssAfterStageMb: number; peakRssAfterDryRunMb: number; peakRssMb: number;
  summary: Record<string, unknown>; status: string; breakdown?: Breakdown;
}

async function runImport(url: string, rows: number, prefix: string, phoneBase: number,
  breakdown: boolean): Promise<RunResult> {
  let phase = 'setup';
  const sqlStats = breakdown ? timeStatements(() => phase) : undefined;
  const config = loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'silent' });
  const db = await connectDatabase(config, () => undefined);
  try {
    const services = createServices(config, db.database);
    const importerDurations: Record<string, number[]> = {};
    const imports = breakdown ? timedImportJobs(services, db.database, config, importerDurations) : services.imports;
    const admin = await services.users.create({ login: `${prefix}-admin`, password: `bench-admin-password-${prefix}`,
      role: 'ADMIN' }, CLI_ACTOR, ALL_USERS);
    const staff = { actor: { type: 'user' as const, id: admin.id, label: admin.login }, email: null,
      scope: { kind: 'all' as const }, isAdmin: true };
    const csv = generateCsv(prefix, rows, phoneBase);
    const csvBytes = csv.reduce((n, c) => n + c.length, 0);
    const rssBeforeMb = rssMb();

    const seconds = async (name: string, step: () => Promise<unknown>) => {
      phase = name;
      const started = performance.now();
      await step();
      return (performance.now() - started) / 1000;
    };
    let jobId = '';
    const stageSeconds = await seconds('staging',
      async () => { jobId = await imports.stage(Readable.from(csv), 'bench-import.csv', 'invite', staff); });
    const peakRssAfterStageMb = peakRssMb();
    const dryRunSeconds = await seconds('dry run', async () => {
      if (!(await imports.runOne())) throw new Error('The dry run found no job to run');
    });
    const peakRssAfterDryRunMb = peakRssMb();
    const ready = await imports.find(jobId, staff);
    if (ready.status !== 'ready') {
      throw new Error(`After the dry run the job is ${ready.status}: ${ready.error ?? JSON.stringify(ready.summary)}`);
    }
    const applySeconds = await seconds('apply', async () => {
      await imports.confirm(jobId, staff);
      if (!(await imports.runOne())) throw new Error('Applying found no job to run');
    });
    phase = 'after';
    const finished = await imports.find(jobId, staff);
    return {
      jobId, csvBytes, stageSeconds, dryRunSeconds, applySeconds, rssBeforeMb, peakRssAfterStageMb,
      peakRssAfterDryRunMb, peakRssMb: peakRssMb(),
      summary: finished.summary as Record<string, unknown>, status: finished.status,
      breakdown: sqlStats && { sql: sqlStats,
        importer: Object.fromEntries(Object.entries(importerDurations).map(([k, v]) => [k, batchStats(v)])) },
    };
  } finally {
    await db.close();
  }
}

// ---------------------------------------------------------------- the bench: database, run, checks, report

/** What the generated file should leave behind, counted like generateCsv decides it. */
function expectedCounts(rows: number): { memberships: number; managers: number } {
  let memberships = 0;
  let managers = 0;
  for (let i = 1; i <= rows; i += 1) {
    memberships += i % 3 === 0 ? 2 : 1;
    if (i % 20 !== 0 && i % 100 === 1) managers += 1;
  }
  return { memberships, managers };
}

interface Checks { users: number; invited: number; invitations: number; memberships: number; managers: number }

async function check(pool: pg.Pool, prefix: string): Promise<Checks> {
  const count = async (text: string) => Number((await pool.query<{ n: string }>(text, [`${prefix}-u%`])).rows[0].n);
  return {
    users: await count('SELECT count(*) AS n FROM users WHERE login LIKE $1'),
    invited: await count('SELECT count(*) AS n FROM users WHERE login LIKE $1 AND invited_at IS NOT NULL AND '
      + 'password_hash IS NULL'),
    invitations: await count(`SELECT count(*) AS n FROM mail_outbox m JOIN users u ON u.id = m.user_id
      WHERE u.login LIKE $1 AND m.template = 'invitation' AND m.to_address = u.email`),
    memberships: await count('SELECT count(*) AS n FROM group_members m JOIN users u ON u.id = m.user_id WHERE '
      + 'u.login LIKE $1'),
    managers: await count(`SELECT count(*) AS n FROM users WHERE login LIKE $1 AND role = 'MANAGER'`),
  };
}

function printBreakdown(result: RunResult): void {
  const { breakdown } = result;
  if (!breakdown) return;
  const phaseSeconds: Record<string, number> = { staging: result.stageSeconds, 'dry run': result.dryRunSeconds,
    apply: result.applySeconds };
  console.log('\nWhere the time goes (--breakdown; statement times are client-side round trips, including pg parsing '
    + 'the rows)');
  for (const [phase, total] of Object.entries(phaseSeconds)) {
    const kinds = Object.entries(breakdown.sql[phase] ?? {}).sort((a, b) => b[1].ms - a[1].ms);
    const sqlMs = kinds.reduce((n, [, s]) => n + s.ms, 0);
    console.log(`\n${phase}: ${total.toFixed(2)} s, of which SQL ${(sqlMs / 1000).toFixed(2)} s, the rest (Node: CSV `
      + `parsing, planning, JSON) ${(total - sqlMs / 1000).toFixed(2)} s`);
    console.log('| Statements | Count | Total s | Share of phase |\n| --- | ---: | ---: | ---: |');
    for (const [kind, s] of kinds) {
      console.log(`| ${kind} | ${s.statements.toLocaleString('en-US')} | ${(s.ms / 1000).toFixed(2)} | `
        + `${((s.ms / 1000 / total) * 100).toFixed(0)}% |`);
    }
  }
  console.log('\n| Importer call, per batch of 1,000 rows | Batches | Total s | p50 ms | max ms | first ms | last ms '
    + '|\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [name, b] of Object.entries(breakdown.importer)) {
    console.log(`| ${name} | ${b.batches} | ${(b.totalMs / 1000).toFixed(2)} | ${b.p50Ms.toFixed(0)} | `
      + `${b.maxMs.toFixed(0)} | ${b.firstMs.toFixed(0)} | ${b.lastMs.toFixed(0)} |`);
  }
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const settings = loadAdminBenchSettings();
  console.log('Foyer CSV import benchmark');
  const database = await prepareDatabase(settings, log, 'foyer_bench_import');
  try {
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    // Unique per run, so a reused DATABASE_URL takes another run: new logins, emails and phone numbers.
    const prefix = `imp${randomBytes(3).toString('hex')}`;
    // Numbers are handed out in order, so those of earlier runs on this database are skipped by counting them.
    const phoneBase = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM users WHERE phone_number '
      + 'LIKE ANY($1::text[])',
    [AREA_CODES.map((a) => `+1${a}2%`)])).rows[0].n);
    log(`importing ${options.rows.toLocaleString('en-US')} rows with invitations`
      + `${options.breakdown ? ' (with the breakdown)' : ''} ...`);
    const script = fileURLToPath(import.meta.url);
    const args = ['--import', 'tsx', script, '--run', database.url, String(options.rows), prefix, String(phoneBase),
      options.breakdown ? 'breakdown' : 'plain'];
    const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 1 << 24 });
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as RunResult;
    const checks = await check(pool, prefix);
    await pool.end();

    const n = options.rows;
    const expected = expectedCounts(n);
    const total = result.stageSeconds + result.dryRunSeconds + result.applySeconds;
    const summary = result.summary as { create?: number; created?: number; failed?: number; error?: number;
      newOrganizations?: string[]; newGroups?: string[]; };
    const machine = `${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores, `
      + `${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}; ${database.description}`;
    const met = (ok: boolean) => (ok ? 'yes' : 'NO');
    const fmt = (v: number) => v.toLocaleString('en-US');
    const countsOk = result.status === 'finished' && summary.created === n && checks.users === n && checks.invited === n
      && checks.invitations === n
      && checks.memberships === expected.memberships && checks.managers === expected.managers;

    console.log('\n| Measure | Value | Target | Met |\n| --- | ---: | ---: | ---: |');
    console.log(`| Rows (${(result.csvBytes / 2 ** 20).toFixed(1)} MB of CSV) | ${fmt(n)} | | |`);
    console.log(`| Staging (upload read into import_rows) | ${result.stageSeconds.toFixed(1)} s | | |`);
    console.log(`| Dry run | ${result.dryRunSeconds.toFixed(1)} s | | |`);
    console.log(`| Apply (confirm and apply) | ${result.applySeconds.toFixed(1)} s | | |`);
    console.log(`| Total | ${total.toFixed(1)} s (${fmt(Math.round(n / total))} rows/s) | < ${TARGET_SECONDS} s | `
      + `${met(total < TARGET_SECONDS)} |`);
    console.log(`| Peak RSS of the importing process | ${result.peakRssMb.toFixed(0)} MB (`
      + `${result.rssBeforeMb.toFixed(0)} MB before staging; peak ${result.peakRssAfterStageMb.toFixed(0)} MB after `
      + `staging, ${result.peakRssAfterDryRunMb.toFixed(0)} MB after the dry run) | | |`);
    console.log(`| Users created | ${fmt(checks.users)} (job ${result.status}: ${fmt(summary.created ?? 0)} created, `
      + `${fmt(summary.failed ?? 0)} failed) | ${fmt(n)} | ${met(checks.users === n && summary.created === n)} |`);
    console.log(`| Invitations in mail_outbox | ${fmt(checks.invitations)} (users invited: ${fmt(checks.invited)}) | `
      + `${fmt(n)} | ${met(checks.invitations === n && checks.invited === n)} |`);
    console.log(`| Group memberships, Managers | ${fmt(checks.memberships)}, ${fmt(checks.managers)} | `
      + `${fmt(expected.memberships)}, ${fmt(expected.managers)} | `
      + `${met(checks.memberships === expected.memberships && checks.managers === expected.managers)} |`);
    console.log(`\n_${machine}; import mode "invite", ${summary.newOrganizations?.length ?? 0} new organizations and `
      + `${summary.newGroups?.length ?? 0} new groups; each phase timed as one runOne() of the import worker_`);
    printBreakdown(result);
    return countsOk ? 0 : 1;
  } finally {
    await database.close();
  }
}

if (process.argv[2] === '--run') {
  const [url, rows, prefix, phoneBase, mode] = process.argv.slice(3);
  runImport(url, Number(rows), prefix, Number(phoneBase), mode === 'breakdown').then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
} else {
  main().then((code) => process.exit(code), (err) => {
    console.error(err instanceof BenchSettingsError ? err.message : err);
    process.exit(1);
  });
}
