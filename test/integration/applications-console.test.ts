// The Applications section over HTTP (issue 8): who may open and change what, the secret
// shown once, form errors next to their fields, owners and application administrators, a
// Member who looks after an application seeing that application and nothing else.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import type { User } from '../../src/db/entities/user.entity.js';
import { consoleSession, formToken } from '../support/console-session.js';
import type { HttpSession } from '../support/http-session.js';
import { discover, oidc } from '../support/relying-party.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { eventually } from '../support/eventually.js';

const PASSWORD = 'console password 1';
let server: TestServer;
const people = {} as Record<'admin' | 'manager' | 'helper' | 'owner' | 'stranger' | 'staffB', User>;
let orgA: number;
let orgB: number;
const as = {} as Record<'admin' | 'manager' | 'helper' | 'owner' | 'stranger', HttpSession>;

const query = <T = Record<string, unknown>>(sql: string,
  params: unknown[] = []): Promise<T[]> => server.db.dataSource.query(sql, params);
const secretIn = (html: string) => /id="client-secret" type="text" readonly value="([^"]+)"/.exec(html)?.[1];
const clientIdIn = (html: string) => /<code id="client-id">([^<]+)<\/code>/.exec(html)?.[1];

/**
 * A new secret's POST answers 303 to the page that shows it once; that page, reloaded, shows it no more
 * (issue 17, item 7). The page as first shown.
 */
async function secretPage(session: HttpSession, res: Response): Promise<string> {
  expect(res.status).toBe(303);
  const location = res.headers.get('location')!;
  expect(location).toMatch(/^\/admin\/apps\/[^/]+\/secret\/new$/);
  const shown = await session.get(location);
  expect(shown.status).toBe(200);
  expect(shown.headers.get('cache-control')).toContain('no-store');
  const html = await shown.text();
  const again = await (await session.get(location)).text();
  expect(again).toContain('This secret was shown once and cannot be shown again.');
  expect(again).not.toContain(secretIn(html)!);
  return html;
}

async function post(session: HttpSession, path: string, fields: Record<string, string | string[]>, tokenFrom = path) {
  const body = new URLSearchParams();
  body.set('_csrf', await formToken(session, tokenFrom));
  for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) body.append(k, one);
  return session.post(path, body.toString(), { 'content-type': 'application/x-www-form-urlencoded' });
}

const webApp = (name: string) => ({
  name, client_type: 'confidential', auth_method: 'client_secret_basic',
  grant_type: ['authorization_code', 'refresh_token'],
  redirect_uri: 'https://app.example.com/callback', post_logout_redirect_uri: '', backchannel_logout_uri: '', logo_uri: '',
});
const machineApp = (name: string) => ({ ...webApp(name), grant_type: ['client_credentials'], redirect_uri: '' });

beforeAll(async () => {
  server = await startTestServer();
  const { users, organizations } = server.foyer.services;
  orgA = (await organizations.create('Org A', CLI_ACTOR, { kind: 'all' })).id;
  orgB = (await organizations.create('Org B', CLI_ACTOR, { kind: 'all' })).id;
  const make = (login: string, role: 'ADMIN' | 'MANAGER' | 'MEMBER', org: number | null) =>
    users.create({ login, email: `${login}@example.com`, password: PASSWORD, role, organizationId: org }, CLI_ACTOR,
      ALL_USERS);
  people.admin = await make('root', 'ADMIN', null);
  people.manager = await make('manager-a', 'MANAGER', orgA);
  people.helper = await make('helper', 'MEMBER', orgA);
  people.owner = await make('owner', 'MEMBER', orgB);
  people.stranger = await make('stranger', 'MEMBER', orgA);
  people.staffB = await make('member-b', 'MEMBER', orgB);
  as.admin = await consoleSession(server.issuer, 'root', PASSWORD);
});
afterAll(() => server?.close());

describe('an Administrator', () => {
  it('creates an application and sees its secret once, hashed in the database', async () => {
    const res = await post(as.admin, '/admin/apps', { ...machineApp('Reporting'), scopes: [] }, '/admin/apps/new');
    expect(res.headers.get('cache-control')).toContain('no-store');
    const html = await secretPage(as.admin, res);
    const [clientId, secret] = [clientIdIn(html)!, secretIn(html)!];
    expect(secret).toMatch(/^[\w-]{40,}$/);
    expect(html).toContain('shown only once');
    await expect(oidc.clientCredentialsGrant(await discover(server.issuer, clientId, secret),
      {})).resolves.toHaveProperty('access_token');

    const page = await (await as.admin.get(`/admin/apps/${clientId}`)).text();
    expect(page).toContain('Reporting');
    expect(page).not.toContain(secret);
    const [row] = await query<{ hash: string }>('SELECT client_secret_hash AS hash FROM clients WHERE client_id = $1',
      [clientId]);
    expect(row.hash.startsWith('sha256$')).toBe(true);
    expect(row.hash).not.toContain(secret);
    expect(await server.foyer.services.applications.members(clientId)).toEqual([{ userId: people.admin.id,
      role: 'owner',
      label: 'root' }]);
    const [event] = await query<{ text: string }>('SELECT details::text AS text FROM audit_events WHERE action = '
      + "'application.created' ORDER BY id DESC LIMIT 1");
    expect(event.text).not.toContain(secret);
  });

  it('gets every mistake next to its field, with the typed values kept', async () => {
    const res = await post(as.admin, '/admin/apps', {
      ...webApp(''), redirect_uri: 'http://evil.example.com/cb\nhttps://ok.example.com/cb#frag\nhttps://*.example.com/cb',
      logo_uri: 'javascript:alert(1)', scopes: ['email', 'made-up'],
    }, '/admin/apps/new');
    expect(res.status).toBe(422);
    const html = await res.text();
    for (const field of ['name', 'redirect_uri', 'logo_uri', 'scopes']) expect(html).toContain(`id="${field}-error"`);
    expect(html).toContain('must use https (http is only for localhost)');
    expect(html).toContain('must not contain a fragment');
    expect(html).toContain('must not contain wildcards');
    expect(html).toContain('Unknown scope(s): made-up');
    expect(html).toContain('http://evil.example.com/cb');
    expect(await query("SELECT 1 FROM clients WHERE name = ''")).toEqual([]);
  });

  it('edits an application: allowed scopes are enforced by the provider at once', async () => {
    const created = await server.foyer.services.applications.create({ name: 'Scoped', redirectUris: [],
      postLogoutRedirectUris: [], grantTypes: ['client_credentials'], isPublic: false }, CLI_ACTOR);
    const res = await post(as.admin, `/admin/apps/${created.client_id}`,
      { ...machineApp('Scoped renamed'), scopes: ['openid', 'profile'] }, `/admin/apps/${created.client_id}/edit`);
    expect(res.status).toBe(303);
    const [row] = await query<{ name: string;
      metadata: { scope: string }; }>('SELECT name, metadata FROM clients WHERE client_id = $1', [created.client_id]);
    expect(row).toMatchObject({ name: 'Scoped renamed', metadata: { scope: 'openid profile' } });
    const [event] = await query<{ details: { fields: string[] } }>('SELECT details FROM audit_events WHERE action = '
      + "'application.updated' ORDER BY id DESC LIMIT 1");
    expect(event.details.fields).toEqual(expect.arrayContaining(['name', 'scope']));
  });

  it('lists and filters applications', async () => {
    const html = await (await as.admin.get('/admin/apps?q=report&status=active')).text();
    expect(html).toContain('Reporting');
    expect(html).not.toContain('Scoped renamed');
    expect(await (await as.admin.get('/admin/apps?q=report&status=inactive')).text()).toContain('No applications '
      + 'match this filter');
  });
});

describe('owners and application administrators', () => {
  let clientId: string;

  beforeAll(async () => {
    const created = await server.foyer.services.applications.create({ name: 'Team wiki', redirectUris: ['https://wiki.example.com/cb'], postLogoutRedirectUris: [], grantTypes: [], isPublic: false }, CLI_ACTOR, people.owner.id);
    clientId = created.client_id;
    as.owner = await consoleSession(server.issuer, 'owner', PASSWORD);
  });

  it('an owner (a Member) gets the Applications section only, and can make someone an application administrator',
    async () => {
      const list = await (await as.owner.get('/admin/apps')).text();
      expect(list).toContain('Team wiki');
      expect(list).not.toContain('Reporting');
      expect(list).not.toContain('href="/admin/users"');
      for (const path of ['/admin/users', '/admin/groups', '/admin/events', `/admin/users/${people.helper.id}`,
        '/admin/apps/new']) {
        expect([path, (await as.owner.get(path)).status]).toEqual([path, 403]);
      }
      expect((await as.owner.get('/admin')).headers.get('location')).toBe('/admin/apps');

      const bad = await post(as.owner, `/admin/apps/${clientId}/members`, { user: 'nobody-here', role: 'admin' },
        `/admin/apps/${clientId}`);
      expect(bad.status).toBe(422);
      expect(await bad.text()).toContain('No user &quot;nobody-here&quot; was found');
      const res = await post(as.owner, `/admin/apps/${clientId}/members`, { user: 'helper', role: 'admin' },
        `/admin/apps/${clientId}`);
      expect(res.status).toBe(303);
      expect(await server.foyer.services.applications.members(clientId))
        .toEqual(expect.arrayContaining([{ userId: people.helper.id, role: 'admin', label: 'helper' }]));
    });

  it('the last owner cannot be removed', async () => {
    const res = await post(as.owner, `/admin/apps/${clientId}/members/remove`, { user: people.owner.id },
      `/admin/apps/${clientId}`);
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('An application needs at least one owner');
  });

  it('an application administrator edits their app and nothing else', async () => {
    as.helper = await consoleSession(server.issuer, 'helper', PASSWORD);
    const edit = await post(as.helper, `/admin/apps/${clientId}`, { ...webApp('Team wiki 2'), redirect_uri: 'https://wiki.example.com/cb' }, `/admin/apps/${clientId}/edit`);
    expect(edit.status).toBe(303);
    expect((await server.foyer.services.applications.open(clientId,
      { actor: CLI_ACTOR, userId: people.admin.id, isAdmin: true,
        scope: { kind: 'all' } })).record.name).toBe('Team wiki 2');
    const before = await query('SELECT client_id, name, active, metadata FROM clients ORDER BY client_id');
    for (const [path, fields] of [
      [`/admin/apps/${clientId}/delete`, {}], [`/admin/apps/${clientId}/deactivate`, {}],
      [`/admin/apps/${clientId}/members`, { user: 'stranger', role: 'owner' }],
    ] as const) {
      const res = await post(as.helper, path, fields, `/admin/apps/${clientId}/edit`);
      expect([path, res.status]).toEqual([path, 403]);
    }
    const reporting = (await query<{ id: string }>(
      "SELECT client_id AS id FROM clients WHERE name = 'Reporting'"))[0].id;
    expect((await as.helper.get(`/admin/apps/${reporting}`)).status).toBe(404);
    expect((await post(as.helper, `/admin/apps/${reporting}`, webApp('Hijacked'),
      `/admin/apps/${clientId}/edit`)).status).toBe(404);
    expect((await as.helper.get(`/admin/users/${people.stranger.id}`)).status).toBe(403);
    expect(await query('SELECT client_id, name, active, metadata FROM clients ORDER BY client_id')).toEqual(before);
  });

  it('only an Administrator can mark an application first-party', async () => {
    const res = await post(as.owner, `/admin/apps/${clientId}`, { ...webApp('Team wiki 2'), first_party: 'on' },
      `/admin/apps/${clientId}/edit`);
    expect(res.status).toBe(303);
    expect((await query<{ first_party: boolean }>('SELECT first_party FROM clients WHERE client_id = $1',
      [clientId]))[0].first_party).toBe(false);
    await post(as.admin, `/admin/apps/${clientId}`, { ...webApp('Team wiki 2'), first_party: 'on' },
      `/admin/apps/${clientId}/edit`);
    expect((await query<{ first_party: boolean }>('SELECT first_party FROM clients WHERE client_id = $1',
      [clientId]))[0].first_party).toBe(true);
  });

  it('a Member who looks after no application still has no access', async () => {
    as.stranger = await consoleSession(server.issuer, 'stranger', PASSWORD);
    const res = await as.stranger.get('/admin/apps');
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('No access to the console');
  });
});

describe('personal OAuth applications', () => {
  it('a Manager adds one on a user profile: shown once, works, the owner is emailed, listed and filtered', async () => {
    as.manager = await consoleSession(server.issuer, 'manager-a', PASSWORD);
    const form = `/admin/users/${people.stranger.id}/oauth-apps/new`;
    const wrongOrg = await post(as.manager, `/admin/users/${people.stranger.id}/oauth-apps`,
      { name: 'Nightly sync', organizationId: String(orgB), active: 'on' }, form);
    expect(wrongOrg.status).toBe(422);
    expect(await wrongOrg.text()).toContain('You can only add applications in your own organization');

    const res = await post(as.manager, `/admin/users/${people.stranger.id}/oauth-apps`,
      { name: 'Nightly sync', organizationId: String(orgA), active: 'on' }, form);
    const html = await secretPage(as.manager, res);
    const [clientId, secret] = [clientIdIn(html)!, secretIn(html)!];
    await expect(oidc.clientCredentialsGrant(await discover(server.issuer, clientId, secret),
      {})).resolves.toHaveProperty('access_token');
    const [mail] = await query<{ to_address: string; params: { clientId: string } }>(
      "SELECT to_address, params FROM mail_outbox WHERE template = 'oauth-app-created'");
    expect(mail).toMatchObject({ to_address: 'stranger@example.com', params: { clientId } });
    expect(await server.foyer.services.applications.members(clientId)).toEqual([{ userId: people.stranger.id,
      role: 'owner',
      label: 'stranger' }]);

    const profile = await (await as.manager.get(`/admin/users/`
      + `${people.stranger.id}?app_q=nightly&app_status=active`)).text();
    expect(profile).toContain(`data-app-id="${clientId}"`);
    expect(await (await as.manager.get(`/admin/users/`
      + `${people.stranger.id}?app_status=inactive`)).text()).not.toContain(`data-app-id="${clientId}"`);
    expect(await (await as.admin.get(`/admin/apps?kind=personal&org=${orgA}`)).text()).toContain(`data-app-id="`
      + `${clientId}"`);
    expect(await (await as.admin.get(`/admin/apps?kind=personal&org=${orgB}`)).text()).not.toContain(`data-app-id="`
      + `${clientId}"`);
    expect(await (await as.manager.get('/admin/apps?kind=personal')).text()).toContain(`data-app-id="${clientId}"`);

    // Deactivated from its page: its token stops working.
    const token = await oidc.clientCredentialsGrant(await discover(server.issuer, clientId, secret), {});
    expect((await post(as.manager, `/admin/apps/${clientId}/deactivate`, {},
      `/admin/apps/${clientId}/deactivate`)).status).toBe(303);
    const rs = await discover(server.issuer, clientId, secret).catch(() => undefined);
    expect(rs).toBeDefined();
    await eventually(async () => oidc.clientCredentialsGrant(rs!, {}).then(() => false,
      (err) => err.error === 'invalid_client'));
    const admin = await server.foyer.services.applications.create({ name: 'Resource server', redirectUris: [],
      postLogoutRedirectUris: [], grantTypes: ['client_credentials'], isPublic: false }, CLI_ACTOR);
    const introspection = await oidc.tokenIntrospection(await discover(server.issuer, admin.client_id,
      admin.client_secret), token.access_token);
    expect(introspection.active).toBe(false);
  });

  it('a Manager cannot reach a personal application of another organization', async () => {
    const other = await server.foyer.services.applications.createPersonal(people.staffB.id,
      { name: 'B job', organizationId: orgB, active: true }, CLI_ACTOR);
    expect((await as.manager.get(`/admin/apps/${other.client_id}`)).status).toBe(404);
    expect(await (await as.manager.get('/admin/apps?kind=personal')).text()).not.toContain('B job');
  });
});

describe("an application's users", () => {
  it('lists who granted the app, and blocking from there blocks in Foyer and returns to the app', async () => {
    const { applications, users } = server.foyer.services;
    const app = await applications.create({ name: 'Granted app', redirectUris: ['https://granted.example.com/cb'], postLogoutRedirectUris: [], grantTypes: [], isPublic: false }, CLI_ACTOR, people.owner.id);
    const fan = await users.create({ login: 'fan', email: 'fan@example.com', password: PASSWORD, organizationId: orgA },
      CLI_ACTOR, ALL_USERS);
    await server.foyer.services.accountRecords.rememberConsent(fan.id, app.client_id,
      { scopes: ['openid', 'email'], claims: [], rejectedClaims: [] });

    const page = await (await as.admin.get(`/admin/apps/${app.client_id}`)).text();
    expect(page).toContain(`data-user-id="${fan.id}"`);
    const back = encodeURIComponent(`/admin/apps/${app.client_id}`);
    expect(page).toContain(`/admin/users/${fan.id}/actions/block?back=${back}`);
    // The owner, a Member, sees the user but gets no directory actions.
    const ownerView = await (await as.owner.get(`/admin/apps/${app.client_id}`)).text();
    expect(ownerView).toContain(`data-user-id="${fan.id}"`);
    expect(ownerView).not.toContain(`/admin/users/${fan.id}/actions/`);

    const confirm = `/admin/users/${fan.id}/actions/block?back=${back}`;
    expect(await (await as.admin.get(confirm)).text()).toContain(`name="back" value="/admin/apps/${app.client_id}"`);
    const res = await post(as.admin, `/admin/users/${fan.id}/actions/block`, { back: `/admin/apps/${app.client_id}` },
      confirm);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/apps/${app.client_id}?user_done=blocked#users`);
    expect(await users.findById(fan.id)).toMatchObject({ blocked: true });
    expect(await (await as.admin.get(res.headers.get('location')!)).text()).toContain('The user is blocked and '
      + 'signed out everywhere.');
    // Any other "back" is ignored: no open redirect.
    const elsewhere = await post(as.admin, `/admin/users/${fan.id}/actions/unblock`, { back: 'https://evil.example.com/' }, `/admin/users/${fan.id}/actions/unblock`);
    expect(elsewhere.headers.get('location')).toBe(`/admin/users/${fan.id}?done=unblocked`);
  });
});

describe('assigning from a profile', () => {
  it('a Manager hands out roles only in applications they own', async () => {
    const { applications } = server.foyer.services;
    const foreign = await applications.create({ name: 'Not theirs', redirectUris: [], postLogoutRedirectUris: [],
      grantTypes: ['client_credentials'], isPublic: false }, CLI_ACTOR, people.admin.id);
    const theirs = await applications.create({ name: 'Theirs', redirectUris: [], postLogoutRedirectUris: [],
      grantTypes: ['client_credentials'], isPublic: false }, CLI_ACTOR, people.manager.id);
    const profile = `/admin/users/${people.stranger.id}`;
    const html = await (await as.manager.get(profile)).text();
    expect(html).toContain(`<option value="${theirs.client_id}">Theirs</option>`);
    expect(html).not.toContain(foreign.client_id);

    const refused = await post(as.manager, `${profile}/apps`, { app: foreign.client_id, role: 'owner' }, profile);
    expect(refused.headers.get('location')).toBe(`${profile}?problem=application#applications`);
    expect(await applications.members(foreign.client_id)).toEqual([{ userId: people.admin.id, role: 'owner',
      label: 'root' }]);

    const done = await post(as.manager, `${profile}/apps`, { app: theirs.client_id, role: 'admin' }, profile);
    expect(done.headers.get('location')).toBe(`${profile}?done=application-assigned#applications`);
    expect(await (await as.manager.get(profile)).text()).toContain(`<li data-app-id="${theirs.client_id}"><a `
      + `href="/admin/apps/${theirs.client_id}">Theirs</a> · Application administrator`);
  });
});
