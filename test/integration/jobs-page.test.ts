// The console's Jobs page (issue 17 item 3) over HTTP: mass actions, imports and exports in
// one list, newest first, each linking to its own page; Administrators see everyone's, a
// Manager their own; keyset pages in numeric order; the events of a job link to it.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import { consoleSession, formToken } from '../support/console-session.js';
import { confirmImport, dryRun } from '../support/csv-import.js';
import type { HttpSession } from '../support/http-session.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'console password 1';
let server: TestServer;
let admin: HttpSession;
let manager: HttpSession;
const users: Record<string, string> = {};

const jobsOn = (html: string) => [...html.matchAll(/data-job="([a-z-]+-\d+)"/g)].map((m) => m[1]);
const unescape = (href: string) => href.replace(/&amp;/g, '&');

async function massAction(session: HttpSession, action: string, userId: string): Promise<string> {
  const _csrf = await formToken(session, '/admin/users');
  const res = await session.postForm('/admin/users/bulk', { _csrf, action, user: userId });
  expect(res.status).toBe(303);
  return /\/admin\/jobs\/(\d+)$/.exec(res.headers.get('location')!)![1];
}

beforeAll(async () => {
  // Every export is a job here, however small.
  server = await startTestServer({ FOYER_EXPORT_JOB_THRESHOLD: '0' });
  const { services } = server.foyer;
  const org = await services.organizations.create('Org A', CLI_ACTOR, ALL_USERS);
  await services.users.create({ login: 'root', email: 'root@example.com', password: PASSWORD, role: 'ADMIN' },
    CLI_ACTOR, ALL_USERS);
  await services.users.create({ login: 'boss', password: PASSWORD, role: 'MANAGER', organizationId: org.id },
    CLI_ACTOR, ALL_USERS);
  for (const login of ['jobuser1', 'jobuser2']) {
    users[login] = (await services.users.create({ login, password: PASSWORD, organizationId: org.id }, CLI_ACTOR,
      ALL_USERS)).id;
  }
  admin = await consoleSession(server.issuer, 'root', PASSWORD);
  manager = await consoleSession(server.issuer, 'boss', PASSWORD);
});

afterAll(async () => {
  await server?.close();
});

describe('the Jobs page', () => {
  const ids = {} as Record<'adminAction' | 'import' | 'export' | 'managerAction', string>;

  beforeAll(async () => {
    ids.adminAction = await massAction(admin, 'block', users.jobuser1);
    const imported = await dryRun(server, admin, 'login,email,organization\r\njob-imported,ji@example.com,Org A\r\n',
      'invite');
    ids.import = imported.id;
    await confirmImport(server, admin, ids.import);
    const exported = await admin.get('/admin/users/export.csv?column=login');
    expect(exported.status).toBe(303);
    ids.export = /\/admin\/exports\/(\d+)$/.exec(exported.headers.get('location')!)![1];
    ids.managerAction = await massAction(manager, 'end-sessions', users.jobuser2);
  });

  it("lists an Administrator every job, newest first, each linking to its page, and is in the console's navigation",
    async () => {
      const html = await (await admin.get('/admin/jobs')).text();
      expect(html).toContain('<a href="/admin/jobs" aria-current="page">Jobs</a>');
      expect(jobsOn(html)).toEqual([`mass-action-${ids.managerAction}`, `export-${ids.export}`,
        `import-${ids.import}`, `mass-action-${ids.adminAction}`]);
      expect(html).toContain(`<a href="/admin/jobs/${ids.adminAction}">Block: 1 user</a>`);
      expect(html).toContain(`<a href="/admin/imports/${ids.import}">Import of users.csv: 1 row</a>`);
      expect(html).toMatch(new RegExp(`<a href="/admin/exports/${ids.export}">Export of \\d+ users</a>`));
      expect(html).toContain(`<a href="/admin/jobs/${ids.managerAction}">End all sessions of: 1 user</a>`);
      expect(html).toContain('Finished: 1 created, 0 updated, 0 failed');
      expect(html).toMatch(/<a href="\/admin\/users\/\d+">boss<\/a>/);
      // Each link opens.
      for (const path of [`/admin/jobs/${ids.adminAction}`, `/admin/imports/${ids.import}`,
        `/admin/exports/${ids.export}`]) {
        expect((await admin.get(path)).status).toBe(200);
      }
      // One kind at a time.
      expect(jobsOn(await (await admin.get('/admin/jobs?kind=import')).text())).toEqual([`import-${ids.import}`]);
      expect(jobsOn(await (await admin.get('/admin/jobs?kind=nonsense')).text())).toHaveLength(4);
    });

  it('lists a Manager only the jobs they started', async () => {
    const html = await (await manager.get('/admin/jobs')).text();
    expect(jobsOn(html)).toEqual([`mass-action-${ids.managerAction}`]);
    expect(html).toContain('The mass actions, imports and exports you started');
    expect(jobsOn(await (await manager.get('/admin/jobs?kind=import')).text())).toEqual([]);
    expect((await manager.get(`/admin/imports/${ids.import}`)).status).toBe(404);
  });

  it('links the events of a job to its page, for whoever may open it', async () => {
    const events = await (await admin.get('/admin/events')).text();
    expect(events).toContain(`<a href="/admin/jobs/${ids.adminAction}" class="job-link">Mass action ${ids.adminAction}<`
      + '/a>');
    expect(events).toContain(`<a href="/admin/jobs/${ids.managerAction}" class="job-link">`);
    expect(events).toContain(`<a href="/admin/exports/${ids.export}" class="job-link">Export ${ids.export}</a>`);
    // The import's own events, and the user it created.
    const importLinks = events.split(`<a href="/admin/imports/${ids.import}" class="job-link">`).length - 1;
    expect(importLinks).toBeGreaterThanOrEqual(3);
    // The Manager sees the user the Administrator's import created in their organization, without a link to that
    // import, which is not theirs.
    const theirs = await (await manager.get('/admin/events?user=job-imported')).text();
    expect(theirs).toContain('user.created');
    expect(theirs).not.toContain(`/admin/imports/${ids.import}`);
  });
});

// After the jobs above: the four of them are among the 130.
describe('its pages', () => {
  it('pages through 130 jobs, newest first, without skipping or repeating one', async () => {
    const [{ id: rootId }] = await server.db.dataSource.query("SELECT id::text AS id FROM users WHERE login = 'root'");
    // Many of the same moment: the order then goes by kind and id, as numbers.
    await server.db.dataSource.query(`INSERT INTO bulk_jobs (action, actor_id, actor_label, scope, total, status,
        created_at, finished_at)
      SELECT 'block', $1, 'root', '{"kind":"all"}', 0, 'finished',
        CASE WHEN g % 3 = 0 THEN timestamptz '2030-01-01 12:00:00.123456+00' ELSE now() + g * interval '1 second' END,
        now()
      FROM generate_series(1, 110) g`, [rootId]);
    await server.db.dataSource.query(`INSERT INTO export_jobs (actor_id, actor_label, filter, columns, total, status,
        created_at)
      SELECT $1, 'root', '{}', '[]', 0, 'failed', timestamptz '2030-01-01 12:00:00.123456+00'
      FROM generate_series(1, 16) g`, [rootId]);
    const expected: string[] = (await server.db.dataSource.query(
      `SELECT kind || '-' || id AS job FROM (
         SELECT 'mass-action' AS kind, id, created_at FROM bulk_jobs
         UNION ALL SELECT 'import', id, created_at FROM import_jobs
         UNION ALL SELECT 'export', id, created_at FROM export_jobs) j
       ORDER BY j.created_at DESC, j.kind DESC, j.id DESC`)).map((r: { job: string }) => r.job);
    expect(expected.length).toBe(130);

    const seen: string[] = [];
    let path: string | undefined = '/admin/jobs';
    for (let pages = 0; path && pages < 10; pages += 1) {
      const html: string = await (await admin.get(path)).text();
      const onPage = jobsOn(html);
      expect(onPage.length).toBeLessThanOrEqual(50);
      seen.push(...onPage);
      const older: string | undefined = /<a href="([^"]+)" rel="next">Older ›<\/a>/.exec(html)?.[1];
      path = older ? unescape(older) : undefined;
    }
    expect(seen).toEqual(expected);
    // A cursor that is not one: the first page.
    expect(jobsOn(await (await admin.get('/admin/jobs?before=not-a-cursor')).text())).toEqual(expected.slice(0, 50));
  });
});
