// Mass actions as durable jobs on a real PostgreSQL: every user is done whole or not at all,
// one failure does not stop the rest, a job survives a worker that was not running.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { startBulkWorker, type Staff } from '../../src/mass-actions/bulk-actions.js';
import { createServices, type Services } from '../../src/services.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { testEnv } from '../support/server.js';

let db: TestDatabase;
let services: Services;
let admin: Staff;

beforeAll(async () => {
  db = await createTestDatabase();
  services = createServices(loadConfig(testEnv({ DATABASE_URL: db.url })), db.database);
  const root = await services.users.create({ login: 'root', password: 'console password 1', role: 'ADMIN' }, CLI_ACTOR,
    ALL_USERS);
  admin = { actor: { type: 'user', id: root.id, label: 'root' }, scope: { kind: 'all' }, isAdmin: true };
});

afterAll(async () => {
  await db?.drop();
});

async function seed(prefix: string, n: number, organizationId: number | null = null): Promise<string[]> {
  const rows: { id: string }[] = await db.dataSource.query(
    `INSERT INTO users (login, organization_id) SELECT $1 || g, $3 FROM generate_series(1, $2) g RETURNING id::text AS `
      + `id`, [prefix, n, organizationId]);
  return rows.map((r) => r.id);
}

const count = async (sql: string, params: unknown[] = []) => Number((await db.dataSource.query(sql, params))[0].n);

async function runToEnd(jobId: string) {
  const worker = startBulkWorker({ jobs: services.bulkJobs, bulk: services.bulk, logger: createLogger('silent'),
    intervalMs: 60_000 });
  await worker.wake();
  await worker.stop();
  return services.bulk.find(jobId, admin);
}

it('blocks every user matching a filter, each completely, and records who did it', async () => {
  const ids = await seed('massblock', 120);
  const jobId = await services.bulk.start('block', { filter: { scope: { kind: 'all' }, q: 'massblock' } }, admin);
  const job = await runToEnd(jobId);
  expect(job).toMatchObject({ status: 'finished', total: 120, done: 120, failed: 0 });
  const [state] = await db.dataSource.query(
    `SELECT count(*) FILTER (WHERE blocked)::int AS blocked,
       (SELECT count(*)::int FROM audit_events
         WHERE action = 'user.blocked' AND actor_id = $2 AND target_user_id = ANY($1::bigint[])) AS events
     FROM users WHERE id = ANY($1::bigint[])`, [ids, admin.actor.id]);
  expect(state).toEqual({ blocked: 120, events: 120 });
  const [started] = await db.dataSource.query('SELECT details FROM audit_events WHERE action = '
    + "'users.mass_action_started' ORDER BY id DESC LIMIT 1");
  expect(started.details).toEqual({ job: jobId, action: 'block', users: 120 });
});

it('goes on after a user fails, and says why that one failed', async () => {
  const ids = await seed('massmixed', 5);
  const jobId = await services.bulk.start('delete', { ids: [...ids, admin.actor.id!] }, admin, { confirmedCount: 6 });
  const job = await runToEnd(jobId);
  expect(job).toMatchObject({ total: 6, done: 5, failed: 1 });
  expect(await services.bulk.items(jobId, 'failed', 10)).toEqual([
    { jobId, userId: admin.actor.id, label: 'root', error: 'You cannot delete your own account here: it would be gone '
      + 'for good at once, you would be signed out and could not get back in. Ask another Administrator.' },
  ]);
  expect((await db.dataSource.query('SELECT count(*)::int AS n FROM users WHERE id = ANY($1::bigint[])',
    [ids]))[0].n).toBe(0);
});

it("records a user's outcome with the user's change: when 'done' cannot be written, the block is undone",
  async () => {
    const [id] = await seed('massoutcome', 1);
    const jobId = await services.bulk.start('block', { ids: [id] }, admin);
    // The worker's process is cut off from recording 'done' (in PostgreSQL, as a lost connection would).
    await db.dataSource.query(`CREATE FUNCTION refuse_done() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'outcome refused for the test'; END $$`);
    await db.dataSource.query(`CREATE TRIGGER refuse_done BEFORE UPDATE ON bulk_job_items FOR EACH ROW
      WHEN (NEW.status = 'done') EXECUTE FUNCTION refuse_done()`);
    let job;
    try {
      job = await runToEnd(jobId);
    } finally {
      await db.dataSource.query('DROP TRIGGER refuse_done ON bulk_job_items');
      await db.dataSource.query('DROP FUNCTION refuse_done()');
    }
    // The item is reported failed, and the user is indeed untouched: the job's figures are true.
    expect(job).toMatchObject({ status: 'finished', done: 0, failed: 1 });
    const [user] = await db.dataSource.query('SELECT blocked FROM users WHERE id = $1', [id]);
    expect(user.blocked).toBe(false);
    expect(await count(`SELECT count(*) AS n FROM audit_events WHERE action = 'user.blocked' AND target_user_id = $1`,
      [id])).toBe(0);
  });

it('keeps a job until a worker takes it up, and hands out a lapsed claim again', async () => {
  const ids = await seed('massdurable', 10);
  const jobId = await services.bulk.start('end-sessions', { ids }, admin);
  expect(await services.bulk.find(jobId, admin)).toMatchObject({ status: 'running', done: 0 });
  // A worker that claimed three items and died: their lease runs out and another takes them.
  await db.dataSource.query("UPDATE bulk_job_items SET status = 'running', claimed_at = now() - interval '10 minutes' "
    + 'WHERE (job_id, user_id) IN (SELECT job_id, user_id FROM bulk_job_items WHERE job_id = $1 LIMIT 3)', [jobId]);
  expect(await runToEnd(jobId)).toMatchObject({ status: 'finished', done: 10, failed: 0 });
});

it("keeps a Manager's job inside their organization and their jobs to themselves", async () => {
  const org = await services.organizations.create('Mass org', CLI_ACTOR, { kind: 'all' });
  const mine = await seed('massscope', 3, org.id);
  const others = await seed('massscope-other', 3, null);
  const manager = await services.users.create({ login: 'massmanager', password: 'console password 1', role: 'MANAGER',
    organizationId: org.id }, CLI_ACTOR, ALL_USERS);
  const staff: Staff = { actor: { type: 'user', id: manager.id, label: 'massmanager' },
    scope: { kind: 'organization', organizationId: org.id }, isAdmin: false };
  const byFilter = await services.bulk.start('block', { filter: { scope: { kind: 'all' }, q: 'massscope' } }, staff);
  const byIds = await services.bulk.start('block', { ids: others }, staff);
  expect(await runToEnd(byFilter)).toMatchObject({ total: 3, done: 3 });
  expect(await services.bulk.find(byIds, staff)).toMatchObject({ total: 0, status: 'finished' });
  const blocked: { id: string }[] = await db.dataSource.query('SELECT id::text AS id FROM users WHERE login LIKE '
    + "'massscope%' AND blocked ORDER BY id");
  expect(blocked.map((r) => r.id)).toEqual(mine);
  const otherStaff: Staff = { ...staff, actor: { type: 'user', id: admin.actor.id, label: 'x' } };
  await expect(services.bulk.find(byFilter, { ...otherStaff, isAdmin: false })).rejects.toMatchObject({ status: 404 });
});

it('adds users matching a filter to a group, and removes ticked ones, recording each real change', async () => {
  const ids = await seed('massgroup', 30);
  const group = await services.groups.create({ name: 'Mass members' }, CLI_ACTOR, { kind: 'all' });
  await expect(services.bulk.start('add-to-group', { filter: { scope: { kind: 'all' }, q: 'massgroup' } },
    admin)).rejects.toMatchObject({ fields: { group: expect.any(String) } });
  const added = await services.bulk.start('add-to-group', { filter: { scope: { kind: 'all' }, q: 'massgroup' } }, admin,
    { groupId: group.id });
  expect(await runToEnd(added)).toMatchObject({ total: 30, done: 30, failed: 0 });
  expect((await services.groups.members(group.id)).map((m) => m.id).sort()).toEqual([...ids].sort());
  const removed = await services.bulk.start('remove-from-group', { ids: ids.slice(0, 10) }, admin,
    { groupId: group.id });
  expect(await runToEnd(removed)).toMatchObject({ total: 10, done: 10 });
  expect(await services.groups.members(group.id)).toHaveLength(20);
  const [{ n }] = await db.dataSource.query('SELECT count(*)::int AS n FROM audit_events WHERE action IN '
    + "('group.member_added', 'group.member_removed')");
  expect(n).toBe(40);
});

describe('deleting more than one user (issue 17 item 2)', () => {
  const jobsAndEvents = async () => [await count('SELECT count(*) AS n FROM bulk_jobs'),
    await count("SELECT count(*) AS n FROM audit_events WHERE action = 'users.mass_action_started'")];

  it('starts nothing unless the number typed is that of the users the job resolves', async () => {
    const ids = await seed('massconfirm', 12);
    const admins = await seed('massconfirm-admin', 2);
    await db.dataSource.query("UPDATE users SET role = 'ADMIN' WHERE id = ANY($1::bigint[])", [admins]);
    const filter = { filter: { scope: { kind: 'all' as const }, q: 'massconfirm' } };
    expect(await services.bulk.preview(filter, admin)).toMatchObject({ total: 14, administrators: 2,
      includesActor: false, first: expect.arrayContaining([expect.objectContaining({ id: ids[0] })]) });
    const before = await jobsAndEvents();
    await expect(services.bulk.start('delete', filter, admin)).rejects.toMatchObject({
      fields: { confirm: 'Type the number of users to delete, 14, to confirm.' } });
    await expect(services.bulk.start('delete', filter, admin, { confirmedCount: 13 })).rejects.toMatchObject({
      fields: { confirm: 'That is not the number of users to delete. Type 14 to confirm.' } });
    await expect(services.bulk.start('delete', filter, admin, { confirmedCount: null })).rejects.toMatchObject({
      fields: { confirm: expect.stringContaining('Type 14 to confirm') } });
    // Counted on the ticks as the job resolves them: an id of nobody does not count.
    await expect(services.bulk.start('delete', { ids: [...ids.slice(0, 3), '999999999'] }, admin,
      { confirmedCount: 4 })).rejects.toMatchObject({ fields: { confirm: expect.stringContaining('Type 3') } });
    // Nothing of the refused jobs is left: no job (nor its items), no event, every user still there.
    expect(await jobsAndEvents()).toEqual(before);
    expect(await count("SELECT count(*) AS n FROM users WHERE login LIKE 'massconfirm%'")).toBe(14);

    const jobId = await services.bulk.start('delete', filter, admin, { confirmedCount: 14 });
    expect(await runToEnd(jobId)).toMatchObject({ total: 14, done: 14, failed: 0 });
    // The same confirmation sent again finds nobody left, and starts nothing.
    await expect(services.bulk.start('delete', filter, admin, { confirmedCount: 14 })).rejects.toMatchObject({
      fields: { confirm: 'None of the selected users is left to delete.' } });
  });

  it('deletes a single user without a number typed', async () => {
    const [id] = await seed('massconfirm-single', 1);
    expect(await services.bulk.preview({ ids: [id] }, admin)).toMatchObject({ total: 1, administrators: 0 });
    const jobId = await services.bulk.start('delete', { ids: [id] }, admin);
    expect(await runToEnd(jobId)).toMatchObject({ total: 1, done: 1 });
  });
});
