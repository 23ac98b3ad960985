// The console's authorization matrix (issue 3): every /admin route for each kind of visitor
// (signed out, Member, Manager of organization A, Administrator) against the real server and
// database. A refused request changes nothing: the whole directory's fingerprint, or for a
// user outside a Manager's scope that user's full row and audit trail. An allowed change
// leaves one audit event by the staff member, with no password or hash in it.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import type { Role, User } from '../../src/db/entities/user.entity.js';
import { consoleSession, formToken } from '../support/console-session.js';
import { csrfTokenIn, HttpSession } from '../support/http-session.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { directoryState as sharedDirectoryState } from '../support/directory-state.js';

const PASSWORD = 'console password 1';
type Person = 'admin' | 'manager' | 'member' | 'a1' | 'a2' | 'adminA' | 'b' | 'none';
type Form = Record<string, string>;

let server: TestServer;
const people = {} as Record<Person, User>;
const orgs = {} as Record<'a' | 'b' | 'empty' | 'doomed', number>;
const as = {} as Record<'signedOut' | 'member' | 'manager' | 'admin', HttpSession>;
/** A valid CSRF token of each browser, so refusals are about who asks, not about the form. */
const tokens = {} as Record<keyof typeof as, string>;

const query = <T = Record<string, unknown>>(sql: string,
  params: unknown[] = []): Promise<T[]> => server.db.dataSource.query(sql, params);
/** An application owned by the Administrator: nobody else may hand out roles in it. */
let rootApp = '';
/** A service account (an Administrator) the service-account routes act on. */
let serviceAccount = '';
const reload = async (u: User): Promise<User> => (await server.foyer.services.users.findById(u.id))!;

/** The sign-in page of this browser: it carries a CSRF token even for someone signed out or a Member. */
async function signInPageToken(session: HttpSession): Promise<string> {
  const start = await session.get('/admin/login');
  const auth = new URL(start.headers.get('location')!, server.issuer);
  auth.searchParams.set('prompt', 'login');
  let res = await session.get(`${auth.pathname}${auth.search}`);
  for (let hops = 0; hops < 10 && res.status >= 300 && res.status < 400; hops += 1) {
    res = await session.get(res.headers.get('location')!);
  }
  return csrfTokenIn(await res.text());
}

const directoryState = () => sharedDirectoryState(server.db.dataSource);

const userRow = async (id: string) => (await query('SELECT to_jsonb(u) AS row FROM users u WHERE id = $1',
  [id]))[0].row;
const eventsAbout = async (id: string) => (await query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events '
  + 'WHERE target_user_id = $1', [id]))[0].n;
const lastEventId = async () => Number((await query<{ id: string }>('SELECT coalesce(max(id), 0)::text AS id FROM '
  + 'audit_events'))[0].id);
const eventsSince = (id: number) => query<{ action: string; actorId: string; targetUserId: string | null;
  text: string; }>(
  'SELECT action, actor_id::text AS "actorId", target_user_id::text AS "targetUserId", details::text AS text FROM '
    + 'audit_events WHERE id > $1 ORDER BY id', [id]);

/** The edit form as the page fills it in, for one user. */
function profileForm(u: User): Form {
  return {
    login: u.login ?? '', email: u.email ?? '', phone_number: u.phoneNumber ?? '', nickname: u.nickname ?? '',
    given_name: u.givenName ?? '',
    family_name: u.familyName ?? '', birthdate: u.birthdate ?? '', picture: u.picture ?? '',
    'custom.team': String(u.customFields?.team ?? ''),
  };
}

// ---- The routes. `target` is the user a /users/:id route acts on. Every form would change something if it were
// accepted.
interface Route {
  method: 'GET' | 'POST';
  label: string;
  path: (target: User) => string;
  form?: (target: User) => Form;
  administratorsOnly?: boolean;
}
const route = (method: Route['method'], label: string, path: Route['path'], form?: Route['form'],
  administratorsOnly = false): Route =>
  ({ method, label, path, form, administratorsOnly });
const adminOnly = (method: Route['method'], label: string, path: () => string,
  form?: () => Form) => route(method, label, path, form, true);

const USER_ROUTES: Route[] = [
  route('GET', '/admin/users/:id', (u) => `/admin/users/${u.id}`),
  route('GET', '/admin/users/:id/edit', (u) => `/admin/users/${u.id}/edit`),
  route('POST', '/admin/users/:id', (u) => `/admin/users/${u.id}`,
    (u) => ({ ...profileForm(u), nickname: 'Intruded', given_name: 'Changed' })),
  route('GET', '/admin/users/:id/permissions', (u) => `/admin/users/${u.id}/permissions`),
  route('POST', '/admin/users/:id/permissions', (u) => `/admin/users/${u.id}/permissions`,
    () => ({ role: 'MANAGER', organizationId: String(orgs.a) })),
  route('POST', '/admin/users/:id/privacy', (u) => `/admin/users/${u.id}/privacy`,
    () => ({ field: 'email', level: 'public' })),
  route('GET', '/admin/users/:id/actions/block', (u) => `/admin/users/${u.id}/actions/block`),
  route('POST', '/admin/users/:id/actions/block', (u) => `/admin/users/${u.id}/actions/block`, () => ({})),
  route('POST', '/admin/users/:id/actions/end-sessions', (u) => `/admin/users/${u.id}/actions/end-sessions`,
    () => ({})),
  route('POST', '/admin/users/:id/actions/lock', (u) => `/admin/users/${u.id}/actions/lock`,
    () => ({ reason: 'intruder' })),
  route('POST', '/admin/users/:id/actions/delete', (u) => `/admin/users/${u.id}/actions/delete`, () => ({})),
  route('GET', '/admin/users/:id/export', (u) => `/admin/users/${u.id}/export`),
  route('POST', '/admin/users/:id/identifiers/remove', (u) => `/admin/users/${u.id}/identifiers/remove`,
    () => ({ kind: 'email' })),
  route('POST', '/admin/users/:id/phone/mark-verified', (u) => `/admin/users/${u.id}/phone/mark-verified`, () => ({})),
  route('POST', '/admin/users/:id/groups', (u) => `/admin/users/${u.id}/groups`,
    () => ({ newGroup: 'Intruders club' })),
  route('GET', '/admin/users/:id/password', (u) => `/admin/users/${u.id}/password`),
  route('POST', '/admin/users/:id/password', (u) => `/admin/users/${u.id}/password`,
    () => ({ password: 'Intruder password 9' })),
  route('POST', '/admin/users/:id/recovery-link', (u) => `/admin/users/${u.id}/recovery-link`, () => ({})),
  route('GET', '/admin/users/:id/recovery-link/new', (u) => `/admin/users/${u.id}/recovery-link/new`),
  route('POST', '/admin/users/:id/actions/force-reset', (u) => `/admin/users/${u.id}/actions/force-reset`, () => ({})),
  route('POST', '/admin/users/:id/sessions/end', (u) => `/admin/users/${u.id}/sessions/end`,
    () => ({ session: 'a'.repeat(64) })),
  route('POST', '/admin/users/:id/consents/revoke', (u) => `/admin/users/${u.id}/consents/revoke`,
    () => ({ grant: 'some-grant' })),
  route('POST', '/admin/users/:id/refresh-tokens/revoke', (u) => `/admin/users/${u.id}/refresh-tokens/revoke`,
    () => ({ token: 'b'.repeat(64) })),
  route('GET', '/admin/users/:id/oauth-apps/new', (u) => `/admin/users/${u.id}/oauth-apps/new`),
  route('POST', '/admin/users/:id/oauth-apps', (u) => `/admin/users/${u.id}/oauth-apps`,
    (u) => ({ name: 'Intruder job', organizationId: String(u.organizationId ?? ''), active: 'on' })),
  route('POST', '/admin/users/:id/apps', (u) => `/admin/users/${u.id}/apps`, () => ({ app: rootApp, role: 'owner' })),
];
const STAFF_ROUTES: Route[] = [
  route('GET', '/admin', () => '/admin'),
  route('GET', '/admin/users', () => '/admin/users'),
  route('GET', '/admin/users?q&status&role&org&sort&dir',
    () => `/admin/users?q=a&status=active&role=MEMBER&org=${orgs.a}&sort=created&dir=desc`),
  route('GET', '/admin/users?page=last', () => '/admin/users?page=last'),
  route('GET', '/admin/users/new', () => '/admin/users/new'),
  route('POST', '/admin/users', () => '/admin/users',
    () => ({ login: 'intruder', email: 'intruder@example.com', password: 'Quite long secret 1', role: 'MEMBER',
      organizationId: String(orgs.a) })),
  ...USER_ROUTES,
  route('GET', '/admin/users/invite', () => '/admin/users/invite'),
  route('POST', '/admin/users/invite', () => '/admin/users/invite',
    () => ({ email: 'intruder-invite@example.com', role: 'MEMBER', organizationId: String(orgs.a) })),
  route('POST', '/admin/users/bulk/confirm', () => '/admin/users/bulk/confirm',
    () => ({ action: 'block', all: '1', q: 'user' })),
  route('POST', '/admin/users/bulk', () => '/admin/users/bulk', () => ({ action: 'block', all: '1' })),
  route('GET', '/admin/users/export', () => '/admin/users/export'),
  route('GET', '/admin/users/export.csv', () => '/admin/users/export.csv?column=login'),
  route('GET', '/admin/users/import', () => '/admin/users/import'),
  route('GET', '/admin/users/import/template.csv', () => '/admin/users/import/template.csv'),
  route('POST', '/admin/users/import', () => '/admin/users/import', () => ({ mode: 'invite' })),
  route('GET', '/admin/groups', () => '/admin/groups'),
  route('POST', '/admin/groups', () => '/admin/groups', () => ({ name: 'Intruder group' })),
  route('GET', '/admin/apps', () => '/admin/apps'),
  route('GET', '/admin/apps?kind=personal&q&org&status',
    () => `/admin/apps?kind=personal&q=job&org=${orgs.a}&status=active`),
  route('GET', '/admin/jobs', () => '/admin/jobs'),
  route('GET', '/admin/jobs?kind&before', () => '/admin/jobs?kind=import&before=bm90LWEtY3Vyc29y'),
  route('GET', '/admin/events', () => '/admin/events'),
  route('GET', '/admin/events?user&actor&action&from&to',
    () => '/admin/events?user=a1&actor=root&action=user.created&from=2000-01-01&to=2999-12-31'),
];
const ADMIN_ROUTES: Route[] = [
  adminOnly('GET', '/admin/outbox', () => '/admin/outbox'),
  adminOnly('GET', '/admin/apps/new', () => '/admin/apps/new'),
  adminOnly('POST', '/admin/apps', () => '/admin/apps',
    () => ({ name: 'Intruder app', client_type: 'confidential', grant_type: 'client_credentials' })),
  adminOnly('GET', '/admin/organizations', () => '/admin/organizations'),
  adminOnly('POST', '/admin/organizations', () => '/admin/organizations', () => ({ name: 'Intruders' })),
  adminOnly('GET', '/admin/organizations/:id', () => `/admin/organizations/${orgs.a}`),
  adminOnly('POST', '/admin/organizations/:id', () => `/admin/organizations/${orgs.a}`,
    () => ({ name: 'Renamed by intruder' })),
  adminOnly('GET', '/admin/organizations/:id/delete', () => `/admin/organizations/${orgs.empty}/delete`),
  adminOnly('POST', '/admin/organizations/:id/delete', () => `/admin/organizations/${orgs.empty}/delete`, () => ({})),
  adminOnly('GET', '/admin/service-accounts', () => '/admin/service-accounts'),
  adminOnly('POST', '/admin/service-accounts', () => '/admin/service-accounts',
    () => ({ name: 'intruder-scim', role: 'MANAGER', organizationId: String(orgs.a) })),
  adminOnly('GET', '/admin/service-accounts/:id/key', () => `/admin/service-accounts/${serviceAccount}/key`),
  adminOnly('GET', '/admin/service-accounts/:id/regenerate',
    () => `/admin/service-accounts/${serviceAccount}/regenerate`),
  adminOnly('POST', '/admin/service-accounts/:id/regenerate',
    () => `/admin/service-accounts/${serviceAccount}/regenerate`, () => ({ expires: '' })),
  adminOnly('GET', '/admin/service-accounts/:id/delete', () => `/admin/service-accounts/${serviceAccount}/delete`),
  adminOnly('POST', '/admin/service-accounts/:id/delete', () => `/admin/service-accounts/${serviceAccount}/delete`,
    () => ({})),
  adminOnly('GET', '/admin/settings', () => '/admin/settings'),
  adminOnly('POST', '/admin/settings/password-policy', () => '/admin/settings/password-policy',
    () => ({ minLength: '1' })),
  adminOnly('POST', '/admin/settings/custom-fields', () => '/admin/settings/custom-fields',
    () => ({ key: 'intruded', label: 'Intruded', type: 'text' })),
  adminOnly('GET', '/admin/settings/custom-fields/:key', () => '/admin/settings/custom-fields/team'),
  adminOnly('POST', '/admin/settings/custom-fields/:key', () => '/admin/settings/custom-fields/team',
    () => ({ label: 'Intruded', type: 'text' })),
  adminOnly('GET', '/admin/settings/custom-fields/:key/remove', () => '/admin/settings/custom-fields/team/remove'),
  adminOnly('POST', '/admin/settings/custom-fields/:key/remove', () => '/admin/settings/custom-fields/team/remove',
    () => ({})),
];
const ALL_ROUTES = [...STAFF_ROUTES, ...ADMIN_ROUTES];
const GETS = (routes: Route[]) => routes.filter((r) => r.method === 'GET');

async function send(session: HttpSession, r: Route, target: User, csrf: string): Promise<Response> {
  const fresh = await reload(target);
  return r.method === 'GET' ? session.get(r.path(fresh)) : session.postForm(r.path(fresh),
    { ...r.form!(fresh), _csrf: csrf });
}

beforeAll(async () => {
  server = await startTestServer();
  const { users, organizations, settings } = server.foyer.services;
  for (const [key, name] of [['a', 'Org A'], ['b', 'Org B'], ['empty', 'Empty org'],
    ['doomed', 'Doomed org']] as const) {
    orgs[key] = (await organizations.create(name, CLI_ACTOR, { kind: 'all' })).id;
  }
  await settings.addCustomField({ key: 'team', label: 'Team', type: 'text' }, CLI_ACTOR);
  const make = (login: string, role: Role, org: number | null) =>
    users.create({ login, email: `${login}@example.com`, nickname: `Nick ${login}`, password: PASSWORD, role,
      organizationId: org }, CLI_ACTOR, ALL_USERS);
  people.admin = await make('root', 'ADMIN', null);
  people.manager = await make('manager-a', 'MANAGER', orgs.a);
  people.member = await make('member-a', 'MEMBER', orgs.a);
  people.a1 = await make('a1', 'MEMBER', orgs.a);
  people.a2 = await make('a2', 'MEMBER', orgs.a);
  people.adminA = await make('admin-a', 'ADMIN', orgs.a);
  people.b = await make('b-user', 'MEMBER', orgs.b);
  people.none = await make('no-org', 'MEMBER', null);
  await users.setPrivacy(people.b.id, 'nickname', 'public', CLI_ACTOR, ALL_USERS);
  rootApp = (await server.foyer.services.applications.create(
    { name: 'Root app', redirectUris: [], postLogoutRedirectUris: [], grantTypes: ['client_credentials'],
      isPublic: false }, CLI_ACTOR, people.admin.id)).client_id;
  serviceAccount = (await server.foyer.services.serviceAccounts.create({ name: 'scim-matrix' }, CLI_ACTOR,
    ALL_USERS)).account.id;

  as.signedOut = new HttpSession(server.issuer);
  tokens.signedOut = await signInPageToken(as.signedOut);
  as.member = await consoleSession(server.issuer, 'member-a', PASSWORD);
  tokens.member = await signInPageToken(as.member);
  as.manager = await consoleSession(server.issuer, 'manager-a', PASSWORD);
  tokens.manager = await formToken(as.manager, '/admin/users/new');
  as.admin = await consoleSession(server.issuer, 'root', PASSWORD);
  tokens.admin = await formToken(as.admin, '/admin/users/new');
});

afterAll(() => server?.close());

describe('signed out: every route sends the browser to sign in', () => {
  it.each(ALL_ROUTES)('$method $label', async (r) => {
    const before = await directoryState();
    const res = await send(as.signedOut, r, people.a1, tokens.signedOut);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`/admin/login?next=${encodeURIComponent(r.path(people.a1))}`);
    expect(await directoryState()).toEqual(before);
  });
});

describe('Member: the no-access page on every route', () => {
  it.each(ALL_ROUTES)('$method $label', async (r) => {
    const before = await directoryState();
    const res = await send(as.member, r, people.a1, tokens.member);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('No access to the console');
    expect(await directoryState()).toEqual(before);
  });
});

describe('Manager of organization A', () => {
  it.each(GETS(STAFF_ROUTES))('opens $label for a user of A', async (r) => {
    const res = await send(as.manager, r, people.a1, tokens.manager);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  });

  it.each(ADMIN_ROUTES)('is refused $method $label (Administrators only)', async (r) => {
    const before = await directoryState();
    const res = await send(as.manager, r, people.a1, tokens.manager);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Only Administrators can open this page.');
    expect(await directoryState()).toEqual(before);
  });

  describe.each([['of organization B', 'b'],
    ['without an organization', 'none']] as const)('a user %s does not exist for them', (_, who) => {
    it.each(USER_ROUTES)('$method $label answers 404 and changes nothing', async (r) => {
      const target = people[who];
      const [row, events] = [await userRow(target.id), await eventsAbout(target.id)];
      const res = await send(as.manager, r, target, tokens.manager);
      expect(res.status).toBe(404);
      const html = await res.text();
      expect(html).toContain('User not found');
      expect(html).not.toContain(target.login!);
      expect(await userRow(target.id)).toEqual(row);
      expect(await eventsAbout(target.id)).toBe(events);
    });
  });

  const listedIds = async (path: string) => {
    const res = await as.manager.get(path);
    expect(res.status).toBe(200);
    return [...(await res.text()).matchAll(/data-user-id="(\d+)"/g)].map((m) => m[1]).sort();
  };
  const idsOfOrgA = async () =>
    (await query<{ id: string }>('SELECT id::text AS id FROM users WHERE organization_id = $1',
      [orgs.a])).map((r) => r.id).sort();

  it('lists only the users of A, whatever the filters ask for', async () => {
    expect(await listedIds('/admin/users')).toEqual(await idsOfOrgA());
    expect(await listedIds(`/admin/users?org=${orgs.b}`)).toEqual([]);
    expect(await listedIds('/admin/users?q=b-user')).toEqual([]);
    expect(await listedIds('/admin/users?q=no-org')).toEqual([]);
  });

  it('sees only the events about users of A', async () => {
    const shownEvents = async (path: string) => {
      const res = await as.manager.get(path);
      expect(res.status).toBe(200);
      const ids = [...(await res.text()).matchAll(/data-event-id="(\d+)"/g)].map((m) => m[1]);
      return query<{ org: number | null }>(
        'SELECT u.organization_id AS org FROM audit_events e LEFT JOIN users u ON u.id = e.target_user_id WHERE e.id '
          + '= ANY($1::bigint[])', [ids]);
    };
    const all = await shownEvents('/admin/events');
    expect(all.length).toBeGreaterThan(0);
    expect(all.map((e) => e.org)).toEqual(all.map(() => orgs.a));
    expect(await eventsAbout(people.b.id)).toBeGreaterThan(0);
    expect(await shownEvents(`/admin/events?user=${people.b.id}`)).toEqual([]);
    expect(await shownEvents('/admin/events?action=organization.created')).toEqual([]);
  });

  it.each([
    { label: 'creates a user in A', org: () => String(orgs.a), login: 'made-by-manager' },
    { label: 'creates a user in A when no organization is chosen', org: () => '', login: 'made-by-manager-2' },
  ])('$label', async ({ org, login }) => {
    const since = await lastEventId();
    const res = await as.manager.postForm('/admin/users',
      { _csrf: tokens.manager, login, password: 'Typed secret 99', role: 'MEMBER', organizationId: org() });
    expect(res.status).toBe(303);
    const created = await server.foyer.services.users.findByLogin(login);
    expect(res.headers.get('location')).toBe(`/admin/users/${created.id}?created=1`);
    expect(created.organizationId).toBe(orgs.a);
    const events = await eventsSince(since);
    expect(events.map((e) => [e.action, e.actorId, e.targetUserId])).toEqual([['user.created', people.manager.id,
      created.id]]);
    expect(events[0].text).not.toContain('Typed secret 99');
    expect(events[0].text).not.toContain('$2');
  });

  const allowed = (label: string, path: () => string, form: () => Promise<Form>, action: string,
    check: () => Promise<unknown>) => ({ label, path, form, action, check });
  it.each([
    allowed('edits a user of A', () => `/admin/users/${people.a1.id}`,
      async () => ({ ...profileForm(await reload(people.a1)), nickname: 'Renamed A1' }),
      'user.updated', () => expect(reload(people.a1)).resolves.toMatchObject({ nickname: 'Renamed A1' })),
    allowed('sets a privacy level of a user of A', () => `/admin/users/${people.a1.id}/privacy`,
      async () => ({ field: 'email', level: 'public' }),
      'user.privacy_changed',
      () => expect(reload(people.a1)).resolves.toMatchObject({ claimPrivacy: { email: 'public' } })),
    allowed('makes a user of A a Manager of A', () => `/admin/users/${people.a2.id}/permissions`,
      async () => ({ role: 'MANAGER', organizationId: String(orgs.a) }),
      'user.permissions_changed',
      () => expect(reload(people.a2)).resolves.toMatchObject({ role: 'MANAGER', organizationId: orgs.a })),
  ])('$label', async ({ path, form, action, check }) => {
    const since = await lastEventId();
    const res = await as.manager.postForm(path(), { ...(await form()), _csrf: tokens.manager });
    expect(res.status).toBe(303);
    await check();
    expect((await eventsSince(since)).map((e) => [e.action, e.actorId])).toEqual([[action, people.manager.id]]);
  });

  const GRANT_ADMIN = 'Only an Administrator can grant the Administrator role';
  const OWN_ORG = 'You can only manage users of your own organization';
  const refused = (label: string, path: () => string, form: () => Form, field: string,
    message: string) => ({ label, path, form, field, message });
  it.each([
    refused('cannot create an Administrator', () => '/admin/users',
      () => ({ login: 'would-be-admin', role: 'ADMIN', organizationId: String(orgs.a) }), 'role', GRANT_ADMIN),
    refused('cannot create a user in B', () => '/admin/users',
      () => ({ login: 'would-be-b', role: 'MEMBER', organizationId: String(orgs.b) }), 'organizationId', OWN_ORG),
    refused('cannot grant Administrator to a user of A', () => `/admin/users/${people.a1.id}/permissions`,
      () => ({ role: 'ADMIN', organizationId: String(orgs.a) }), 'role', GRANT_ADMIN),
    refused('cannot move a user of A to B', () => `/admin/users/${people.a1.id}/permissions`,
      () => ({ role: 'MEMBER', organizationId: String(orgs.b) }), 'organizationId', OWN_ORG),
    refused("cannot change an Administrator's permissions, even in A",
      () => `/admin/users/${people.adminA.id}/permissions`,
      () => ({ role: 'MEMBER', organizationId: String(orgs.a) }), 'role',
      'Only an Administrator can change an Administrator&#39;s permissions'),
  ])('$label: 422 at the field, nothing changes', async ({ path, form, field, message }) => {
    const before = await directoryState();
    const res = await as.manager.postForm(path(), { ...form(), _csrf: tokens.manager });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain(`<p class="field-error" id="${field}-error">${message}</p>`);
    expect(await directoryState()).toEqual(before);
  });
});

describe('Manager and an Administrator of their own organization', () => {
  it('sees the profile without Edit, and every change is refused with 403 while nothing changes', async () => {
    const page = await as.manager.get(`/admin/users/${people.adminA.id}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toContain(`href="/admin/users/${people.adminA.id}/edit"`);
    expect(html).toContain("Only an Administrator can change an Administrator's account.");
    const before = await directoryState();
    expect((await as.manager.get(`/admin/users/${people.adminA.id}/edit`)).status).toBe(403);
    const target = await reload(people.adminA);
    for (const [path, form] of [
      [`/admin/users/${target.id}`, { ...profileForm(target), email: 'taken-over@example.com' }],
      [`/admin/users/${target.id}/privacy`, { field: 'email', level: 'public' }],
    ] as const) {
      const res = await as.manager.postForm(path, { ...form, _csrf: tokens.manager });
      expect([path, res.status]).toEqual([path, 403]);
    }
    expect(await directoryState()).toEqual(before);
  });
});

describe('Administrator', () => {
  it.each([...GETS(STAFF_ROUTES), ...GETS(ADMIN_ROUTES)])('opens $label (users of B as the target)', async (r) => {
    const res = await send(as.admin, r, people.b, tokens.admin);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  });

  it('opens the pages of a user without an organization and sees everyone in the list', async () => {
    for (const path of [`/admin/users/${people.none.id}`, `/admin/users/${people.none.id}/edit`,
      `/admin/users/${people.none.id}/permissions`]) {
      expect((await as.admin.get(path)).status).toBe(200);
    }
    const html = await (await as.admin.get('/admin/users')).text();
    for (const u of [people.a1, people.b, people.none, people.admin]) expect(html).toContain(`data-user-id="${u.id}"`);
  });

  const TYPED_PASSWORD = 'Typed secret 99';
  const POSTS: { label: string; path: () => string; form: () => Promise<Form>; location: RegExp; action: string;
    check: () => Promise<void>; }[] = [
    { label: 'POST /admin/users (in B)', path: () => '/admin/users',
      form: async () => ({ login: 'made-by-admin', email: 'made@example.com', password: TYPED_PASSWORD, role: 'MANAGER',
        organizationId: String(orgs.b) }),
      location: /^\/admin\/users\/\d+\?created=1$/, action: 'user.created',
      check: async () => expect(await server.foyer.services.users.findByLogin('made-by-admin'))
        .toMatchObject({ role: 'MANAGER', organizationId: orgs.b }) },
    { label: 'POST /admin/users/:id (user of B)', path: () => `/admin/users/${people.b.id}`,
      form: async () => ({ ...profileForm(await reload(people.b)), given_name: 'Bea', family_name: 'Bee' }),
      location: /\?saved=1$/, action: 'user.updated',
      check: async () => {
        expect(await reload(people.b)).toMatchObject({ givenName: 'Bea', familyName: 'Bee' });
        const [event] = await query<{ details: { fields: string[] } }>('SELECT details FROM audit_events WHERE '
          + "action = 'user.updated' ORDER BY id DESC LIMIT 1");
        expect(event.details.fields.sort()).toEqual(['familyName', 'givenName']);
      } },
    { label: 'POST /admin/users/:id/privacy (user without organization)',
      path: () => `/admin/users/${people.none.id}/privacy`,
      form: async () => ({ field: 'birthdate', level: 'on_request' }),
      location: /\?privacy=1#privacy$/, action: 'user.privacy_changed',
      check: async () => expect(await reload(people.none))
        .toMatchObject({ claimPrivacy: { birthdate: 'on_request' } }) },
    { label: 'POST /admin/users/:id/permissions (user of B)', path: () => `/admin/users/${people.b.id}/permissions`,
      form: async () => ({ role: 'MEMBER', organizationId: String(orgs.a) }),
      location: /\?permissions=1$/, action: 'user.permissions_changed',
      check: async () => expect(await reload(people.b)).toMatchObject({ role: 'MEMBER', organizationId: orgs.a }) },
    { label: 'POST /admin/service-accounts', path: () => '/admin/service-accounts',
      form: async () => ({ name: 'made-by-admin-scim', role: 'MANAGER', organizationId: String(orgs.a) }),
      location: /^\/admin\/service-accounts\/\d+\/key$/, action: 'service_account.created',
      check: async () => expect(await query('SELECT role, service_account FROM users WHERE login = $1',
        ['made-by-admin-scim'])).toEqual([{ role: 'MANAGER', service_account: true }]) },
    { label: 'POST /admin/service-accounts/:id/regenerate',
      path: () => `/admin/service-accounts/${serviceAccount}/regenerate`, form: async () => ({ expires: '' }),
      location: /^\/admin\/service-accounts\/\d+\/key$/, action: 'service_account.key_regenerated',
      check: async () => expect(await query('SELECT count(*)::int AS n FROM api_keys WHERE user_id = $1',
        [serviceAccount])).toEqual([{ n: 1 }]) },
    { label: 'POST /admin/organizations', path: () => '/admin/organizations', form: async () => ({ name: 'Org C' }),
      location: /^\/admin\/organizations\?done=created$/, action: 'organization.created',
      check: async () => expect(await query("SELECT name FROM organizations WHERE name = 'Org C'")).toHaveLength(1) },
    { label: 'POST /admin/organizations/:id', path: () => `/admin/organizations/${orgs.b}`,
      form: async () => ({ name: 'Org B renamed' }),
      location: /done=renamed$/, action: 'organization.renamed',
      check: async () => expect((await server.foyer.services.organizations.findById(orgs.b))?.name)
        .toBe('Org B renamed') },
    { label: 'POST /admin/organizations/:id/delete', path: () => `/admin/organizations/${orgs.doomed}/delete`,
      form: async () => ({}),
      location: /done=deleted$/, action: 'organization.deleted',
      check: async () => expect(await server.foyer.services.organizations.findById(orgs.doomed)).toBeUndefined() },
    { label: 'POST /admin/settings/password-policy', path: () => '/admin/settings/password-policy',
      form: async () => ({ minLength: '10', requiredClasses: 'digit', forbidIdentifiers: 'on' }),
      location: /done=policy$/, action: 'settings.password_policy_changed',
      check: async () => expect((await server.foyer.services.settings.current()).passwordPolicy)
        .toEqual({ minLength: 10, requiredClasses: ['digit'], forbidIdentifiers: true }) },
    { label: 'POST /admin/settings/custom-fields', path: () => '/admin/settings/custom-fields',
      form: async () => ({ key: 'shoe_size', label: 'Shoe size', type: 'number', defaultPrivacy: 'private',
        position: '2' }),
      location: /done=added#custom-fields$/, action: 'settings.custom_field_added',
      check: async () => expect(await query("SELECT key FROM custom_fields WHERE key = 'shoe_size'")).toHaveLength(1) },
    { label: 'POST /admin/settings/custom-fields/:key', path: () => '/admin/settings/custom-fields/team',
      form: async () => ({ label: 'Team name', type: 'text', defaultPrivacy: 'on_request' }),
      location: /done=changed#custom-fields$/, action: 'settings.custom_field_changed',
      check: async () => expect(await query("SELECT label, default_privacy FROM custom_fields WHERE key = 'team'"))
        .toEqual([{ label: 'Team name', default_privacy: 'on_request' }]) },
    { label: 'POST /admin/settings/custom-fields/:key/remove',
      path: () => '/admin/settings/custom-fields/shoe_size/remove', form: async () => ({}),
      location: /done=removed#custom-fields$/, action: 'settings.custom_field_removed',
      check: async () => expect(await query("SELECT key FROM custom_fields WHERE key = 'shoe_size'")).toEqual([]) },
  ];

  it.each(POSTS)('$label works and is audited as $action', async ({ path, form, location, action, check }) => {
    const since = await lastEventId();
    const res = await as.admin.postForm(path(), { ...(await form()), _csrf: tokens.admin });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(location);
    await check();
    const events = await eventsSince(since);
    expect(events.map((e) => [e.action, e.actorId])).toEqual([[action, people.admin.id]]);
    expect(events[0].text).not.toContain(TYPED_PASSWORD);
    expect(events[0].text).not.toContain('$2');
  });

  it('sets a privacy level in place, answering JSON', async () => {
    const res = await as.admin.postForm(`/admin/users/${people.b.id}/privacy`,
      { _csrf: tokens.admin, field: 'custom_fields.team', level: 'public' }, { accept: 'application/json' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ field: 'custom_fields.team', level: 'public' });
    expect((await reload(people.b)).claimPrivacy).toMatchObject({ 'custom_fields.team': 'public' });
  });
});
