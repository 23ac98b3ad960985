// The CSV import's dry run refuses whatever applying would refuse, so confirming does what
// the dry run said: the last active Administrator's demotion (counted row by row through the
// file), a row matched by email that names another login (an import never renames), and a
// login that is another user's email address or an email address another user's login (in
// the directory or earlier in the file), and the importer's own account blocked.
import { ALL_USERS } from '../../src/platform/access.js';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { consoleSession } from '../support/console-session.js';
import { confirmImport, dryRun, jobState } from '../support/csv-import.js';
import type { HttpSession } from '../support/http-session.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let admin: HttpSession;

const userBy = async (login: string) => (await server.db.dataSource.query('SELECT * FROM users WHERE login = $1',
  [login]))[0];
const count = async (table: string, where: string) => Number((await server.db.dataSource.query(
  `SELECT count(*)::int AS n FROM ${table} WHERE ${where}`))[0].n);
/** The row's cell of the dry run page (or results page), its words unescaped. */
const rowOf = (page: string, n: number) => (new RegExp(`<tr data-row="${n}">[\\s\\S]*?</tr>`).exec(page)?.[0] ?? '')
  .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/\s+/g, ' ');
const rowState = async (id: string, n: number) => (await server.db.dataSource.query(
  'SELECT action, errors, outcome, outcome_errors AS "outcomeErrors" FROM import_rows '
    + 'WHERE job_id = $1 AND row_no = $2', [id, n]))[0];

beforeAll(async () => {
  server = await startTestServer();
  await server.foyer.services.users.create({ login: 'root', email: 'root@example.com', password: 'console password 1',
    role: 'ADMIN', nickname: 'Root' }, CLI_ACTOR, ALL_USERS);
  admin = await consoleSession(server.issuer, 'root', 'console password 1');
});
afterAll(() => server?.close());

describe('the last active Administrator', () => {
  it('is refused in the dry run, counting the rows before it, and stays an Administrator', async () => {
    const { users } = server.foyer.services;
    await users.create({ login: 'adm-two', email: 'adm-two@example.com', role: 'ADMIN' }, CLI_ACTOR, ALL_USERS);
    // Two active Administrators: the first demotion leaves one, so the second is the last one's.
    const csv = 'login,email,nickname,role\r\nadm-two,adm-two@example.com,Two,Member\r\n'
      + 'root,root@example.com,Demoted root,Member\r\n';
    const { id, page } = await dryRun(server, admin, csv, 'invite');
    expect((await jobState(server, id)).summary).toMatchObject({ update: 1, error: 1 });
    expect(rowOf(page, 2)).toContain('Update');
    expect(rowOf(page, 3)).toContain('role: This is the last active Administrator. Make someone else an '
      + 'Administrator first.');
    expect((await rowState(id, 3)).action).toBe('error');

    const result = await confirmImport(server, admin, id);
    expect(result.replace(/\s+/g, ' ')).toContain('0 created, 1 updated, 0 unchanged, 1 failed');
    expect(await userBy('adm-two')).toMatchObject({ role: 'MEMBER', nickname: 'Two' });
    // Nothing of the refused row is written: not the role, not the nickname beside it.
    expect(await userBy('root')).toMatchObject({ role: 'ADMIN', nickname: 'Root' });
    // Since the own-account rule, root's own role is refused as well (and said so).
    expect((await rowState(id, 3)).outcomeErrors).toEqual([
      { column: 'role', message: 'This is the last active Administrator. Make someone else an Administrator first.' },
      { column: 'role', message: expect.stringMatching(/^You cannot change your own role/) }]);
  });

  it('counts an Administrator the file blocks before', async () => {
    const { users } = server.foyer.services;
    await users.create({ login: 'adm-three', email: 'adm-three@example.com', role: 'ADMIN' }, CLI_ACTOR, ALL_USERS);
    // root and adm-three are active; the file blocks adm-three first, so root is the last one when demoted.
    const csv = 'login,email,status,role\r\nadm-three,adm-three@example.com,blocked,Administrator\r\n'
      + 'root,root@example.com,active,Member\r\n';
    const { id, page } = await dryRun(server, admin, csv, 'invite');
    expect((await jobState(server, id)).summary).toMatchObject({ update: 1, error: 1 });
    expect(rowOf(page, 3)).toContain('role: This is the last active Administrator');
  });
});

describe('a row matched by email', () => {
  it('whose login differs is a conflict at the login cell, never a rename', async () => {
    const alice = await server.foyer.services.users.create({ login: 'conf-alice', email: 'conf-alice@example.com',
      nickname: 'Alice' }, CLI_ACTOR, ALL_USERS);
    const csv = 'login,email,nickname\r\nconf-alicia,conf-alice@example.com,Alicia\r\n';
    const { id, page } = await dryRun(server, admin, csv, 'invite');
    expect((await jobState(server, id)).summary).toMatchObject({ create: 0, update: 0, error: 1 });
    expect(rowOf(page, 2)).toContain('login: Conflict: this email address belongs to the user with login '
      + '"conf-alice", not "conf-alicia". An import never renames a user');
    await confirmImport(server, admin, id);
    expect(await userBy('conf-alice')).toMatchObject({ id: alice.id, nickname: 'Alice' });
    expect(await userBy('conf-alicia')).toBeUndefined();
    expect(await count('audit_events', `action = 'user.updated' AND target_user_id = ${alice.id}`)).toBe(0);
  });

  it('gets a login when it had none: nothing is renamed', async () => {
    const { users } = server.foyer.services;
    await users.create({ email: 'conf-nologin@example.com' }, CLI_ACTOR, ALL_USERS);
    const csv = 'login,email,nickname\r\nconf-new-login,conf-nologin@example.com,Given\r\n';
    const { id, page } = await dryRun(server, admin, csv, 'invite');
    expect(rowOf(page, 2)).toContain('login, nickname');
    await confirmImport(server, admin, id);
    expect(await userBy('conf-new-login')).toMatchObject({ email: 'conf-nologin@example.com', nickname: 'Given' });
  });
});

describe('logins and email addresses, unique across each other', () => {
  it('are checked in the dry run at the login or email cell, against the directory and the file', async () => {
    const { users } = server.foyer.services;
    await users.create({ login: 'cross-bob', email: 'cross-bob@example.com' }, CLI_ACTOR, ALL_USERS);
    await users.create({ login: 'cross-carol@example.com' }, CLI_ACTOR, ALL_USERS);
    await users.create({ login: 'cross-dave', email: 'cross-dave@example.com' }, CLI_ACTOR, ALL_USERS);
    const csv = [
      'login,email',
      'cross-bob@example.com,cross-new1@example.com', // a new user whose login is Bob's email address
      'cross-new2,cross-carol@example.com', // a new user whose email address is Carol's login
      'cross-dave,cross-carol@example.com', // Dave's new email address would be Carol's login
      'cross-w@example.com,cross-w2@example.com', // fine on its own…
      'cross-new3,cross-w@example.com', // …but this email address is row 5's login
      'cross-self@example.com,cross-self@example.com', // a login may be the user's own email address
    ].join('\r\n');
    const { id, page } = await dryRun(server, admin, csv, 'invite');
    expect((await jobState(server, id)).summary).toMatchObject({ create: 2, update: 0, error: 4 });
    expect(rowOf(page, 2)).toContain("login: This login is another user's email address");
    expect(rowOf(page, 3)).toContain("email: This email address is another user's login");
    expect(rowOf(page, 4)).toContain("email: This email address is another user's login");
    expect(rowOf(page, 5)).toContain('Create');
    expect(rowOf(page, 6)).toContain('email: Row 5 has this as its login; an email address may not be another '
      + "user's login");
    expect(rowOf(page, 7)).toContain('Create');

    const result = await confirmImport(server, admin, id);
    expect(result.replace(/\s+/g, ' ')).toContain('2 created, 0 updated, 0 unchanged, 4 failed');
    expect((await userBy('cross-dave')).email).toBe('cross-dave@example.com');
    expect(await userBy('cross-w@example.com')).toMatchObject({ email: 'cross-w2@example.com' });
    expect(await userBy('cross-self@example.com')).toMatchObject({ email: 'cross-self@example.com' });
    expect(await userBy('cross-new3')).toBeUndefined();
  });
});

describe("the importer's own account", () => {
  it('is refused a block in the dry run, at the status cell (a lock and a new role alike)', async () => {
    const csv = 'login,email,nickname,status\r\nroot,root@example.com,Blocked me,blocked\r\n';
    const { id, page } = await dryRun(server, admin, csv, 'invite');
    expect((await jobState(server, id)).summary).toMatchObject({ update: 0, error: 1 });
    expect(rowOf(page, 2)).toContain('status: You cannot block your own account: you would be signed out and could '
      + 'not get back in. Ask another Administrator.');
    await confirmImport(server, admin, id);
    expect(await userBy('root')).toMatchObject({ blocked: false, nickname: 'Root' });
  });
});
