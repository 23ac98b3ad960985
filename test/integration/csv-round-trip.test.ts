// Export → import into an empty directory reproduces the users (every column the export
// writes, but Foyer's own ids and times), group names with the groups cell's separator in
// them included, and a 10,000-row file imports in one job.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import { undefuse } from '../../src/provisioning/csv-reader.js';
import { exportColumns } from '../../src/provisioning/user-csv-export.js';
import { consoleSession } from '../support/console-session.js';
import { confirmImport, dryRun, jobState, parseCsv } from '../support/csv-import.js';
import { startTestServer, type TestServer } from '../support/server.js';

let source: TestServer;
let target: TestServer;
const ALL = { kind: 'all' } as const;

async function exportAll(server: TestServer, q: string): Promise<string> {
  const session = await consoleSession(server.issuer, 'root', 'console password 1');
  const columns = exportColumns((await server.foyer.services.settings.current()).customFields).map((c) => `column=`
    + `${encodeURIComponent(c.key)}`).join('&');
  const res = await session.get(`/admin/users/export.csv?q=${q}&${columns}`);
  expect(res.status).toBe(200);
  return res.text();
}

/** The rows by login as a spreadsheet would show them, without what Foyer assigns itself (id, times). */
function comparable(csv: string): Record<string, Record<string, string>> {
  const [header, ...rows] = parseCsv(csv);
  return Object.fromEntries(rows.map((r) => {
    const record = Object.fromEntries(header.map((h,
      i) => [h, undefuse(r[i])]).filter(([h]) => !['id', 'created_at', 'last_sign_in_at'].includes(h)));
    return [record.login, record];
  }));
}

async function prepare(server: TestServer): Promise<void> {
  const { users, settings } = server.foyer.services;
  await settings.addCustomField({ key: 'team', label: 'Team', type: 'text' }, CLI_ACTOR);
  await settings.addCustomField({ key: 'seats', label: 'Seats', type: 'number' }, CLI_ACTOR);
  await users.create({ login: 'root', password: 'console password 1', role: 'ADMIN' }, CLI_ACTOR, ALL_USERS);
}

beforeAll(async () => {
  [source, target] = await Promise.all([startTestServer(), startTestServer()]);
  await Promise.all([prepare(source), prepare(target)]);
  const { users, organizations, groups, lifecycle } = source.foyer.services;
  const orgA = (await organizations.create('Org A', CLI_ACTOR, { kind: 'all' })).id;
  const everyone = await groups.create({ name: 'Everyone' }, CLI_ACTOR, ALL);
  const teamA = await groups.create({ name: 'Team A', organizationId: orgA }, CLI_ACTOR, ALL);
  const made = [
    await users.create({ login: 'rt-anna', email: 'anna@example.com', emailVerified: true, phoneNumber: '+14155550101',
      givenName: 'Anna', familyName: 'Ångström',
      nickname: 'Anna, "the first"', birthdate: '1985-04-12', picture: 'https://example.com/anna.png', organizationId: orgA, role: 'MANAGER',
      custom: { 'custom.team': '=SUM(A1)', 'custom.seats': '3' } }, CLI_ACTOR, ALL_USERS),
    await users.create({ login: 'rt-bert', email: 'bert@example.com', givenName: 'Bert', nickname: 'line one\nline two',
      organizationId: orgA }, CLI_ACTOR, ALL_USERS),
    await users.create({ login: 'rt-cleo', email: 'cleo@example.com', role: 'ADMIN', custom: { 'custom.team': 'Ops' } },
      CLI_ACTOR, ALL_USERS),
    await users.create({ login: 'rt-dora', email: 'dora@example.com', phoneNumber: '+14155550104' }, CLI_ACTOR,
      ALL_USERS),
    await users.create({ login: 'rt-emil', email: 'emil@example.com', familyName: '-minus' }, CLI_ACTOR, ALL_USERS),
  ];
  await groups.addMembers(everyone.id, made.map((u) => u.id), CLI_ACTOR, ALL);
  await groups.addMembers(teamA.id, [made[0].id, made[1].id], CLI_ACTOR, ALL);
  await lifecycle.block(made[3].id, CLI_ACTOR, ALL_USERS);
  await lifecycle.lock(made[4].id, { reason: 'Imported as locked' }, CLI_ACTOR, ALL);
});
afterAll(async () => {
  await Promise.all([source?.close(), target?.close()]);
});

it('reproduces the exported users in an empty directory', async () => {
  const exported = await exportAll(source, 'rt-');
  const admin = await consoleSession(target.issuer, 'root', 'console password 1');
  const { id } = await dryRun(target, admin, exported, 'invite');
  expect((await jobState(target, id)).summary).toMatchObject({ create: 5, update: 0, error: 0,
    newOrganizations: ['Org A'] });
  await confirmImport(target, admin, id);

  const before = comparable(exported);
  const after = comparable(await exportAll(target, 'rt-'));
  expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
  for (const login of Object.keys(before)) {
    // Every new user was invited, so the ones that were simply active now wait for their invitation.
    const expected = before[login].status === 'active' ? { ...before[login], status: 'invited' } : before[login];
    expect({ login, ...after[login] }).toEqual({ login, ...expected });
  }
  expect(after['rt-anna']).toMatchObject({ family_name: 'Ångström', nickname: 'Anna, "the first"',
    phone_number: '+14155550101', 'custom.team': '=SUM(A1)', groups: 'Everyone;Team A' });
  expect(after['rt-dora'].status).toBe('blocked');
  expect(after['rt-emil'].status).toBe('locked');
});

it('keeps a group whose name holds the separator whole, as the spreadsheet file it was exported as', async () => {
  const { users, groups } = source.foyer.services;
  const oncall = await groups.create({ name: 'Ops, on-call; EU' }, CLI_ACTOR, ALL);
  const backslash = await groups.create({ name: 'R\\D; \\;' }, CLI_ACTOR, ALL);
  const petr = await users.create({ login: 'grp-petr', email: 'grp-petr@example.com', givenName: 'Петр' }, CLI_ACTOR,
    ALL_USERS);
  const sean = await users.create({ login: 'grp-sean', email: 'grp-sean@example.com', givenName: 'Seán' }, CLI_ACTOR,
    ALL_USERS);
  await groups.addMembers(oncall.id, [petr.id, sean.id], CLI_ACTOR, ALL);
  await groups.addMembers(backslash.id, [sean.id], CLI_ACTOR, ALL);

  // The file as the browser saves it: the bytes, byte-order mark first.
  const session = await consoleSession(source.issuer, 'root', 'console password 1');
  const res = await session.get('/admin/users/export.csv?q=grp-&column=login&column=email&column=given_name'
    + '&column=groups');
  const file = Buffer.from(await res.arrayBuffer());
  expect([...file.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  expect(file.subarray(3).toString('utf8')).toContain('grp-sean,grp-sean@example.com,Seán,'
    + '"Ops, on-call\\; EU;R\\\\D\\; \\\\\\;"');

  const admin = await consoleSession(target.issuer, 'root', 'console password 1');
  const { id, page } = await dryRun(target, admin, file, 'invite');
  expect((await jobState(target, id)).summary).toMatchObject({ create: 2, error: 0,
    newGroups: ['Ops, on-call; EU', 'R\\D; \\;'] });
  expect(page).toContain('New groups: Ops, on-call; EU, R&#92;D; &#92;;</li>'); // two groups, not three
  await confirmImport(target, admin, id);
  const groupsOf = async (login: string) => {
    const user = (await target.db.dataSource.query('SELECT id::text AS id, given_name FROM users WHERE login = $1',
      [login]))[0];
    return { givenName: user.given_name,
      groups: (await target.foyer.services.groups.groupsOf(user.id)).map((g) => g.name).sort() };
  };
  expect(await groupsOf('grp-petr')).toEqual({ givenName: 'Петр', groups: ['Ops, on-call; EU'] });
  expect(await groupsOf('grp-sean')).toEqual({ givenName: 'Seán', groups: ['Ops, on-call; EU', 'R\\D; \\;'] });
  expect(await target.db.dataSource.query("SELECT name FROM groups WHERE name IN ('Ops, on-call', 'EU')")).toEqual([]);
});

it('imports 10,000 rows with invitations in one job', async () => {
  const admin = await consoleSession(target.issuer, 'root', 'console password 1');
  const lines = ['login,email,given_name,organization,groups'];
  for (let i = 0; i < 10_000; i += 1) {
    lines.push(`bulk-${i},bulk-${i}@example.com,Bulk ${i},Bulk org ${i % 5},Bulk group ${i % 3}`);
  }
  const before = Number((await target.db.dataSource.query('SELECT count(*)::int AS n FROM users'))[0].n);
  const started = Date.now();
  const { id } = await dryRun(target, admin, lines.join('\r\n'), 'invite');
  expect((await jobState(target, id)).summary).toMatchObject({ create: 10_000, error: 0 });
  const page = await confirmImport(target, admin, id);
  expect(page.replace(/\s+/g, ' ')).toContain('10000 created, 0 updated, 0 unchanged, 0 failed');
  const q = async (text: string) => Number((await target.db.dataSource.query(text))[0].n);
  expect(await q('SELECT count(*)::int AS n FROM users')).toBe(before + 10_000);
  expect(await q(`SELECT count(*)::int AS n FROM mail_outbox
    WHERE template = 'invitation' AND to_address LIKE 'bulk-%'`)).toBe(10_000);
  expect(await q("SELECT count(*)::int AS n FROM audit_events WHERE action = 'user.created' AND target_label LIKE "
    + "'bulk-%'")).toBe(10_000);
  expect(await q('SELECT count(*)::int AS n FROM group_members m JOIN users u ON u.id = m.user_id WHERE u.login LIKE '
    + "'bulk-%'")).toBe(10_000);
  expect((await jobState(target, id)).applied).toBe(10_000);

  console.log(`10,000-row import: ${Date.now() - started} ms from upload to finished`);
});
