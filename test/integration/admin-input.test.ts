// The console's input boundary (issue 14, finding 2): every admin route parses its path,
// query and form before anything runs. NUL and other control characters, impossible ids,
// ids of records that do not exist and impossible dates are a 404 or a 422 with the message
// by the field (typed values kept), never a database error or a 500.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import type { User } from '../../src/db/entities/user.entity.js';
import { consoleSession, formToken } from '../support/console-session.js';
import type { HttpSession } from '../support/http-session.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'console password 1';
const NUL = '\u0000';
let server: TestServer;
let admin: HttpSession;
let manager: HttpSession;
const tokens = {} as Record<'admin' | 'manager', string>;
const people = {} as Record<'admin' | 'manager' | 'member', User>;
let orgA: number;
let groupId: string;
let clientId: string;

const query = <T = Record<string, unknown>>(sql: string,
  params: unknown[] = []): Promise<T[]> => server.db.dataSource.query(sql, params);

async function post(session: HttpSession, path: string, fields: Record<string, string | string[]>,
  headers: Record<string, string> = {}) {
  const body = new URLSearchParams();
  body.set('_csrf', session === manager ? tokens.manager : tokens.admin);
  for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) body.append(k, one);
  return session.post(path, body.toString(), { 'content-type': 'application/x-www-form-urlencoded', ...headers });
}

/** A refused request: the given status, no stack trace, no database error text. */
async function expectRefused(res: Response, status: number | number[]): Promise<string> {
  const body = await res.text();
  expect([status].flat()).toContain(res.status);
  expect(body).not.toMatch(/invalid byte sequence|out of range|violates foreign key|invalid input syntax|\n\s+at /);
  return body;
}

const profileForm = (u: User, change: Record<string, string> = {}) => ({
  login: u.login ?? '', email: u.email ?? '', phone_number: '', nickname: '', given_name: '', family_name: '',
  birthdate: '', picture: '', ...change,
});

beforeAll(async () => {
  server = await startTestServer();
  const { users, organizations, groups, applications } = server.foyer.services;
  orgA = (await organizations.create('Org A', CLI_ACTOR, { kind: 'all' })).id;
  const make = (login: string, role: 'ADMIN' | 'MANAGER' | 'MEMBER', org: number | null) =>
    users.create({ login, email: `${login}@example.com`, password: PASSWORD, role, organizationId: org }, CLI_ACTOR,
      ALL_USERS);
  people.admin = await make('root', 'ADMIN', null);
  people.manager = await make('manager-a', 'MANAGER', orgA);
  people.member = await make('member-a', 'MEMBER', orgA);
  await server.foyer.services.settings.addCustomField({ key: 'team', label: 'Team', type: 'text',
    defaultPrivacy: 'private' }, CLI_ACTOR);
  groupId = (await groups.create({ name: 'Team', organizationId: orgA }, CLI_ACTOR, { kind: 'all' })).id;
  clientId = (await applications.create({
    name: 'Reporting', redirectUris: [], postLogoutRedirectUris: [], grantTypes: ['client_credentials'],
    isPublic: false, authMethod: 'client_secret_basic',
  }, CLI_ACTOR, people.admin.id)).client_id;
  admin = await consoleSession(server.issuer, 'root', PASSWORD);
  manager = await consoleSession(server.issuer, 'manager-a', PASSWORD);
  tokens.admin = await formToken(admin, '/admin/users');
  tokens.manager = await formToken(manager, '/admin/users');
});
afterAll(() => server?.close());

describe('a NUL byte in a console form is a 422 by the field, with what was typed kept', () => {
  it('creating a user', async () => {
    const res = await post(admin, '/admin/users',
      { ...profileForm({} as User, { login: `bad${NUL}login`, nickname: 'Kept Nick' }), role: 'MEMBER',
        organizationId: '' });
    const html = await expectRefused(res, 422);
    expect(html).toMatch(/control characters/i);
    expect(html).toContain('Kept Nick');
    expect(await query("SELECT 1 FROM users WHERE nickname = 'Kept Nick'")).toHaveLength(0);
  });

  it('editing a user (names, custom fields)', async () => {
    const changes: Record<string, string>[] = [{ given_name: `A${NUL}` }, { family_name: NUL },
      { nickname: `x${NUL}y` }, { 'custom.team': NUL }];
    for (const change of changes) {
      const res = await post(admin, `/admin/users/${people.member.id}`, profileForm(people.member, change));
      expect(await expectRefused(res, 422)).toMatch(/control characters/i);
    }
  });

  it('inviting a user, and changing permissions', async () => {
    await expectRefused(await post(admin, '/admin/users/invite',
      { email: 'new@example.com', nickname: `N${NUL}`, role: 'MEMBER', organizationId: '' }), 422);
    await expectRefused(await post(admin, `/admin/users/${people.member.id}/permissions`,
      { role: `MEMBER${NUL}`, organizationId: String(orgA) }), 422);
  });

  it('a lock reason', async () => {
    const res = await post(admin, `/admin/users/${people.member.id}/actions/lock`,
      { reason: `because${NUL}`, until: '' });
    const html = await expectRefused(res, 422);
    expect(html).toMatch(/control characters/i);
    expect(html).toContain('because');
    expect((await server.foyer.services.users.findById(people.member.id))!.lockedAt).toBeNull();
  });

  it('group, organization and application names', async () => {
    await expectRefused(await post(admin, '/admin/groups', { name: `G${NUL}`, organizationId: String(orgA) }), 422);
    await expectRefused(await post(admin, `/admin/groups/${groupId}/rename`, { name: `G${NUL}` }), 422);
    await expectRefused(await post(admin, `/admin/groups/${groupId}/members`, { user: `x${NUL}` }), 422);
    await expectRefused(await post(admin, '/admin/organizations', { name: `O${NUL}` }), 422);
    await expectRefused(await post(admin, `/admin/organizations/${orgA}`, { name: `O${NUL}` }), 422);
    await expectRefused(await post(admin, '/admin/apps', {
      name: `App${NUL}`, client_type: 'confidential', auth_method: 'client_secret_basic',
      grant_type: 'client_credentials', redirect_uri: '',
    }), 422);
    await expectRefused(await post(admin, `/admin/apps/${clientId}`, {
      name: `App${NUL}`, client_type: 'confidential', auth_method: 'client_secret_basic',
      grant_type: 'client_credentials', redirect_uri: '',
    }), 422);
    await expectRefused(await post(admin, `/admin/users/${people.member.id}/oauth-apps`,
      { name: `P${NUL}`, organizationId: String(orgA), active: 'on' }), 422);
    await expectRefused(await post(admin, `/admin/apps/${clientId}/members`, { user: `x${NUL}`, role: 'admin' }), 422);
    expect(await query("SELECT 1 FROM groups WHERE name LIKE 'G%' AND name <> 'Team'")).toHaveLength(0);
  });

  it('settings forms', async () => {
    await expectRefused(await post(admin, '/admin/settings/custom-fields',
      { key: 'dept', label: `D${NUL}`, type: 'text', defaultPrivacy: 'private' }), 422);
    await expectRefused(await post(admin, '/admin/settings/custom-fields',
      { key: 'dept', label: 'Dept', type: 'choice', options: `a\n${NUL}`, defaultPrivacy: 'private' }), 422);
    await expectRefused(await post(admin, '/admin/settings/lockout', { maxFailures: `5${NUL}`, lockMinutes: '15' }),
      422);
    await expectRefused(await post(admin, '/admin/settings/password-policy', { minLength: `8${NUL}` }), 422);
  });
});

describe('a NUL byte in a search or filter is refused, not a database error', () => {
  it.each([
    '/admin/users?q=ab%00cd', '/admin/users/export?q=ab%00cd', '/admin/apps?q=a%00b', '/admin/apps?kind=personal&q=%00',
    '/admin/events?user=%00', '/admin/events?actor=x%00', '/admin/events?action=user.%00', '/admin/events?from=%00',
    `/admin/users/PLACEHOLDER?app_q=%00`,
  ])('%s', async (path) => {
    const res = await admin.get(path.replace('PLACEHOLDER', people.member.id));
    await expectRefused(res, [400, 422]);
  });
});

describe('path ids are parsed by their column type: an impossible or unknown id is a 404', () => {
  it.each([
    ['GET', '/admin/users/abc'], ['GET', '/admin/users/99999999999999999999'], ['GET', '/admin/users/1e3'],
    ['GET', '/admin/users/%00'],
    ['GET', '/admin/users/9223372036854775808/edit'], ['POST', '/admin/users/9223372036854775807/actions/block'],
    ['POST', '/admin/users/ADMIN/api-keys/abc/revoke'],
    ['POST', '/admin/users/ADMIN/api-keys/99999999999999999999/revoke'],
    ['POST', '/admin/outbox/abc/retry'], ['GET', '/admin/outbox/99999999999999999999'],
    ['POST', '/admin/outbox/9223372036854775808/retry'],
    ['GET', '/admin/apps/%00/edit'], ['GET', '/admin/apps/%00'], ['POST', '/admin/apps/a%01b/delete'],
    ['GET', '/admin/groups/abc'], ['GET', '/admin/groups/9223372036854775808'], ['POST', '/admin/groups/-1/delete'],
    ['GET', '/admin/organizations/2147483648'], ['GET', '/admin/organizations/abc/delete'],
    ['GET', '/admin/jobs/abc'], ['GET', '/admin/jobs/9223372036854775808'], ['GET', '/admin/exports/%00'],
    ['GET', '/admin/imports/1e3'],
    ['POST', '/admin/imports/abc/confirm'], ['GET', '/admin/settings/custom-fields/%00'],
  ])('%s %s', async (method, raw) => {
    const path = raw.replace('ADMIN', people.admin.id);
    const res = method === 'GET' ? await admin.get(path) : await post(admin, path, {});
    await expectRefused(res, 404);
  });

  it('a cursor that cannot be one starts from the first page', async () => {
    for (const path of ['/admin/outbox?before=%00', '/admin/outbox?before=99999999999999999999',
      '/admin/events?before=9223372036854775808',
      `/admin/apps/${clientId}?after=%00`, '/admin/apps?after=%01', '/admin/users?after=%00',
      '/admin/imports/1/?after=99999999999']) {
      await expectRefused(await admin.get(path), [200, 404]);
    }
  });

  it('the users list ignores an organization past the integer column, and the apps list too', async () => {
    await expectRefused(await admin.get('/admin/users?org=99999999999999999999999999'), [200, 422]);
    await expectRefused(await admin.get('/admin/apps?org=99999999999999999999999999'), [200, 422]);
    await expectRefused(await admin.get('/admin/apps?kind=personal&org=99999999999999999999999999'), [200, 422]);
    await expectRefused(await admin.get(`/admin/users/${people.member.id}?app_org=99999999999999999999999999`),
      [200, 422]);
  });

  it('a JSON client gets a machine-readable error', async () => {
    const res = await admin.get('/admin/groups/abc', { accept: 'application/json' });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
    const bad = await post(admin, `/admin/users/${people.member.id}/privacy`, { field: `email${NUL}`, level: 'public' },
      { accept: 'application/json' });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ error: 'validation_failed', fields: { field: expect.stringMatching(/control characters/i) } });
  });
});

describe('ids of other records in forms', () => {
  it('an application member added by a user id that does not exist is a 422 by the field', async () => {
    for (const user of ['987654321', '99999999999999999999', '9223372036854775807']) {
      const res = await post(admin, `/admin/apps/${clientId}/members`, { user, role: 'admin' });
      const html = await expectRefused(res, 422);
      expect(html).toContain('id="user-error"');
    }
    expect(await server.foyer.services.applications.members(clientId))
      .toEqual([expect.objectContaining({ userId: people.admin.id })]);
  });

  it('removing an application member by an impossible id changes nothing', async () => {
    await expectRefused(await post(admin, `/admin/apps/${clientId}/members/remove`, { user: 'abc' }), [404, 422]);
    await expectRefused(await post(admin, `/admin/apps/${clientId}/members/remove`, { user: '99999999999999999999' }),
      [404, 422]);
  });

  it('a group member by an unknown or impossible id', async () => {
    for (const user of ['987654321', '99999999999999999999']) {
      await expectRefused(await post(admin, `/admin/groups/${groupId}/members`, { user }), 422);
    }
    await expectRefused(await post(admin, `/admin/groups/${groupId}/members/remove`, { user: 'abc' }), [404, 422]);
    await expectRefused(await post(admin, `/admin/groups/${groupId}/members/remove`, { user: '99999999999999999999' }),
      [404, 422]);
  });

  it('a user given to a group, or an application, that does not exist', async () => {
    for (const group of ['abc', '99999999999999999999', '987654321']) {
      const res = await post(admin, `/admin/users/${people.member.id}/groups`, { group });
      await expectRefused(res, [303, 404, 422]);
    }
    for (const app of [`x${NUL}`, 'no-such-app']) {
      await expectRefused(await post(admin, `/admin/users/${people.member.id}/apps`, { app, role: 'admin' }),
        [303, 404, 422]);
    }
  });

  it('an organization that does not exist or past the column (user, group, personal app, app edit)', async () => {
    for (const organizationId of ['99999', '99999999999999999999', 'abc']) {
      await expectRefused(await post(admin, `/admin/users/${people.member.id}/permissions`,
        { role: 'MEMBER', organizationId }), 422);
      await expectRefused(await post(admin, '/admin/groups', { name: `Group ${organizationId}`, organizationId }), 422);
      await expectRefused(await post(admin, `/admin/users/${people.member.id}/oauth-apps`,
        { name: 'Personal', organizationId, active: 'on' }), 422);
      await expectRefused(await post(admin, '/admin/users',
        { ...profileForm({} as User, { login: `u${organizationId}` }), role: 'MEMBER', organizationId }), 422);
      await expectRefused(await post(admin, '/admin/users/invite',
        { email: `i${organizationId}@example.com`, role: 'MEMBER', organizationId }), 422);
    }
  });

  it('a mass action on a group that does not exist', async () => {
    for (const group of ['abc', '99999999999999999999']) {
      await expectRefused(await post(admin, '/admin/users/bulk/confirm',
        { action: 'add-to-group', user: people.member.id, group }), [404, 422]);
      await expectRefused(await post(admin, '/admin/users/bulk',
        { action: 'add-to-group', user: people.member.id, group }), [404, 422]);
    }
    await expectRefused(await post(admin, '/admin/users/bulk/confirm',
      { action: 'block', user: '99999999999999999999' }), [200, 422]);
  });
});

describe('dates are real dates between 1900 and 2100', () => {
  it.each(['0000-01-01', '1899-12-31', '2024-02-30', '2999-01-01', '9999-12-31'])('birthdate %s is a 422 by the field',
    async (birthdate) => {
      const res = await post(admin, `/admin/users/${people.member.id}`, profileForm(people.member, { birthdate }));
      const html = await expectRefused(res, 422);
      expect(html).toContain(birthdate);
      expect(html).toMatch(/birthdate-error|field-error/);
    });

  it('a birthdate in the future is refused; one in range is saved', async () => {
    const next = `${new Date().getUTCFullYear() + 1}-01-01`;
    await expectRefused(await post(admin, `/admin/users/${people.member.id}`,
      profileForm(people.member, { birthdate: next })), 422);
    const ok = await post(admin, `/admin/users/${people.member.id}`,
      profileForm(people.member, { birthdate: '1900-01-01' }));
    expect(ok.status).toBe(303);
  });

  it('a lock end date out of range is refused', async () => {
    await expectRefused(await post(admin, `/admin/users/${people.member.id}/actions/lock`,
      { reason: 'r', until: '0000-01-01T00:00' }), 422);
    await expectRefused(await post(admin, `/admin/users/${people.member.id}/actions/lock`,
      { reason: 'r', until: '99999-01-01' }), 422);
  });

  it.each(['0000-01-01', '2024-02-30', '1899-12-31T10:00', '2101-01-01', '275760-09-13'])('event filter %s is refused',
    async (date) => {
      await expectRefused(await admin.get(`/admin/events?from=${date}`), [200, 422]);
      await expectRefused(await admin.get(`/admin/events?to=${date}`), [200, 422]);
      const html = await (await admin.get(`/admin/events?from=${date}`)).text();
      expect(html).toMatch(/YYYY-MM-DD|between 1900 and 2100|exists/);
    });
});

describe('a Manager gets the same boundary', () => {
  it('a NUL in a form or an impossible id', async () => {
    await expectRefused(await post(manager, `/admin/users/${people.member.id}`,
      profileForm(people.member, { nickname: NUL })), 422);
    await expectRefused(await manager.get('/admin/users/abc'), 404);
    await expectRefused(await post(manager, '/admin/users/abc/groups', { group: groupId }), 404);
  });
});
