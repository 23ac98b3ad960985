// SCIM 2.0 Groups with real API keys: create with members, read, filter, patch members in
// and out (including value-filter paths), replace, delete, errors and a Manager's scope.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let adminKey: string;
let managerKey: string;
const ids: Record<string, string> = {};
let orgA: number;

beforeAll(async () => {
  server = await startTestServer();
  const { users, organizations, apiKeys } = server.foyer.services;
  orgA = (await organizations.create('SCIM group org', CLI_ACTOR, { kind: 'all' })).id;
  const admin = await users.create({ login: 'sg-admin', password: 'scim admin pass 1', role: 'ADMIN' }, CLI_ACTOR,
    ALL_USERS);
  const manager = await users.create({ login: 'sg-manager', password: 'scim manager 1', role: 'MANAGER',
    organizationId: orgA }, CLI_ACTOR, ALL_USERS);
  for (const login of ['sg-one', 'sg-two', 'sg-three']) {
    ids[login] = (await users.create({ login }, CLI_ACTOR, ALL_USERS)).id;
  }
  ids['sg-inside'] = (await users.create({ login: 'sg-inside', organizationId: orgA }, CLI_ACTOR, ALL_USERS)).id;
  adminKey = await apiKeys.generate(admin, CLI_ACTOR);
  managerKey = await apiKeys.generate(manager, CLI_ACTOR);
});
afterAll(() => server?.close());

async function scim(method: string, path: string, body?: unknown, key = adminKey) {
  const res = await fetch(`${server.issuer}/scim/v2${path}`, {
    method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/scim+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const memberValues = (g: { members: { value: string }[] }) => g.members.map((m) => m.value).sort();

it('creates a group with members, reads and filters it, renames and changes members by PATCH, replaces and deletes it',
  async () => {
    const created = await scim('POST', '/Groups',
      { schemas: [GROUP], displayName: 'Engineers', externalId: 'eng-1',
        members: [{ value: ids['sg-one'] }, { value: ids['sg-two'] }] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ displayName: 'Engineers', externalId: 'eng-1',
      meta: { resourceType: 'Group' } });
    expect(memberValues(created.body)).toEqual([ids['sg-one'], ids['sg-two']].sort());
    const id = created.body.id;

    expect((await scim('GET', `/Groups?filter=${encodeURIComponent('displayName eq "engineers"')}`))
      .body.Resources.map((g: { id: string }) => g.id)).toEqual([id]);
    expect((await scim('GET',
      `/Groups?filter=${encodeURIComponent('externalId eq "eng-1"')}&excludedAttributes=members`))
      .body.Resources[0]).not.toHaveProperty('members');
    expect((await scim('GET', `/Users/${ids['sg-one']}`)).body.groups).toEqual([expect.objectContaining({ value: id,
      display: 'Engineers' })]);

    const patch = (ops: unknown[]) => scim('PATCH', `/Groups/${id}`, { schemas: [PATCH], Operations: ops });
    let res = await patch([{ op: 'add', path: 'members', value: [{ value: ids['sg-three'] }] },
      { op: 'replace', path: 'displayName', value: 'Engineering' }]);
    expect(res.body.displayName).toBe('Engineering');
    expect(memberValues(res.body)).toEqual([ids['sg-one'], ids['sg-two'], ids['sg-three']].sort());
    res = await patch([{ op: 'remove', path: `members[value eq "${ids['sg-two']}"]` }]);
    expect(memberValues(res.body)).toEqual([ids['sg-one'], ids['sg-three']].sort());
    res = await patch([{ op: 'remove', path: 'members', value: [{ value: ids['sg-one'] }] }]);
    expect(memberValues(res.body)).toEqual([ids['sg-three']]);
    expect((await patch([{ op: 'remove', path: 'members[value eq "424242"]' }])).body).toMatchObject({ status: '400',
      scimType: 'noTarget' });
    expect((await patch([{ op: 'add', path: 'members',
      value: [{ value: 'not-a-user' }] }])).body).toMatchObject({ status: '400', scimType: 'invalidValue' });

    res = await scim('PUT', `/Groups/${id}`,
      { schemas: [GROUP], displayName: 'Engineering', members: [{ value: ids['sg-one'] }] });
    expect(memberValues(res.body)).toEqual([ids['sg-one']]);
    expect(res.body).not.toHaveProperty('externalId');

    const events: { action: string; actor_label: string }[] = await server.db.dataSource.query(
      "SELECT action, actor_label FROM audit_events WHERE action LIKE 'group.%' ORDER BY id");
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(['group.created', 'group.member_added',
      'group.member_removed', 'group.renamed']));
    expect(new Set(events.map((e) => e.actor_label))).toEqual(new Set(['sg-admin (API key)']));

    expect((await scim('DELETE', `/Groups/${id}`)).status).toBe(204);
    expect((await scim('GET', `/Groups/${id}`)).body).toMatchObject({ status: '404' });
    expect(await server.foyer.services.users.findById(ids['sg-one'])).not.toBeNull();
  });

it('answers uniqueness for a taken name and invalidValue for a missing one', async () => {
  await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Taken' });
  expect((await scim('POST', '/Groups',
    { schemas: [GROUP], displayName: 'taken' })).body).toMatchObject({ status: '409', scimType: 'uniqueness' });
  expect((await scim('POST', '/Groups', { schemas: [GROUP] })).body).toMatchObject({ status: '400',
    scimType: 'invalidValue' });
});

it("keeps a Manager's key to their organization's groups and users", async () => {
  const outside = await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Outside' });
  expect((await scim('GET', `/Groups/${outside.body.id}`, undefined, managerKey)).status).toBe(404);
  const mine = await scim('POST', '/Groups',
    { schemas: [GROUP], displayName: 'Inside', members: [{ value: ids['sg-inside'] }] }, managerKey);
  expect(mine.status).toBe(201);
  expect((await server.foyer.services.groups.get(mine.body.id, { kind: 'all' })).organizationId).toBe(orgA);
  const foreign = await scim('PATCH', `/Groups/${mine.body.id}`,
    { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: ids['sg-one'] }] }] }, managerKey);
  expect(foreign.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
  expect((await scim('GET', '/Groups', undefined,
    managerKey)).body.Resources.map((g: { displayName: string }) => g.displayName)).toEqual(['Inside']);
});
