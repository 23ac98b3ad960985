// SCIM 2.0 Users against the real server, authenticated with real API keys: discovery,
// create/read/replace/patch/delete, filters, paging, sorting, projection, errors, scope.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let adminKey: string;
let managerKey: string;
let memberKey: string;
let orgA: number;

beforeAll(async () => {
  server = await startTestServer();
  const { users, organizations, apiKeys } = server.foyer.services;
  orgA = (await organizations.create('SCIM A', CLI_ACTOR, { kind: 'all' })).id;
  const admin = await users.create({ login: 'scim-admin', password: 'scim admin pass 1', role: 'ADMIN' }, CLI_ACTOR,
    ALL_USERS);
  const manager = await users.create({ login: 'scim-manager', password: 'scim manager 1', role: 'MANAGER',
    organizationId: orgA }, CLI_ACTOR, ALL_USERS);
  const member = await users.create({ login: 'scim-member', password: 'scim member 1' }, CLI_ACTOR, ALL_USERS);
  adminKey = await apiKeys.generate(admin, CLI_ACTOR);
  managerKey = await apiKeys.generate(manager, CLI_ACTOR);
  memberKey = await apiKeys.generate(member, CLI_ACTOR);
});
afterAll(() => server?.close());

async function scim(method: string, path: string, body?: unknown, key = adminKey) {
  const res = await fetch(`${server.issuer}/scim/v2${path}`, {
    method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/scim+json',
      accept: 'application/scim+json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: text ? JSON.parse(text) : undefined,
    location: res.headers.get('location') };
}

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const FOYER = 'urn:foyer:params:scim:schemas:extension:foyer:2.0:User';
const newUser = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER], userName, name: { givenName: 'Grace', familyName: 'Hopper' }, displayName: `${userName} display`,
  emails: [{ value: `${userName}@example.com`, type: 'work', primary: true }], active: true,
  externalId: `ext-${userName}`, ...extra,
});

describe('authentication', () => {
  it('refuses a missing or wrong key (401) and a non-staff owner (403), as SCIM errors', async () => {
    const none = await fetch(`${server.issuer}/scim/v2/Users`);
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toMatch(/application\/scim\+json/);
    expect(await none.json()).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '401' });
    expect((await scim('GET', '/Users', undefined, 'foyer_wrong')).status).toBe(401);
    expect((await scim('GET', '/Users', undefined, memberKey)).status).toBe(403);
  });
});

describe('discovery', () => {
  it('serves ServiceProviderConfig, ResourceTypes and Schemas', async () => {
    expect((await scim('GET', '/ServiceProviderConfig')).body).toMatchObject({ patch: { supported: true },
      filter: { supported: true }, sort: { supported: true } });
    expect((await scim('GET', '/ResourceTypes')).body.Resources.map((r: { id: string }) => r.id)).toEqual(['User',
      'Group']);
    const schemas = (await scim('GET', '/Schemas')).body.Resources.map((s: { id: string }) => s.id);
    expect(schemas).toEqual(expect.arrayContaining([USER, FOYER]));
    expect((await scim('GET', `/Schemas/${USER}`)).status).toBe(200);
  });
});

describe('Users', () => {
  it('creates, reads, replaces and deletes, with SCIM content type and Location', async () => {
    const created = await scim('POST', '/Users', { ...newUser('ada'), password: 'analytical engine 1' });
    expect(created.status).toBe(201);
    expect(created.type).toMatch(/application\/scim\+json/);
    expect(created.body).toMatchObject({ userName: 'ada', externalId: 'ext-ada',
      name: { givenName: 'Grace', familyName: 'Hopper' }, active: true,
      emails: [{ value: 'ada@example.com', type: 'work', primary: true }], meta: { resourceType: 'User' } });
    expect(created.body).not.toHaveProperty('password');
    expect(created.location).toBe(`${server.issuer}/scim/v2/Users/${created.body.id}`);
    await expect(server.foyer.services.users.signIn('ada',
      'analytical engine 1')).resolves.toMatchObject({ outcome: 'ok' });

    const fetched = await scim('GET', `/Users/${created.body.id}`);
    expect(fetched.body.userName).toBe('ada');

    const replaced = await scim('PUT', `/Users/${created.body.id}`,
      { schemas: [USER], userName: 'ada.l', emails: [{ value: 'ada.l@example.com' }] });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ userName: 'ada.l', emails: [{ value: 'ada.l@example.com' }] });
    expect(replaced.body).not.toHaveProperty('externalId');
    expect(replaced.body.name.givenName).toBeUndefined();

    expect((await scim('DELETE', `/Users/${created.body.id}`)).status).toBe(204);
    expect((await scim('GET', `/Users/${created.body.id}`)).status).toBe(404);
    const [event] = await server.db.dataSource.query('SELECT actor_label FROM audit_events WHERE action = '
      + "'user.deleted' AND target_user_id = $1", [created.body.id]);
    expect(event.actor_label).toBe('scim-admin (API key)');
  });

  it('answers uniqueness (409), invalidValue and mutability with the RFC status', async () => {
    await scim('POST', '/Users', newUser('dup'));
    expect((await scim('POST', '/Users', newUser('DUP'))).body).toMatchObject({ status: '409',
      scimType: 'uniqueness' });
    expect((await scim('POST', '/Users', { schemas: [USER], userName: 'x y z' })).body).toMatchObject({ status: '400',
      scimType: 'invalidValue' });
    expect((await scim('POST', '/Users', { ...newUser('withid'), id: '99' })).body).toMatchObject({ status: '400',
      scimType: 'mutability' });
    expect((await scim('POST', '/Users', '{ not json')).status).toBe(400);
    expect((await scim('GET', '/Users/999999')).body).toMatchObject({ status: '404' });
  });

  it('filters with every operator, and pages and sorts', async () => {
    for (const n of ['flt-anna', 'flt-bob', 'flt-carl']) await scim('POST', '/Users', newUser(n));
    const names = async (filter: string, extra = '') =>
      (await scim('GET',
        `/Users?filter=${encodeURIComponent(filter)}`
          + `${extra}`)).body.Resources.map((r: { userName: string }) => r.userName).sort();
    expect(await names('userName eq "FLT-ANNA"')).toEqual(['flt-anna']);
    expect(await names('userName sw "flt-" and userName ne "flt-bob"')).toEqual(['flt-anna', 'flt-carl']);
    expect(await names('userName co "lt-c" or userName ew "-bob"')).toEqual(['flt-bob', 'flt-carl']);
    expect(await names('emails[type eq "work" and value co "flt-a"]')).toEqual(['flt-anna']);
    expect(await names('userName sw "flt-" and not (userName eq "flt-anna")')).toEqual(['flt-bob', 'flt-carl']);
    expect(await names('externalId pr and userName gt "flt-b" and userName le "flt-carl"')).toEqual(['flt-bob',
      'flt-carl']);
    expect(await names('userName sw "flt" and meta.created ge "2000-01-01T00:00:00Z" and meta.created lt '
      + '"2999-01-01T00:00:00Z"')).toEqual(['flt-anna', 'flt-bob', 'flt-carl']);
    expect(await names('userName sw "flt" and active eq true')).toEqual(['flt-anna', 'flt-bob', 'flt-carl']);
    expect((await scim('GET', '/Users?filter=userName%20zz%20%22x%22')).body).toMatchObject({ status: '400',
      scimType: 'invalidFilter' });
    expect((await scim('GET', '/Users?filter=shoeSize%20eq%201')).body).toMatchObject({ status: '400',
      scimType: 'invalidFilter' });

    const page = await scim('GET',
      `/Users?filter=${encodeURIComponent('userName sw "flt-"')}`
      + '&sortBy=userName&sortOrder=descending&startIndex=2&count=1');
    expect(page.body).toMatchObject({ totalResults: 3, startIndex: 2, itemsPerPage: 1 });
    expect(page.body.Resources.map((r: { userName: string }) => r.userName)).toEqual(['flt-bob']);
    const projected = await scim('GET',
      `/Users?filter=${encodeURIComponent('userName eq "flt-bob"')}&attributes=userName,name.familyName`);
    expect(projected.body.Resources[0]).toEqual({ schemas: expect.any(Array), id: expect.any(String),
      meta: expect.any(Object), userName: 'flt-bob', name: { familyName: 'Hopper' } });
    const excluded = await scim('GET',
      `/Users?filter=${encodeURIComponent('userName eq "flt-bob"')}&excludedAttributes=emails,groups`);
    expect(excluded.body.Resources[0]).not.toHaveProperty('emails');
    expect(excluded.body.Resources[0].userName).toBe('flt-bob');
  });

  it('patches with add, replace and remove on plain, sub-attribute, value-filter and extension paths', async () => {
    const { body: user } = await scim('POST', '/Users',
      newUser('pat', { phoneNumbers: [{ value: '+14155550111', type: 'work' }] }));
    const patch = (ops: unknown[]) => scim('PATCH', `/Users/${user.id}`,
      { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: ops });
    expect((await patch([{ op: 'replace', path: 'name.givenName',
      value: 'Patty' }])).body.name.givenName).toBe('Patty');
    expect((await patch([{ op: 'replace', path: 'emails[type eq "work"].value',
      value: 'patty@example.com' }])).body.emails[0].value).toBe('patty@example.com');
    expect((await patch([{ op: 'replace',
      value: { displayName: 'P. Pat', 'name.familyName': 'Patterson' } }])).body).toMatchObject({ displayName: 'P. Pat',
      name: { familyName: 'Patterson' } });
    expect((await patch([{ op: 'remove',
      path: 'phoneNumbers[type eq "work"]' }])).body).not.toHaveProperty('phoneNumbers');
    expect((await patch([{ op: 'add', path: 'externalId', value: 'ext-patty' }])).body.externalId).toBe('ext-patty');
    expect((await patch([{ op: 'remove', path: 'phoneNumbers[type eq "home"]' }])).body).toMatchObject({ status: '400',
      scimType: 'noTarget' });
    expect((await patch([{ op: 'replace', path: 'emails[type eq', value: 'x' }])).body).toMatchObject({ status: '400',
      scimType: 'invalidFilter' });
    expect((await patch([{ op: 'replace', path: '%%', value: 'x' }])).body).toMatchObject({ status: '400',
      scimType: 'invalidPath' });
    expect((await patch([{ op: 'explode', path: 'userName', value: 'x' }])).body).toMatchObject({ status: '400',
      scimType: 'invalidSyntax' });
  });

  it('takes the console path for statuses: active false blocks and ends sessions; the extension locks and forces a '
    + 'reset', async () => {
    const { body: user } = await scim('POST', '/Users', newUser('stat'));
    await server.db.dataSource.query("INSERT INTO oidc_payloads (model, id, payload, account_id) VALUES ('Session', "
      + "'scim-sess', '{}', $1)", [user.id]);
    const patch = (ops: unknown[]) => scim('PATCH', `/Users/${user.id}`,
      { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: ops });
    expect((await patch([{ op: 'replace', path: 'active', value: false }])).body.active).toBe(false);
    expect((await server.db.dataSource.query('SELECT count(*)::int AS n FROM oidc_payloads WHERE account_id = $1',
      [user.id]))[0].n).toBe(0);
    expect((await patch([{ op: 'replace', path: 'active', value: true }])).body.active).toBe(true);
    expect((await patch([{ op: 'replace', path: `${FOYER}:locked`, value: true }])).body[FOYER]).toMatchObject({ locked: true, lockReason: expect.stringMatching(/SCIM/) });
    expect((await patch([{ op: 'replace',
      value: { [FOYER]: { locked: false, forcePasswordReset: true } } }])).body[FOYER]).toMatchObject({ locked: false,
      forcePasswordReset: true });
    const actions: { action: string; actor_label: string }[] = await server.db.dataSource.query(
      'SELECT action, actor_label FROM audit_events WHERE target_user_id = $1 ORDER BY id', [user.id]);
    expect(actions.map((a) => a.action)).toEqual(expect.arrayContaining(['user.created', 'user.blocked',
      'user.unblocked', 'user.locked', 'user.unlocked', 'user.password_reset_forced']));
    expect(new Set(actions.map((a) => a.actor_label))).toEqual(new Set(['scim-admin (API key)']));
  });

  it('creates a user with its status in one unit: a reset that cannot be sent leaves no user behind', async () => {
    const refused = await scim('POST', '/Users', { ...newUser('no-mail', { active: false }), emails: [],
      [FOYER]: { forcePasswordReset: true } });
    expect(refused.status).toBe(400);
    expect(await server.db.dataSource.query("SELECT id FROM users WHERE login = 'no-mail'")).toEqual([]);
    expect((await scim('GET', '/Users?filter=userName eq "no-mail"')).body.totalResults).toBe(0);
    const made = await scim('POST', '/Users', newUser('born-blocked', { active: false,
      [FOYER]: { locked: true, forcePasswordReset: true } }));
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ active: false, [FOYER]: { locked: true, forcePasswordReset: true } });
  });

  it("keeps a Manager's key inside their organization", async () => {
    const { body: outsider } = await scim('POST', '/Users', newUser('outsider'));
    expect((await scim('GET', `/Users/${outsider.id}`, undefined, managerKey)).status).toBe(404);
    expect((await scim('PATCH', `/Users/${outsider.id}`,
      { Operations: [{ op: 'replace', path: 'active', value: false }] }, managerKey)).status).toBe(404);
    expect((await scim('DELETE', `/Users/${outsider.id}`, undefined, managerKey)).status).toBe(404);
    const { body: mine } = await scim('POST', '/Users', newUser('insider'), managerKey);
    const listed = (await scim('GET', '/Users?count=100', undefined,
      managerKey)).body.Resources.map((r: { userName: string }) => r.userName).sort();
    expect(listed).toEqual(['insider', 'scim-manager']);
    expect((await server.foyer.services.users.findById(mine.id))!.organizationId).toBe(orgA);
    expect((await scim('GET', `/Users/${outsider.id}`)).body.active).toBe(true);
  });
});
