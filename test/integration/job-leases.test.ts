// A Foyer process that dies in the middle of a mass action or an import does not leave its
// work stuck until an old five-minute lease runs out: another process takes it up within the
// (configurable, short) lease, and each user is handled once — none skipped, none twice.
// The processes are real `npm start`s, killed with SIGKILL as a crash or an OOM kill would.
import { Readable } from 'node:stream';
import { ALL_USERS } from '../../src/platform/access.js';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { loadConfig } from '../../src/config/config.js';
import { createServices, type Services } from '../../src/services.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { freePort, startFoyerProcess, type FoyerProcess } from '../support/processes.js';
import { testEnv } from '../support/server.js';
import type { Staff } from '../../src/mass-actions/bulk-actions.js';

let db: TestDatabase;
let services: Services;
let staff: Staff;
const running: FoyerProcess[] = [];

const LEASE_SECONDS = 3;
const USERS = 1500;

async function startFoyer(env: Record<string, string> = {}): Promise<FoyerProcess> {
  const foyer = await startFoyerProcess({ DATABASE_URL: db.url, PORT: String(await freePort()), LOG_LEVEL: 'warn',
    FOYER_JOB_LEASE_SECONDS: String(LEASE_SECONDS), ...env });
  running.push(foyer);
  return foyer;
}

const one = async <T>(sql: string, values: unknown[] = []): Promise<T> => (await db.dataSource.query(sql, values))[0];

async function waitFor(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  services = createServices(loadConfig(testEnv({ DATABASE_URL: db.url })), db.database);
  const root = await services.users.create({ login: 'job-admin', email: 'job-admin@example.com',
    password: 'lease admin pass 1', role: 'ADMIN' }, CLI_ACTOR, ALL_USERS);
  staff = { actor: { type: 'user', id: root.id, label: 'job-admin' }, scope: { kind: 'all' }, isAdmin: true };
}, 120_000);

afterEach(async () => {
  for (const foyer of running.splice(0)) await foyer.stop('SIGKILL');
});
afterAll(() => db?.drop());

it('takes up a mass action whose process was killed, within the lease, blocking every user exactly once', async () => {
  await db.dataSource.query(`INSERT INTO users (login, email) SELECT 'lease-' || g, 'lease-' || g || '@example.com' `
    + `FROM generate_series(1, ${USERS}) g`);
  const jobId = await services.bulk.start('block', { filter: { scope: { kind: 'all' }, q: 'lease-' } }, staff);
  const progress = () => one<{ done: number; running: number; pending: number }>(
    `SELECT count(*) FILTER (WHERE status = 'done')::int AS done,
       count(*) FILTER (WHERE status = 'running')::int AS running,
       count(*) FILTER (WHERE status = 'pending')::int AS pending FROM bulk_job_items WHERE job_id = $1`, [jobId]);
  expect((await progress()).pending).toBe(USERS);

  const first = await startFoyer();
  // Killed while it holds a batch (between two batches it holds none, and there would be nothing to take up).
  await waitFor(async () => {
    const p = await progress();
    return p.done >= 300 && p.running > 0;
  }, 60_000, 'the first process to make progress');
  await first.stop('SIGKILL');
  const atCrash = await progress();
  expect(atCrash.done).toBeLessThan(USERS);
  expect(atCrash.running).toBeGreaterThan(0); // claimed by the dead process

  const orphaned: string[] = (await db.dataSource.query(
    `SELECT user_id::text AS id FROM bulk_job_items WHERE job_id = $1 AND status = 'running'`,
    [jobId])).map((r: { id: string }) => r.id);
  const killedAt = Date.now();
  await startFoyer();
  // The dead process's items are taken up once their lease lapses, well before the old five minutes.
  await waitFor(async () => (await one<{ n: number }>(
    `SELECT count(*)::int AS n FROM bulk_job_items WHERE job_id = $1 AND user_id = ANY($2::bigint[]) AND status <> `
      + `'done'`, [jobId, orphaned])).n === 0,
  90_000, "the dead process's items to be done");
  expect(Date.now() - killedAt).toBeLessThan(45_000);
  await waitFor(async () => (await one<{ status: string }>('SELECT status FROM bulk_jobs WHERE id = $1',
    [jobId])).status === 'finished', 120_000, 'the job to finish');

  expect(await progress()).toEqual({ done: USERS, running: 0, pending: 0 });
  expect(await one('SELECT count(*)::int AS n FROM users WHERE login LIKE $1 AND NOT blocked',
    ['lease-%'])).toEqual({ n: 0 });
  // Every user blocked, none skipped. An item whose block committed just before the kill but
  // was not yet marked done is blocked again (a second event): the action and the item's
  // settlement are two transactions until the one-unit-of-work step (issue 15) joins them,
  // so at most the items the dead process held can repeat.
  const events = await one<{ users: number; events: number }>(
    `SELECT count(DISTINCT target_user_id)::int AS users, count(*)::int AS events FROM audit_events WHERE action = `
      + `'user.blocked'`);
  expect(events.users).toBe(USERS);
  expect(events.events - USERS).toBeLessThanOrEqual(orphaned.length);
}, 240_000);

it('keeps an import leased while a long batch runs, and another process finishes it after a crash, each row once',
  async () => {
  // 300 given passwords hashed at cost 11 in the dry run: one batch that takes several leases
  // even on an idle machine.
    const rows = Array.from({ length: 300 }, (_, i) => `imp-${i},imp-${i}@example.com,imported password ${i}!`);
    const csv = ['login,email,password', ...rows].join('\r\n');
    const jobId = await services.imports.stage(Readable.from([csv]), 'lease.csv', 'given', { ...staff, email: null });
    const job = () => one<{ status: string; age: number; analyzed: number }>(
      'SELECT status, analyzed, extract(epoch FROM now() - claimed_at)::float AS age FROM import_jobs WHERE id = $1',
      [jobId]);

    const first = await startFoyer({ BCRYPT_COST: '11' });
    await waitFor(async () => (await job()).age !== null, 60_000, 'the first process to claim the import');
    // While it works, its lease never gets older than the lease (the heartbeat renews it).
    let oldest = 0;
    for (const until = Date.now() + 2.5 * LEASE_SECONDS * 1000; Date.now() < until;) {
      const state = await job();
      expect(state.status).toBe('analyzing');
      oldest = Math.max(oldest, state.age);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(oldest).toBeLessThan(LEASE_SECONDS);
    await first.stop('SIGKILL');

    await startFoyer({ BCRYPT_COST: '11' });
    await waitFor(async () => (await job()).status === 'ready', 120_000, 'the dry run to finish in the second process');
    await services.imports.confirm(jobId, { ...staff, email: null });
    await waitFor(async () => (await job()).status === 'finished', 60_000, 'the import to finish');
    const { summary } = await one<{ summary: Record<string, number> }>('SELECT summary FROM import_jobs WHERE id = $1',
      [jobId]);
    expect(summary).toMatchObject({ create: 300, created: 300, failed: 0 });
    expect(await one('SELECT count(*)::int AS n FROM users WHERE login LIKE $1', ['imp-%'])).toEqual({ n: 300 });
  }, 240_000);
