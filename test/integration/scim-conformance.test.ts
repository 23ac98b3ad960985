// What an outside SCIM conformance tool and 510 hand-made requests found (issue 16), each
// reproduced as it was reported, against the real server with real API keys: content types,
// atomic writes, lost updates and ETags, set-based pages, PATCH errors, SCIM bodies everywhere,
// group filters by member, a Manager's scope in every attribute, and WSO2's own requests.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let adminKey: string;
let managerKey: string;
let orgA: number;

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const FOYER = 'urn:foyer:params:scim:schemas:extension:foyer:2.0:User';
const WSO2 = 'urn:scim:wso2:schema';

beforeAll(async () => {
  server = await startTestServer();
  const { users, organizations, apiKeys } = server.foyer.services;
  orgA = (await organizations.create('Conformance A', CLI_ACTOR, { kind: 'all' })).id;
  const admin = await users.create({ login: 'sc-admin', password: 'scim admin pass 1', role: 'ADMIN' }, CLI_ACTOR,
    ALL_USERS);
  const manager = await users.create({ login: 'sc-manager', password: 'scim manager 1', role: 'MANAGER',
    organizationId: orgA }, CLI_ACTOR, ALL_USERS);
  adminKey = await apiKeys.generate(admin, CLI_ACTOR);
  managerKey = await apiKeys.generate(manager, CLI_ACTOR);
});
afterAll(() => server?.close());

// The answers are read as loosely as a SCIM client reads them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
interface Answer { status: number; type: string | null; etag: string | null; text: string; body: any }

async function scim(method: string, path: string, body?: unknown,
  { key = adminKey, type = 'application/scim+json', headers = {} }: { key?: string; type?: string;
    headers?: Record<string, string>; } = {}): Promise<Answer> {
  const res = await fetch(`${server.issuer}/scim/v2${path}`, {
    method, headers: { authorization: `Bearer ${key}`, 'content-type': type, ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, type: res.headers.get('content-type'), etag: res.headers.get('etag'), text,
    body: parsed };
}

const newUser = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER], userName, name: { givenName: 'Grace', familyName: 'Hopper' },
  emails: [{ value: `${userName}@example.com`, type: 'work', primary: true }], active: true, ...extra,
});
const patchOf = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

async function made(userName: string, extra: Record<string, unknown> = {}): Promise<{ id: string }> {
  const res = await scim('POST', '/Users', newUser(userName, extra));
  if (res.status !== 201) throw new Error(`could not create ${userName}: ${res.text}`);
  return res.body;
}

describe('1. content types', () => {
  it('reads bodies sent as application/json (any charset) as well as application/scim+json', async () => {
    const created = await scim('POST', '/Users', newUser('ct-json'), { type: 'application/json' });
    expect(created.status).toBe(201);
    expect(created.body.userName).toBe('ct-json');
    const patched = await scim('PATCH', `/Users/${created.body.id}`,
      patchOf({ op: 'replace', path: 'name.givenName', value: 'Charset' }),
      { type: 'application/json; charset=utf-8' });
    expect(patched.status).toBe(200);
    expect(patched.body.name.givenName).toBe('Charset');
    expect((await scim('PUT', `/Users/${created.body.id}`, newUser('ct-json', { name: { givenName: 'Put' } }),
      { type: 'Application/SCIM+JSON; charset=UTF-8' })).body.name.givenName).toBe('Put');
  });

  it('answers any other body type with 415 and a SCIM error', async () => {
    const res = await scim('POST', '/Users', 'userName=ct-form', { type: 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(415);
    expect(res.type).toMatch(/application\/scim\+json/);
    expect(res.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '415' });
    expect((await scim('POST', '/Groups', JSON.stringify({ displayName: 'x' }), { type: 'text/plain' })).status)
      .toBe(415);
  });
});

describe('2. atomic writes', () => {
  it('leaves the user as it was when a later operation of the PATCH fails', async () => {
    const user = await made('atomic-user');
    const res = await scim('PATCH', `/Users/${user.id}`, patchOf(
      { op: 'replace', path: 'name.givenName', value: 'Changed' },
      { op: 'replace', path: 'password', value: 'a' }));
    expect(res.status).toBe(400);
    expect((await scim('GET', `/Users/${user.id}`)).body.name.givenName).toBe('Grace');
  });

  it('leaves the group as it was when a member of the PATCH is refused', async () => {
    const member = await made('atomic-member');
    const group = (await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Atomic group',
      members: [{ value: member.id }] })).body;
    const res = await scim('PATCH', `/Groups/${group.id}`, patchOf(
      { op: 'replace', path: 'displayName', value: 'Renamed atomically' },
      { op: 'add', path: 'members', value: [{ value: '999999999' }] }));
    expect(res.status).toBe(400);
    const after = (await scim('GET', `/Groups/${group.id}`)).body;
    expect(after.displayName).toBe('Atomic group');
    expect(after.members.map((m: { value: string }) => m.value)).toEqual([member.id]);
  });

  it('creates no group when a member is unknown, so the retry does not get 409', async () => {
    const res = await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Retry me',
      members: [{ value: '999999998' }] });
    expect(res.status).toBe(400);
    expect(await server.db.dataSource.query("SELECT id FROM groups WHERE name = 'Retry me'")).toEqual([]);
    expect((await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Retry me' })).status).toBe(201);
  });
});

describe('3. no lost updates, and ETags', () => {
  it('keeps every member of 10 concurrent add-member PATCHes, and records no removal', async () => {
    const group = (await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Concurrent' })).body;
    const people = await Promise.all(Array.from({ length: 10 }, (_, i) => made(`conc-member-${i}`)));
    const answers = await Promise.all(people.map((p) => scim('PATCH', `/Groups/${group.id}`,
      patchOf({ op: 'add', path: 'members', value: [{ value: p.id }] }))));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    const after = (await scim('GET', `/Groups/${group.id}`)).body;
    expect(after.members.map((m: { value: string }) => m.value).sort()).toEqual(people.map((p) => p.id).sort());
    const events: { action: string }[] = await server.db.dataSource.query(
      "SELECT action FROM audit_events WHERE details->>'group' = $1 ORDER BY id", [group.id]);
    expect(events.filter((e) => e.action === 'group.member_removed')).toEqual([]);
    expect(events.filter((e) => e.action === 'group.member_added')).toHaveLength(10);
  });

  it('keeps every attribute of 5 concurrent PATCHes of one user', async () => {
    const user = await made('conc-user', { name: { givenName: 'G', familyName: 'F' } });
    const answers = await Promise.all([
      { op: 'replace', path: 'name.givenName', value: 'Given5' },
      { op: 'replace', path: 'name.familyName', value: 'Family5' },
      { op: 'replace', path: 'displayName', value: 'Display5' },
      { op: 'replace', path: 'externalId', value: 'ext-5' },
      { op: 'add', path: 'phoneNumbers', value: [{ value: '+14155550155', type: 'work' }] },
    ].map((op) => scim('PATCH', `/Users/${user.id}`, patchOf(op))));
    expect(answers.map((a) => a.status)).toEqual(Array(5).fill(200));
    expect((await scim('GET', `/Users/${user.id}`)).body).toMatchObject({
      name: { givenName: 'Given5', familyName: 'Family5' }, displayName: 'Display5', externalId: 'ext-5',
      phoneNumbers: [{ value: '+14155550155' }] });
  });

  it('versions every resource: meta.version and ETag, If-Match 412 on a stale one, If-None-Match 304', async () => {
    expect((await scim('GET', '/ServiceProviderConfig')).body.etag).toEqual({ supported: true });
    const user = await made('etag-user');
    const first = await scim('GET', `/Users/${user.id}`);
    expect(first.body.meta.version).toMatch(/^W\/".+"$/);
    expect(first.etag).toBe(first.body.meta.version);
    expect((await scim('GET', `/Users/${user.id}`, undefined, { headers: { 'if-none-match': first.etag! } })).status)
      .toBe(304);
    const changed = await scim('PATCH', `/Users/${user.id}`,
      patchOf({ op: 'replace', path: 'name.givenName', value: 'Versioned' }), { headers: { 'if-match': first.etag! } });
    expect(changed.status).toBe(200);
    expect(changed.etag).not.toBe(first.etag);
    const stale = await scim('PATCH', `/Users/${user.id}`,
      patchOf({ op: 'replace', path: 'name.givenName', value: 'Lost' }), { headers: { 'if-match': first.etag! } });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ status: '412' });
    expect((await scim('PUT', `/Users/${user.id}`, newUser('etag-user'), { headers: { 'if-match': first.etag! } }))
      .status).toBe(412);
    expect((await scim('DELETE', `/Users/${user.id}`, undefined, { headers: { 'if-match': first.etag! } })).status)
      .toBe(412);
    expect((await scim('GET', `/Users/${user.id}`)).body.name.givenName).toBe('Versioned');

    const group = (await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Versioned group' }));
    expect(group.etag).toBe(group.body.meta.version);
    const member = await made('etag-member');
    const grown = await scim('PATCH', `/Groups/${group.body.id}`,
      patchOf({ op: 'add', path: 'members', value: [{ value: member.id }] }));
    expect(grown.etag).not.toBe(group.etag);
  });
});

describe('4. set-based list pages', () => {
  it('answers a page of many users in as many statements as a page of a few', async () => {
    const group = (await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Page group' })).body;
    const people = [];
    for (let i = 0; i < 40; i++) people.push(await made(`page-${String(i).padStart(2, '0')}`));
    await scim('PATCH', `/Groups/${group.id}`,
      patchOf({ op: 'add', path: 'members', value: people.map((p) => ({ value: p.id })) }));
    const pool = server.db.database.pool as unknown as { query: (...args: unknown[]) => Promise<unknown> };
    const original = pool.query;
    let statements = 0;
    pool.query = function counted(this: unknown, ...args: unknown[]) {
      statements += 1;
      return original.apply(this, args);
    };
    const count = async (n: number) => {
      statements = 0;
      const res = await scim('GET', `/Users?filter=${encodeURIComponent('userName sw "page-"')}&count=${n}`);
      expect(res.body.Resources).toHaveLength(n);
      expect(res.body.Resources[0].groups).toEqual([expect.objectContaining({ value: group.id })]);
      return statements;
    };
    try {
      const few = await count(2);
      const many = await count(40);
      expect(many).toBe(few);
      expect(many).toBeLessThanOrEqual(8);
    } finally {
      pool.query = original;
    }
  });
});

describe('5. PATCH errors the RFC requires', () => {
  let user: { id: string };
  beforeAll(async () => {
    user = await made('errors-user', { displayName: 'Shown name',
      phoneNumbers: [{ value: '+14155550177', type: 'work' }] });
  });
  const patch = (...ops: unknown[]) => scim('PATCH', `/Users/${user.id}`, patchOf(...ops));

  it('refuses unknown paths with invalidPath', async () => {
    for (const path of ['nonexistent', 'name.bogus', `${ENTERPRISE}:bogus`, `${FOYER}:shoeSize`]) {
      expect({ path, ...(await patch({ op: 'replace', path, value: 'x' })).body })
        .toMatchObject({ path, status: '400', scimType: 'invalidPath' });
    }
    expect((await patch({ op: 'replace', value: { nonexistent: 'x' } })).body)
      .toMatchObject({ status: '400', scimType: 'invalidPath' });
  });

  it('refuses read-only attributes with mutability', async () => {
    for (const [path, value] of [['meta.created', '2020-01-01T00:00:00Z'], ['groups', [{ value: '1' }]],
      [`${FOYER}:role`, 'ADMIN'], ['id', '5'], [`${ENTERPRISE}:organization`, 'Other']] as const) {
      expect({ path, ...(await patch({ op: 'replace', path, value })).body })
        .toMatchObject({ path, status: '400', scimType: 'mutability' });
    }
  });

  it('answers noTarget when a value filter of replace or remove matches nothing', async () => {
    expect((await patch({ op: 'replace', path: 'emails[type eq "home"].value', value: 'home@example.com' })).body)
      .toMatchObject({ status: '400', scimType: 'noTarget' });
    expect((await scim('GET', `/Users/${user.id}`)).body.emails).toEqual([expect.objectContaining({
      value: 'errors-user@example.com' })]);
  });

  it('refuses an array where one value is expected, and loses nothing', async () => {
    const res = await patch({ op: 'replace', path: 'emails[type eq "work"]', value: [{ value: 'x@example.com' }] });
    expect(res.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
    expect((await patch({ op: 'replace', path: 'name.givenName', value: ['A', 'B'] })).body)
      .toMatchObject({ status: '400', scimType: 'invalidValue' });
    expect((await patch({ op: 'replace', path: 'active', value: 'maybe' })).body)
      .toMatchObject({ status: '400', scimType: 'invalidValue' });
    const after = (await scim('GET', `/Users/${user.id}`)).body;
    expect(after.emails).toEqual([expect.objectContaining({ value: 'errors-user@example.com' })]);
    expect(after.name.givenName).toBe('Grace');
  });

  it('replaces nickName even when the user has a displayName: the last one written wins and is returned', async () => {
    const nick = await patch({ op: 'replace', path: 'nickName', value: 'Nicky' });
    expect(nick.status).toBe(200);
    expect(nick.body).toMatchObject({ nickName: 'Nicky', displayName: 'Nicky' });
    const display = await patch({ op: 'replace', path: 'displayName', value: 'Displayed' });
    expect(display.body).toMatchObject({ nickName: 'Displayed', displayName: 'Displayed' });
  });

  it('keeps userName: never removed, never emptied, required on create', async () => {
    expect((await patch({ op: 'remove', path: 'userName' })).body).toMatchObject({ status: '400',
      scimType: 'mutability' });
    expect((await patch({ op: 'replace', path: 'userName', value: '' })).body).toMatchObject({ status: '400' });
    expect((await scim('GET', `/Users/${user.id}`)).body.userName).toBe('errors-user');
    expect((await scim('POST', '/Users', { schemas: [USER], emails: [{ value: 'no-username@example.com' }] })).body)
      .toMatchObject({ status: '400', scimType: 'invalidValue' });
    expect((await scim('PUT', `/Users/${user.id}`, { schemas: [USER], name: { givenName: 'X' } })).body)
      .toMatchObject({ status: '400', scimType: 'invalidValue' });
  });

  it('checks the PatchOp schema', async () => {
    expect((await scim('PATCH', `/Users/${user.id}`, { schemas: [USER],
      Operations: [{ op: 'replace', path: 'name.givenName', value: 'NoSchema' }] })).body)
      .toMatchObject({ status: '400', scimType: 'invalidSyntax' });
  });
});

describe('7. SCIM bodies everywhere under /scim/v2', () => {
  it('answers unknown endpoints, /Me and /Bulk as SCIM errors, never HTML', async () => {
    for (const [method, path, status] of [['GET', '/Bulk', 501], ['POST', '/Bulk', 501], ['GET', '/Me', 501],
      ['PATCH', '/Me', 501], ['GET', '/Foo', 404], ['DELETE', '/Users', 405],
      ['GET', '/Users/1/extra', 404]] as const) {
      const res = await scim(method, path, method === 'GET' || method === 'DELETE' ? undefined : {});
      expect({ method, path, status: res.status, type: res.type })
        .toEqual({ method, path, status, type: expect.stringMatching(/application\/scim\+json/) });
      expect(res.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        status: String(status) });
    }
  });

  it('searches by POST /Users/.search and /Groups/.search', async () => {
    await made('searched-one');
    const res = await scim('POST', '/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'userName eq "searched-one"', attributes: ['userName'], startIndex: 1, count: 10 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ totalResults: 1, Resources: [{ userName: 'searched-one' }] });
    expect(res.body.Resources[0]).not.toHaveProperty('emails');
    expect((await scim('POST', '/Groups/.search', { filter: 'displayName eq "nothing here"' })).body)
      .toMatchObject({ totalResults: 0 });
  });
});

describe('8 and 9. groups by member, and a Manager sees nobody outside their organization', () => {
  it('filters groups by members[value eq] and members.value eq', async () => {
    const member = await made('filter-member');
    const other = await made('filter-other');
    const mine = (await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Has member',
      members: [{ value: member.id }, { value: other.id }] })).body;
    await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Without member', members: [{ value: other.id }] });
    for (const filter of [`members[value eq "${member.id}"]`, `members.value eq "${member.id}"`,
      `displayName eq "Has member" and members[value eq "${member.id}"]`]) {
      const res = await scim('GET', `/Groups?filter=${encodeURIComponent(filter)}`);
      expect({ filter, ids: res.body.Resources?.map((g: { id: string }) => g.id) }).toEqual({ filter, ids: [mine.id] });
    }
  });

  it("shows a Manager's key only the members and groups of its organization", async () => {
    const { users, groups } = server.foyer.services;
    const inside = await users.create({ login: 'scope-inside', organizationId: orgA }, CLI_ACTOR, ALL_USERS);
    const outside = await users.create({ login: 'scope-outside' }, CLI_ACTOR, ALL_USERS);
    const theirs = await groups.create({ name: 'Org A mixed', organizationId: orgA }, CLI_ACTOR, { kind: 'all' });
    await groups.addMembers(theirs.id, [inside.id, outside.id], CLI_ACTOR, { kind: 'all' });
    const global = await groups.create({ name: 'Everyone group' }, CLI_ACTOR, { kind: 'all' });
    await groups.addMembers(global.id, [inside.id], CLI_ACTOR, { kind: 'all' });

    const asManager = { key: managerKey };
    const group = await scim('GET', `/Groups/${theirs.id}`, undefined, asManager);
    expect(group.body.members.map((m: { value: string }) => m.value)).toEqual([inside.id]);
    expect(group.text).not.toContain('scope-outside');
    const listed = await scim('GET', '/Groups?count=100', undefined, asManager);
    expect(listed.text).not.toContain('scope-outside');
    expect(listed.body.Resources.flatMap((g: { members: { value: string }[] }) => g.members.map((m) => m.value)))
      .not.toContain(outside.id);
    const person = await scim('GET', `/Users/${inside.id}`, undefined, asManager);
    expect(person.body.groups.map((g: { value: string }) => g.value)).toEqual([theirs.id]);
    const byMember = await scim('GET', `/Groups?filter=${encodeURIComponent(`members.value eq "${outside.id}"`)}`,
      undefined, asManager);
    expect(byMember.body.totalResults).toBe(0);
    // Replacing the members keeps those the Manager cannot see.
    await scim('PATCH', `/Groups/${theirs.id}`,
      patchOf({ op: 'replace', path: 'members', value: [{ value: inside.id }] }), asManager);
    expect((await groups.members(theirs.id)).map((m) => m.id).sort()).toEqual([inside.id, outside.id].sort());
  });
});

describe('10. scripts written for WSO2 Identity Server', () => {
  it('forces a password reset with the enterprise extension, as WSO2 documents it', async () => {
    const user = await made('wso2-reset');
    const res = await fetch(`${server.issuer}/scim/v2/Users/${user.id}`, {
      method: 'PATCH', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${adminKey}` },
      body: '{ "schemas": [ "urn:ietf:params:scim:api:messages:2.0:PatchOp", '
        + '"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" ], "Operations": [ { "op": "add", "value": '
        + '{ "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "forcePasswordReset": true } } } ] }',
    });
    expect(res.status).toBe(200);
    const body = await res.json() as Record<string, unknown>;
    expect(body[ENTERPRISE]).toMatchObject({ forcePasswordReset: true });
    expect(body[FOYER]).toMatchObject({ forcePasswordReset: true });
    expect(await server.db.dataSource.query('SELECT template FROM mail_outbox WHERE user_id = $1 AND template = '
      + "'password-reset'", [user.id])).toHaveLength(1);
  });

  it('disables and enables an account with urn:scim:wso2:schema, and locks it', async () => {
    const user = await made('wso2-disable');
    const send = (value: Record<string, unknown>) => fetch(`${server.issuer}/scim/v2/Users/${user.id}`, {
      method: 'PATCH', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${adminKey}` },
      body: `{ "schemas": [ "urn:ietf:params:scim:api:messages:2.0:PatchOp", "urn:scim:wso2:schema" ], "Operations": `
        + `[ { "op": "replace", "value": { "urn:scim:wso2:schema": ${JSON.stringify(value)} } } ] }`,
    });
    const disabled = await send({ accountDisabled: true });
    expect(disabled.status).toBe(200);
    expect(await disabled.json()).toMatchObject({ active: false, [WSO2]: { accountDisabled: true } });
    expect((await server.foyer.services.users.findById(user.id))!.blocked).toBe(true);
    expect(await (await send({ accountDisabled: false })).json()).toMatchObject({ active: true,
      [WSO2]: { accountDisabled: false } });
    expect(await (await send({ accountLocked: true })).json()).toMatchObject({ [WSO2]: { accountLocked: true },
      [FOYER]: { locked: true } });
    const schemas = (await scim('GET', '/Schemas')).body.Resources;
    expect(schemas.map((s: { id: string }) => s.id)).toContain(WSO2);
    const enterprise = schemas.find((s: { id: string }) => s.id === ENTERPRISE);
    expect(enterprise.attributes.map((a: { name: string }) => a.name)).toContain('forcePasswordReset');
  });
});
