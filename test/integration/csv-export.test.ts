// CSV export over HTTP from a signed-in console: the chosen columns, the list's filter and
// scope, escaping (quotes, commas, newlines, formula cells), never a password hash.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import { csvCell } from '../../src/provisioning/user-csv-export.js';
import { jobDataSweeper } from '../../src/jobs/job-retention.js';
import { consoleSession } from '../support/console-session.js';
import { parseCsv } from '../support/csv-import.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let orgA: number;

beforeAll(async () => {
  server = await startTestServer();
  const { users, organizations, settings, groups } = server.foyer.services;
  orgA = (await organizations.create('Export org', CLI_ACTOR, { kind: 'all' })).id;
  await settings.addCustomField({ key: 'team', label: 'Team', type: 'text' }, CLI_ACTOR);
  await users.create({ login: 'root', password: 'console password 1', role: 'ADMIN' }, CLI_ACTOR, ALL_USERS);
  await users.create({ login: 'boss', password: 'console password 1', role: 'MANAGER', organizationId: orgA },
    CLI_ACTOR, ALL_USERS);
  const tricky = await users.create({ login: 'exp-tricky', email: 'tricky@example.com',
    nickname: 'Smith, "Jr."\nthe second', givenName: '=HYPERLINK("x")', password: 'odd cases 99',
    organizationId: orgA, custom: { 'custom.team': 'Blue' } }, CLI_ACTOR, ALL_USERS);
  const group = await groups.create({ name: 'Exporters' }, CLI_ACTOR, { kind: 'all' });
  await groups.addMembers(group.id, [tricky.id], CLI_ACTOR, { kind: 'all' });
  for (let i = 0; i < 12; i += 1) await users.create({ login: `exp-plain${i}` }, CLI_ACTOR, ALL_USERS);
  await users.create({ login: 'bom-petr', givenName: 'Петр' }, CLI_ACTOR, ALL_USERS);
  await users.create({ login: 'bom-sean', givenName: 'Seán' }, CLI_ACTOR, ALL_USERS);
});

const bytesOf = async (res: Response) => Buffer.from(await res.arrayBuffer());
const BOM = [0xef, 0xbb, 0xbf];
afterAll(() => server?.close());

it('escapes cells and defuses formulas', () => {
  expect(csvCell('plain')).toBe('plain');
  expect(csvCell('a,b')).toBe('"a,b"');
  expect(csvCell('say "hi"')).toBe('"say ""hi"""');
  expect(csvCell('=1+2')).toBe("'=1+2");
  expect(csvCell(null)).toBe('');
});

it('exports the chosen columns of the filtered users, and never a password hash', async () => {
  const session = await consoleSession(server.issuer, 'root', 'console password 1');
  const chooser = await (await session.get('/admin/users/export?q=exp-')).text();
  expect(chooser).toContain('Export 13 users as CSV');
  expect(chooser).toContain('value="custom.team"');
  expect(chooser).not.toMatch(/name="column" value="[^"]*(password|hash)/i);

  const res = await session.get('/admin/users/export.csv?q=exp-&column=login&column=nickname&column=given_name'
    + '&column=custom.team&column=groups&column=organization&column=status');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
  expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="users-\d{4}-\d{2}-\d{2}\.csv"/);
  const rows = parseCsv(await res.text());
  // Columns come in the export's own order (built-in, then custom), whatever order the query named them.
  expect(rows[0]).toEqual(['login', 'nickname', 'given_name', 'status', 'organization', 'groups', 'custom.team']);
  expect(rows).toHaveLength(14);
  expect(rows.find((r) => r[0] === 'exp-tricky')).toEqual(['exp-tricky', 'Smith, "Jr."\nthe second',
    "'=HYPERLINK(\"x\")", 'active', 'Export org', 'Exporters', 'Blue']);
  const [event] = await server.db.dataSource.query("SELECT details FROM audit_events WHERE action = 'users.exported' "
    + 'ORDER BY id DESC LIMIT 1');
  // The file's columns come in the export's own order, whatever order the form sent.
  expect([...event.details.columns].sort()).toEqual([...rows[0]].sort());
});

describe('the encoding', () => {
  it('starts the file with a UTF-8 byte-order mark, so spreadsheets open Петр and Seán as written', async () => {
    const session = await consoleSession(server.issuer, 'root', 'console password 1');
    const chooser = await (await session.get('/admin/users/export?q=bom-')).text();
    expect(chooser).toMatch(/<input type="radio" name="encoding" value="spreadsheet" checked> A spreadsheet/);
    expect(chooser).toMatch(/<input type="radio" name="encoding" value="plain" > A script or another system/);
    for (const query of ['', '&encoding=spreadsheet', '&encoding=bogus']) {
      const bytes = await bytesOf(await session.get(`/admin/users/export.csv?q=bom-&column=login&column=given_name`
        + `${query}`));
      expect([...bytes.subarray(0, 3)]).toEqual(BOM);
      expect(bytes.subarray(3).toString('utf8')).toBe('login,given_name\r\nbom-petr,Петр\r\nbom-sean,Seán\r\n');
    }
  });

  it('leaves it out when plain UTF-8 is asked for', async () => {
    const session = await consoleSession(server.issuer, 'root', 'console password 1');
    const bytes = await bytesOf(await session.get('/admin/users/export.csv?q=bom-&column=login&column=given_name'
      + '&encoding=plain'));
    expect(bytes.toString('utf8')).toBe('login,given_name\r\nbom-petr,Петр\r\nbom-sean,Seán\r\n');
    const [event] = await server.db.dataSource.query("SELECT details FROM audit_events WHERE action = 'users.exported' "
      + 'ORDER BY id DESC LIMIT 1');
    expect(event.details.bom).toBe(false);
  });
});

it("limits a Manager's export to their organization", async () => {
  const session = await consoleSession(server.issuer, 'boss', 'console password 1');
  const rows = parseCsv(await (await session.get('/admin/users/export.csv?column=login')).text());
  expect(rows.slice(1).map((r) => r[0]).sort()).toEqual(['boss', 'exp-tricky']);
});

describe('as a job, beyond the threshold', () => {
  let jobServer: TestServer;
  beforeAll(async () => {
    jobServer = await startTestServer({ FOYER_EXPORT_JOB_THRESHOLD: '5' });
    await jobServer.foyer.services.users.create({ login: 'root', email: 'root@example.com',
      password: 'console password 1', role: 'ADMIN' }, CLI_ACTOR, ALL_USERS);
    for (let i = 0; i < 8; i += 1) {
      await jobServer.foyer.services.users.create({ login: `job-user${i}` }, CLI_ACTOR, ALL_USERS);
    }
  });
  afterAll(() => jobServer?.close());

  it('shows progress, then serves the same file, and emails the link', async () => {
    const session = await consoleSession(jobServer.issuer, 'root', 'console password 1');
    const started = await session.get('/admin/users/export.csv?q=job-user&column=login');
    expect(started.status).toBe(303);
    const page = started.headers.get('location')!;
    expect(page).toMatch(/^\/admin\/exports\/\d+$/);
    await jobServer.foyer.exportWorker.wake();
    const html = await (await session.get(page)).text();
    expect(html).toContain('Ready: 8 users.');
    expect(html).toMatch(/<progress id="export-progress" max="8" value="8"/);
    const file = await bytesOf(await session.get(`${page}/download`));
    expect([...file.subarray(0, 3)]).toEqual(BOM);
    const rows = parseCsv(file.subarray(3).toString('utf8'));
    expect(rows.map((r) => r[0])).toEqual(['login', ...Array.from({ length: 8 }, (_, i) => `job-user${i}`)]);
    await jobServer.foyer.mailWorker.wake();
    const [mail] = await jobServer.db.dataSource.query('SELECT status, text_body FROM mail_outbox WHERE template = '
      + "'export-ready'");
    expect(mail.status).toBe('outbox');
    expect(mail.text_body).toContain(`${jobServer.issuer}${page}`);

    // Some days after, the file (personal data) is deleted; the page says so and the download is gone.
    const sweep = jobDataSweeper(jobServer.db.database, 7);
    expect(await sweep()).toBe(0);
    await jobServer.db.dataSource.query("UPDATE export_jobs SET finished_at = now() - interval '8 days'");
    expect(await sweep()).toBeGreaterThan(0);
    expect(await jobServer.db.dataSource.query('SELECT * FROM export_chunks')).toEqual([]);
    expect(await (await session.get(page)).text()).toContain("This export's file was deleted");
    expect((await session.get(`${page}/download`)).status).toBe(404);
  });

  it('keeps the choice of plain UTF-8 for the download', async () => {
    const session = await consoleSession(jobServer.issuer, 'root', 'console password 1');
    const started = await session.get('/admin/users/export.csv?q=job-user&column=login&encoding=plain');
    const page = started.headers.get('location')!;
    await jobServer.foyer.exportWorker.wake();
    const file = await bytesOf(await session.get(`${page}/download`));
    expect(file.subarray(0, 7).toString('utf8')).toBe('login\r\n');
  });
});
