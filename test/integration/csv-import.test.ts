// CSV import through the console: the dry run writes nothing and reports every bad cell by
// row and column; applying creates and updates through the directory's rules; a second run
// of the same file creates nobody twice; the three password options; a Manager's scope.
import bcrypt from 'bcrypt';
import { ALL_USERS } from '../../src/platform/access.js';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { jobDataSweeper } from '../../src/jobs/job-retention.js';
import { consoleSession } from '../support/console-session.js';
import { confirmImport, dryRun, jobState, parseCsv, uploadCsv } from '../support/csv-import.js';
import type { HttpSession } from '../support/http-session.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let admin: HttpSession;
let orgId: number;

const count = async (table: string,
  where = 'true') => Number((await server.db.dataSource.query(`SELECT count(*)::int AS n FROM ${table} WHERE `
    + `${where}`))[0].n);
const userBy = async (login: string) => (await server.db.dataSource.query('SELECT * FROM users WHERE login = $1',
  [login]))[0];

beforeAll(async () => {
  server = await startTestServer();
  const { users, organizations, settings } = server.foyer.services;
  orgId = (await organizations.create('Import org', CLI_ACTOR, { kind: 'all' })).id;
  await settings.addCustomField({ key: 'team', label: 'Team', type: 'select', options: 'Red\nBlue' }, CLI_ACTOR);
  await users.create({ login: 'root', email: 'root@example.com', password: 'console password 1', role: 'ADMIN' },
    CLI_ACTOR, ALL_USERS);
  await users.create({ login: 'boss', password: 'console password 1', role: 'MANAGER', organizationId: orgId },
    CLI_ACTOR, ALL_USERS);
  admin = await consoleSession(server.issuer, 'root', 'console password 1');
});
afterAll(() => server?.close());

describe('the dry run', () => {
  const csv = [
    'login,email,nickname,birthdate,role,custom.team',
    'imp-ok,imp-ok@example.com,Okay,1990-01-02,Member,Red',
    'imp-bad-mail,not-an-email,,,Member,',
    'imp-bad-role,imp-role@example.com,,,Emperor,',
    'imp-ok,imp-dup@example.com,Dup,,Member,',
    'imp-bad-date,imp-date@example.com,,1990-02-30,Member,Green',
    'imp-short,imp-short@example.com',
  ].join('\r\n');

  it('writes nothing, and shows each row with every error by row and column', async () => {
    const before = await Promise.all(['users', 'audit_events', 'mail_outbox', 'groups',
      'organizations'].map((t) => count(t)));
    const { id, page } = await dryRun(server, admin, csv, 'invite');
    expect(await Promise.all(['users', 'audit_events', 'mail_outbox', 'groups',
      'organizations'].map((t) => count(t)))).toEqual(before);

    expect((await jobState(server, id)).summary).toMatchObject({ create: 1, error: 5 });
    expect(page).toContain('Dry run: nothing has been written yet');
    const row = (n: number) => new RegExp(`<tr data-row="${n}">[\\s\\S]*?</tr>`).exec(page)?.[0] ?? '';
    expect(row(2)).toContain('Create');
    expect(row(3)).toContain('email: Enter a valid email address');
    expect(row(4)).toContain('role: Use Member, Manager or Administrator');
    expect(row(5)).toContain('login: Row 2 has this login too');
    expect(row(6)).toContain('birthdate: Use a real date');
    expect(row(6)).toContain('custom.team: Choose one of Red, Blue');
    expect(row(7)).toContain('This row has 2 cells; the header names 6 columns');

    // The errors as a CSV: the file's columns, then the row number and the errors.
    const errors = parseCsv(await (await admin.get(`/admin/imports/${id}/errors.csv`)).text());
    expect(errors[0]).toEqual(['login', 'email', 'nickname', 'birthdate', 'role', 'custom.team', 'import_row',
      'import_errors']);
    expect(errors.slice(1).map((r) => r[6])).toEqual(['3', '4', '5', '6', '7']);
    expect(errors[1][7]).toBe('email: Enter a valid email address');

    // Cancelling drops the staged rows; still nothing written.
    const token = /name="_csrf" value="([^"]+)"/.exec(page)![1];
    expect((await admin.postForm(`/admin/imports/${id}/cancel`, { _csrf: token })).status).toBe(303);
    expect((await jobState(server, id)).status).toBe('cancelled');
    expect(await count('import_rows', `job_id = ${id}`)).toBe(0);
    expect(await Promise.all(['users', 'audit_events', 'mail_outbox', 'groups',
      'organizations'].map((t) => count(t)))).toEqual([...before.slice(0, 1), before[1] + 1, ...before.slice(2)]);
  });

  it('applies the good rows only, reports the failed ones, and the errors file imports once fixed', async () => {
    const { id } = await dryRun(server, admin, csv, 'invite');
    const page = await confirmImport(server, admin, id);
    expect(page.replace(/\s+/g, ' ')).toContain('1 created, 0 updated, 0 unchanged, 5 failed');
    const created = await userBy('imp-ok');
    expect(created).toMatchObject({ email: 'imp-ok@example.com', nickname: 'Okay', birthdate: expect.anything(),
      custom_fields: { team: 'Red' } });
    expect(created.invited_at).not.toBeNull();
    expect(await count('mail_outbox', `template = 'invitation' AND user_id = ${created.id}`)).toBe(1);
    expect(await count('audit_events', `action = 'user.created' AND target_user_id = ${created.id}`)).toBe(1);
    expect(await count('audit_events', `action = 'users.imported' AND details->>'import' = '${id}'`)).toBe(1);
    // The admin hears that it is done, with a link to the results.
    const [notice] = await server.db.dataSource.query('SELECT to_address, params FROM mail_outbox WHERE template = '
      + "'import-finished' ORDER BY id DESC LIMIT 1");
    expect(notice).toEqual({ to_address: 'root@example.com',
      params: expect.objectContaining({ created: 1, failed: 5, path: `/admin/imports/${id}` }) });
    // The import page lists it among the recent imports.
    expect(await (await admin.get('/admin/users/import')).text()).toMatch(new RegExp(`href="/admin/imports/`
      + `${id}">users.csv</a>[\\s\\S]*?Finished: 1 created, 0 updated, 5 failed`));

    const errorsFile = await (await admin.get(`/admin/imports/${id}/errors.csv`)).text();
    const fixed = errorsFile
      .replace('not-an-email', 'imp-fixed@example.com').replace('Emperor', 'Manager').replace('imp-ok,imp-dup@',
        'imp-dup,imp-dup@')
      .replace('1990-02-30', '1990-02-28').replace(',Green,', ',Blue,').replace(/\r\nimp-short.*\r\n$/, '\r\n');
    const again = await dryRun(server, admin, fixed, 'invite');
    // The Manager row needs an organization; every other row is fixed.
    expect((await jobState(server, again.id)).summary).toMatchObject({ create: 3, error: 1 });
    expect(again.page).toContain('organization: A Manager needs an organization to manage');

    // Some days after, the staged rows (personal data, the file's cells) are deleted; the job's page says so.
    await server.db.dataSource.query(`UPDATE import_jobs SET finished_at = now() - interval '8 days' WHERE id = ${id}`);
    await jobDataSweeper(server.db.database, 7)();
    expect(await count('import_rows', `job_id = ${id}`)).toBe(0);
    expect(await count('import_rows', `job_id = ${again.id}`)).toBe(4);
    expect(await (await admin.get(`/admin/imports/${id}`)).text()).toContain('The rows of this import were deleted');
    expect((await admin.get(`/admin/imports/${id}/errors.csv`)).status).toBe(404);
  });
});

describe('files that cannot be imported', () => {
  it.each([
    ['an unknown column', 'login,shoe_size\r\nx,42\r\n', 'invite', 'Unknown column: shoe_size'],
    ['no identifier column', 'nickname\r\nx\r\n', 'invite',
      'Give at least one of the columns login, email or phone_number'],
    ['no email column for invitations', 'login\r\nx\r\n', 'invite', 'Invitations go by email'],
    ['a password column without that option', 'login,email,password\r\nx,x@example.com,secret secret\r\n', 'invite',
      'The password column is only read'],
    ['no rows', 'login,email\r\n', 'invite', 'has no rows to import'],
    ['an empty file', '', 'invite', 'The file is empty'],
    ['no password option', 'login,email\r\nx,x@example.com\r\n', '',
      'Choose how the imported users get their passwords'],
  ])('refuses %s with the reason next to the field, and keeps nothing', async (_case, csv, mode, message) => {
    const jobs = await count('import_jobs');
    const res = await uploadCsv(admin, csv, mode);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain(message);
    expect(html).toMatch(/class="field-error" id="(file|mode)-error"/);
    expect(await count('import_jobs')).toBe(jobs);
  });

  it('refuses a file that is not UTF-8', async () => {
    const latin1 = Buffer.concat([Buffer.from('login,email,nickname\r\nimp-latin,imp-latin@example.com,Ren'),
      Buffer.from([0xe9]), Buffer.from('\r\n')]);
    const res = await uploadCsv(admin, latin1, 'invite');
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('The file is not UTF-8 text');
  });

  it('refuses an upload without the form token', async () => {
    const form = new FormData();
    form.append('mode', 'invite');
    form.append('file', new Blob(['login,email\r\nx,x@example.com\r\n']), 'x.csv');
    expect((await admin.post('/admin/users/import', form)).status).toBe(403);
  });
});

describe('separators', () => {
  it('imports a semicolon-separated file, as spreadsheets write CSV in many languages', async () => {
    const csv = '\uFEFFlogin;email;nickname;family_name;groups\r\n'
      + 'semi-petr;semi-petr@example.com;"Петр; the first";Иванов;Semi A\r\n'
      + 'semi-sean;semi-sean@example.com;"Seán, Jr.";Ó Briain;"Semi A;Semi B"\r\n';
    const { id, page } = await dryRun(server, admin, Buffer.from(csv, 'utf8'), 'invite');
    expect((await jobState(server, id)).summary).toMatchObject({ create: 2, error: 0 });
    expect(page).toContain('semi-petr');
    await confirmImport(server, admin, id);
    expect(await userBy('semi-petr')).toMatchObject({ email: 'semi-petr@example.com', nickname: 'Петр; the first',
      family_name: 'Иванов' });
    const sean = await userBy('semi-sean');
    expect(sean).toMatchObject({ nickname: 'Seán, Jr.', family_name: 'Ó Briain' });
    // A spreadsheet quotes a cell that holds the separator, as the groups cell with two groups.
    expect((await server.foyer.services.groups.groupsOf(sean.id)).map((g) => g.name).sort()).toEqual(['Semi A',
      'Semi B']);
  });

  it.each([
    ['a header that mixes commas and semicolons', 'login,email;nickname\r\nx,x@example.com;X\r\n',
      'The first line separates its column names with both commas (,) and semicolons (;)'],
    ['a row separated with semicolons in a comma-separated file',
      'login,email,nickname\r\n"sep-x";"sep-x@example.com";"X"\r\n',
      'The file could not be read as CSV at line 2: a quoted cell is followed by ";", but this file separates its '
        + 'cells with commas (,), as its first line does. Use the same separator on every line'],
    ['a row separated with commas in a semicolon-separated file',
      'login;email;nickname\r\n"sep-y","sep-y@example.com","Y"\r\n',
      'a quoted cell is followed by ",", but this file separates its cells with semicolons (;)'],
    ['a tab-separated file', 'login\temail\r\nx\tx@example.com\r\n', 'The columns of this file are separated by tabs'],
    ['a quote left open', 'login,email,nickname\r\nsep-z,sep-z@example.com,"Zed\r\n',
      'a double quote (") opened after row 1 is never closed'],
    ['a quote in the middle of a cell', 'login,email,nickname\r\nsep-q,sep-q@example.com,O"Brien\r\n',
      'The file could not be read as CSV at line 2: a double quote (") appears in the middle of a cell'],
  ])('refuses %s in plain words, never the parser\'s', async (_case, csv, message) => {
    const jobs = await count('import_jobs');
    const res = await uploadCsv(admin, csv, 'invite');
    expect(res.status).toBe(422);
    const html = (await res.text()).replace(/&quot;/g, '"').replace(/&#39;/g, "'");
    expect(html).toMatch(/class="field-error" id="file-error"/);
    expect(html).toContain(message);
    expect(html).not.toMatch(/Invalid (Closing|Opening) Quote|Quote Not Closed|instead of delimiter|trimable/i);
    expect(await count('import_jobs')).toBe(jobs);
  });

  it('says which separator a row with too few cells seems to use', async () => {
    const { page } = await dryRun(server, admin, 'login;email;nickname\r\nsep-w,sep-w@example.com,W\r\n', 'invite');
    expect(page.replace(/&quot;/g, '"')).toContain('This row has 1 cell; the header names 3 columns. The file '
      + 'separates its cells with ";" (as its first line does), but this row seems to use ","');
  });
});

describe('matching and updating', () => {
  it('matches by login, then email; updates what differs; a second run of the same file changes nothing', async () => {
    const { users, groups } = server.foyer.services;
    const existing = await users.create({ login: 'imp-match', email: 'imp-match@example.com', nickname: 'Before',
      password: 'match words 12' }, CLI_ACTOR, ALL_USERS);
    const old = await groups.create({ name: 'Old group' }, CLI_ACTOR, { kind: 'all' });
    await groups.addMembers(old.id, [existing.id], CLI_ACTOR, { kind: 'all' });
    const csv = [
      'login,email,nickname,organization,groups,status',
      'imp-match,imp-match@example.com,After,Import org,Alpha;Beta,blocked',
      ',imp-match@example.com,After,Import org,Alpha;Beta,blocked',
      'imp-new,imp-new@example.com,New,New org,Alpha,',
    ].join('\r\n');
    const first = await dryRun(server, admin, csv, 'invite');
    expect((await jobState(server, first.id)).summary).toMatchObject({ update: 1, create: 1, error: 1,
      newOrganizations: ['New org'] });
    expect(first.page).toContain('nickname, organization, groups, status');
    expect(first.page).toContain('email: Row 2 has this email too');
    expect(first.page).toMatch(/New groups: .*Alpha \(Import org\)/);
    await confirmImport(server, admin, first.id);

    const updated = await userBy('imp-match');
    expect(updated).toMatchObject({ nickname: 'After', organization_id: orgId, blocked: true });
    expect((await groups.groupsOf(existing.id)).map((g) => g.name).sort()).toEqual(['Alpha', 'Beta']);
    expect(await count('audit_events', `action = 'user.blocked' AND target_user_id = ${existing.id}`)).toBe(1);
    const created = await userBy('imp-new');
    const newOrg = (await server.db.dataSource.query("SELECT id FROM organizations WHERE name = 'New org'"))[0].id;
    expect(created.organization_id).toBe(newOrg);
    expect((await groups.groupsOf(created.id)).map((g) => g.name)).toEqual(['Alpha']);
    // Alpha exists twice now: one in each organization, each user in their own.
    expect(await count('groups', "name = 'Alpha'")).toBe(2);

    const users0 = await count('users');
    const second = await dryRun(server, admin, csv, 'invite');
    expect((await jobState(server, second.id)).summary).toMatchObject({ create: 0, update: 0, unchanged: 2 });
    await confirmImport(server, admin, second.id);
    expect(await count('users')).toBe(users0);
  });

  it('refuses a row whose login and email belong to two different users', async () => {
    const { users } = server.foyer.services;
    await users.create({ login: 'imp-one', email: 'imp-one@example.com' }, CLI_ACTOR, ALL_USERS);
    await users.create({ login: 'imp-two', email: 'imp-two@example.com' }, CLI_ACTOR, ALL_USERS);
    const { page } = await dryRun(server, admin, 'login,email\r\nimp-one,imp-two@example.com\r\n', 'invite');
    expect(page).toContain('email: This email is already in use by another user');
  });
});

describe('passwords', () => {
  it('sets the passwords given, after the policy; the plain text does not stay in the database', async () => {
    const csv = 'login,email,password\r\nimp-pw,imp-pw@example.com,correct horse '
      + '42\r\nimp-weak,imp-weak@example.com,short\r\n';
    const { id, page } = await dryRun(server, admin, csv, 'given');
    expect(page).toContain('password: Use at least 8 characters');
    expect(await count('import_rows', `job_id = ${id} AND cells::text LIKE '%correct horse%'`)).toBe(0);
    await confirmImport(server, admin, id);
    expect((await server.foyer.services.users.signIn('imp-pw', 'correct horse 42')).outcome).toBe('ok');
    expect(await count('import_rows', `job_id = ${id} AND (cells ? '_hashed_password' OR cells ? 'password')`)).toBe(0);
    // Not a password change for nobody: no invitation, and the address gets a confirmation email.
    const user = await userBy('imp-pw');
    expect(user.invited_at).toBeNull();
    expect(await count('mail_outbox', `template = 'email-verification' AND user_id = ${user.id}`)).toBe(1);
  });

  it('imports bcrypt hashes that then sign in, and refuses what is not one', async () => {
    const hash = await bcrypt.hash('migrated secret 7', 4);
    const csv = `login,email_verified,email,password_hash\r\nimp-hash,true,imp-hash@example.com,`
      + `${hash}\r\nimp-nohash,false,imp-nohash@example.com,plaintext\r\n`;
    const { id, page } = await dryRun(server, admin, csv, 'hash');
    expect(page).toContain('password_hash: This is not a bcrypt hash');
    await confirmImport(server, admin, id);
    expect((await server.foyer.services.users.signIn('imp-hash', 'migrated secret 7')).outcome).toBe('ok');
    const user = await userBy('imp-hash');
    expect(user.email_verified).toBe(true);
    expect(await count('mail_outbox', `user_id = ${user.id}`)).toBe(0);
    expect(await count('import_rows', `job_id = ${id} AND cells ? 'password_hash'`)).toBe(0);
  });
});

describe("a Manager's import", () => {
  it('stays inside their organization', async () => {
    const { users } = server.foyer.services;
    await users.create({ login: 'imp-outsider', email: 'imp-outsider@example.com' }, CLI_ACTOR, ALL_USERS);
    const manager = await consoleSession(server.issuer, 'boss', 'console password 1');
    const csv = [
      'login,email,role,organization',
      'imp-mine,imp-mine@example.com,Member,',
      'imp-outsider,imp-outsider@example.com,Member,',
      'imp-admin,imp-admin@example.com,Administrator,',
      'imp-elsewhere,imp-elsewhere@example.com,Member,Other org',
      'root,,Member,',
    ].join('\r\n');
    const { id, page } = await dryRun(server, manager, csv, 'invite');
    expect((await jobState(server, id)).summary).toMatchObject({ create: 1, error: 4 });
    expect(page).toContain('This user belongs to another organization');
    expect(page).toContain('role: Only an Administrator can grant the Administrator role');
    expect(page).toContain('organization: You can only manage users of your own organization');
    // A Manager's import is theirs and Administrators' to see; an Administrator's is not the Manager's.
    expect((await admin.get(`/admin/imports/${id}`)).status).toBe(200);
    const adminsImport = (await server.db.dataSource.query('SELECT id::text AS id FROM import_jobs WHERE actor_label '
      + "= 'root' LIMIT 1"))[0].id;
    expect((await manager.get(`/admin/imports/${adminsImport}`)).status).toBe(404);
    expect((await manager.get(`/admin/imports/${adminsImport}/errors.csv`)).status).toBe(404);
    await confirmImport(server, manager, id);
    expect((await userBy('imp-mine')).organization_id).toBe(orgId);
    expect(await userBy('imp-elsewhere')).toBeUndefined();
  });
});
