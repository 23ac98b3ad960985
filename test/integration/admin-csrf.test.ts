// The console's forms against cross-site requests (issue 3): a signed-in Administrator's
// browser posting without the page's CSRF token, with a wrong one, or with another browser's
// is refused and nothing changes; the very same forms with the right token work. Then bad
// input: a 422 page that keeps what was typed (never the password), never a 500.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import type { User } from '../../src/db/entities/user.entity.js';
import { consoleSession, formToken } from '../support/console-session.js';
import type { HttpSession } from '../support/http-session.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { directoryState as sharedDirectoryState } from '../support/directory-state.js';

const PASSWORD = 'console password 1';
const CSRF_MESSAGE = 'This form has expired or was not sent from this site.';
type Form = Record<string, string>;

let server: TestServer;
let admin: User;
let target: User;
let orgA: number;
let orgEmpty: number;
let browser: HttpSession;
let token: string;
let otherBrowserToken: string;
let appId: string;
let doomedAppId: string;

const query = <T = Record<string, unknown>>(sql: string,
  params: unknown[] = []): Promise<T[]> => server.db.dataSource.query(sql, params);

const directoryState = () => sharedDirectoryState(server.db.dataSource);

const editForm = (u: User): Form => ({
  login: u.login ?? '', email: u.email ?? '', phone_number: u.phoneNumber ?? '', nickname: 'Forged name',
  given_name: u.givenName ?? '',
  family_name: u.familyName ?? '', birthdate: u.birthdate ?? '', picture: u.picture ?? '',
});

// Each form is valid: with the right token it succeeds (last test), so a refusal is the token's doing.
const appForm = (name: string): Form => ({ name, client_type: 'confidential', auth_method: 'client_secret_basic',
  grant_type: 'client_credentials' });
const FORMS: { label: string; path: () => string; form: () => Form; status?: number }[] = [
  { label: 'create user', path: () => '/admin/users',
    form: () => ({ login: 'forged', password: 'Quite long secret 1', role: 'ADMIN', organizationId: '' }) },
  { label: 'edit user', path: () => `/admin/users/${target.id}`, form: () => editForm(target) },
  { label: 'privacy level', path: () => `/admin/users/${target.id}/privacy`,
    form: () => ({ field: 'email', level: 'public' }) },
  { label: 'permissions', path: () => `/admin/users/${target.id}/permissions`,
    form: () => ({ role: 'ADMIN', organizationId: '' }) },
  { label: 'create organization', path: () => '/admin/organizations', form: () => ({ name: 'Forged org' }) },
  { label: 'rename organization', path: () => `/admin/organizations/${orgA}`, form: () => ({ name: 'Forged name' }) },
  { label: 'delete organization', path: () => `/admin/organizations/${orgEmpty}/delete`, form: () => ({}) },
  { label: 'password policy', path: () => '/admin/settings/password-policy', form: () => ({ minLength: '10' }) },
  { label: 'add custom field', path: () => '/admin/settings/custom-fields',
    form: () => ({ key: 'forged', label: 'Forged', type: 'text' }) },
  // Applications: the create and regenerate forms answer 303 to the page that shows the secret once.
  { label: 'create application', path: () => '/admin/apps', form: () => appForm('Forged app') },
  { label: 'edit application', path: () => `/admin/apps/${appId}`, form: () => appForm('Forged name') },
  { label: 'regenerate secret', path: () => `/admin/apps/${appId}/secret`, form: () => ({}) },
  { label: 'add application administrator', path: () => `/admin/apps/${appId}/members`,
    form: () => ({ user: 'target', role: 'admin' }) },
  { label: 'personal OAuth application', path: () => `/admin/users/${target.id}/oauth-apps`,
    form: () => ({ name: 'Forged job', organizationId: String(orgA), active: 'on' }) },
  { label: 'deactivate application', path: () => `/admin/apps/${appId}/deactivate`, form: () => ({}) },
  { label: 'delete application', path: () => `/admin/apps/${doomedAppId}/delete`, form: () => ({}) },
];

const TOKENS: [string, () => Form][] = [
  ['no _csrf field', () => ({})],
  ['an empty _csrf', () => ({ _csrf: '' })],
  ['a wrong _csrf of the right length', () => ({ _csrf: `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}` })],
  ['another browser’s _csrf', () => ({ _csrf: otherBrowserToken })],
];

beforeAll(async () => {
  server = await startTestServer();
  const { users, organizations } = server.foyer.services;
  orgA = (await organizations.create('Org A', CLI_ACTOR, { kind: 'all' })).id;
  orgEmpty = (await organizations.create('Empty org', CLI_ACTOR, { kind: 'all' })).id;
  admin = await users.create({ login: 'root', email: 'root@example.com', password: PASSWORD, role: 'ADMIN' }, CLI_ACTOR,
    ALL_USERS);
  target = await users.create({ login: 'target', email: 'target@example.com', password: PASSWORD,
    organizationId: orgA }, CLI_ACTOR, ALL_USERS);
  const machine = { redirectUris: [], postLogoutRedirectUris: [], grantTypes: ['client_credentials'], isPublic: false };
  appId = (await server.foyer.services.applications.create({ name: 'Target app', ...machine }, CLI_ACTOR,
    admin.id)).client_id;
  doomedAppId = (await server.foyer.services.applications.create({ name: 'Doomed app', ...machine }, CLI_ACTOR,
    admin.id)).client_id;
  browser = await consoleSession(server.issuer, 'root', PASSWORD);
  token = await formToken(browser, '/admin/users/new');
  // The same Administrator, signed in from another browser: its token is no good in the first.
  otherBrowserToken = await formToken(await consoleSession(server.issuer, 'root', PASSWORD), '/admin/users/new');
  expect(otherBrowserToken).not.toBe(token);
});

afterAll(() => server?.close());

describe.each(TOKENS)('a signed-in Administrator’s POST with %s is refused', (_, csrf) => {
  it.each(FORMS)('$label', async ({ path, form }) => {
    const before = await directoryState();
    const res = await browser.postForm(path(), { ...form(), ...csrf() });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain(CSRF_MESSAGE);
    expect(await directoryState()).toEqual(before);
  });
});

describe('JSON bodies and headers', () => {
  it.each([
    ['without a token', (): Form => ({})],
    ['with another browser’s token', (): Form => ({ _csrf: otherBrowserToken })],
  ])('a JSON POST %s is refused', async (_, csrf) => {
    const before = await directoryState();
    const body = { name: 'Json org', ...csrf() };
    const res = await browser.post('/admin/organizations', JSON.stringify(body),
      { 'content-type': 'application/json', accept: 'application/json' });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'csrf_failed' });
    expect(await directoryState()).toEqual(before);
  });

  it('the in-place privacy call without a token is refused with JSON', async () => {
    const before = await directoryState();
    const res = await browser.post(`/admin/users/${target.id}/privacy`,
      new URLSearchParams({ field: 'email', level: 'public' }).toString(),
      { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'csrf_failed' });
    expect(await directoryState()).toEqual(before);
  });

  it('an X-CSRF-Token header from another browser is refused', async () => {
    const before = await directoryState();
    const res = await browser.post('/admin/organizations', 'name=Header+org', {
      'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': otherBrowserToken,
    });
    expect(res.status).toBe(403);
    expect(await directoryState()).toEqual(before);
  });
});

describe('Administrator, bad input', () => {
  it('a duplicate login on the create form: 422, the message at the field, typed values kept but not the password',
    async () => {
      const before = await directoryState();
      const typed = { login: 'TARGET', email: 'someone.new@example.com', nickname: 'Kept nickname',
        password: 'Typed secret 99', role: 'MANAGER', organizationId: String(orgA) };
      const res = await browser.postForm('/admin/users', { ...typed, _csrf: token });
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toContain('<p class="field-error" id="login-error">This login is already in use</p>');
      expect(html).toContain('value="TARGET"');
      expect(html).toContain('value="someone.new@example.com"');
      expect(html).toContain('value="Kept nickname"');
      expect(html).toMatch(/<option value="MANAGER"\s+selected>/);
      expect(html).toMatch(new RegExp(`<option value="${orgA}"\\s+selected>`));
      expect(html).not.toContain('Typed secret 99');
      expect(await directoryState()).toEqual(before);
    });

  it('a duplicate email on the edit form: 422 at the field, nothing saved', async () => {
    const before = await directoryState();
    const res = await browser.postForm(`/admin/users/${target.id}`,
      { ...editForm(target), email: 'ROOT@example.com', _csrf: token });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('<p class="field-error" id="email-error">This email is already in use</p>');
    expect(await directoryState()).toEqual(before);
  });

  const bad = (label: string, method: 'GET' | 'POST', path: string, form: Form | undefined, status: number,
    shows: string) => ({ label, method, path, form, status, shows });
  it.each([
    bad('a user id that is not a number', 'GET', '/admin/users/abc', undefined, 404, 'User not found'),
    bad('a user id longer than a bigint', 'GET', '/admin/users/99999999999999999999', undefined, 404, 'User not found'),
    bad('a user id that does not exist', 'GET', '/admin/users/999999999999999999', undefined, 404, 'User not found'),
    bad('privacy of a user id that is not a number', 'POST', '/admin/users/abc/privacy',
      { field: 'email', level: 'public' }, 404, 'User not found'),
    bad('an organization id that is not a number', 'POST', '/admin/users', { login: 'x1', organizationId: 'abc' }, 422,
      'id="organizationId-error">Choose an existing organization'),
    bad('an organization id past int range', 'POST', '/admin/users', { login: 'x2', organizationId: '99999999999' },
      422, 'id="organizationId-error">Choose an existing organization'),
    bad('an unknown role', 'POST', '/admin/users', { login: 'x3', role: 'ROOT' }, 422,
      'id="role-error">Choose Member, Manager or Administrator'),
    bad('a Manager without an organization', 'POST', '/admin/users',
      { login: 'x4', role: 'MANAGER', organizationId: '' }, 422,
      'id="organizationId-error">A Manager needs an organization'),
    bad('a password the policy refuses', 'POST', '/admin/users', { login: 'x5', password: 'short' }, 422,
      'id="password-error">Use at least 8 characters'),
    bad('an unknown role in permissions', 'POST', '/admin/users/:target/permissions',
      { role: 'SUPERUSER', organizationId: '' }, 422, 'id="role-error">Choose Member, Manager or Administrator'),
    bad('a privacy field that is not a profile field', 'POST', '/admin/users/:target/privacy',
      { field: 'password_hash', level: 'public' }, 422, 'claim: Choose one of'),
    bad('an unknown privacy level', 'POST', '/admin/users/:target/privacy', { field: 'email', level: 'everyone' }, 422,
      'level: Choose one of'),
    bad('an unreadable page cursor', 'GET', '/admin/users?after=not*a*cursor', undefined, 200, 'data-user-id'),
    bad('unknown list filters', 'GET', '/admin/users?status=nonsense&role=GOD&org=-1', undefined, 200,
      'Unknown status &quot;nonsense&quot; was ignored.'),
    bad('unreadable event times', 'GET', '/admin/events?from=yesterday&to=2026-13-45&before=x', undefined, 200,
      'Write the start as YYYY-MM-DD'),
    bad('an organization id that is not a number', 'GET', '/admin/organizations/abc', undefined, 404,
      'Organization not found'),
    bad('an organization id past int range', 'GET', '/admin/organizations/99999999999', undefined, 404,
      'Organization not found'),
    bad('organization id 0', 'POST', '/admin/organizations/0/delete', {}, 404, 'Organization not found'),
    bad('a blank organization name', 'POST', '/admin/organizations', { name: '   ' }, 422,
      'id="name-error">Give the organization a name'),
    bad('deleting an organization with users', 'POST', '/admin/organizations/:orgA/delete', {}, 409,
      'still has 1 user'),
    bad('an unknown custom field', 'GET', '/admin/settings/custom-fields/nope', undefined, 404,
      'Custom field not found'),
    bad('removing an unknown custom field', 'POST', '/admin/settings/custom-fields/nope/remove', {}, 404,
      'Custom field not found'),
    bad('a policy length that is not a number', 'POST', '/admin/settings/password-policy', { minLength: 'many' }, 422,
      'id="minLength-error">Enter a whole number'),
    bad('a custom field key with spaces', 'POST', '/admin/settings/custom-fields',
      { key: 'Bad Key', label: 'x', type: 'text' }, 422, 'id="key-error">Use 1–40 lower-case letters'),
  ])('$label: $method $path answers $status and changes nothing',
    async ({ method, path: rawPath, form, status, shows }) => {
      const path = rawPath.replace(':target', target.id).replace(':orgA', String(orgA));
      const before = await directoryState();
      let res = method === 'GET' ? await browser.get(path) : await browser.postForm(path, { ...form, _csrf: token });
      // An unreadable page cursor sends the browser back to the first page.
      if (res.status === 302) res = await browser.get(res.headers.get('location')!);
      expect(res.status).toBe(status);
      expect(await res.text()).toContain(shows);
      expect(await directoryState()).toEqual(before);
    });

  // FAILS until fixed (app bug, reported): create refuses a name that exists already, but rename
  // accepts it and leaves two organizations with the same name (rename never checks).
  it('a rename to the name of another organization is refused like a duplicate on create', async () => {
    await server.foyer.services.organizations.create('Taken name', CLI_ACTOR, { kind: 'all' });
    const before = await directoryState();
    const created = await browser.postForm('/admin/organizations', { name: 'Taken name', _csrf: token });
    expect(created.status).toBe(422);
    expect(await created.text()).toContain('An organization with this name exists already');
    const renamed = await browser.postForm(`/admin/organizations/${orgA}`, { name: 'Taken name', _csrf: token });
    expect(renamed.status).toBe(422);
    expect(await renamed.text()).toContain('An organization with this name exists already');
    expect(await directoryState()).toEqual(before);
  });
});

describe('the same forms with the page’s own token', () => {
  it.each(FORMS)('$label works', async ({ path, form, status }) => {
    const res = await browser.postForm(path(), { ...form(), _csrf: token });
    expect(res.status).toBe(status ?? 303);
    const [event] = await query<{ actor_id: string }>('SELECT actor_id::text AS actor_id FROM audit_events ORDER BY '
      + 'id DESC LIMIT 1');
    expect(event.actor_id).toBe(admin.id);
  });
});
