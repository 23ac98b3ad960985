// Issue 14, finding 8: a Manager could revoke an Administrator's API key and change an
// Administrator's group memberships, while every other change to an Administrator was refused.
// Now an Administrator's whole account — keys and groups included — is Administrator-only,
// decided in one place (src/users/user.policy.ts), through the console, mass actions and SCIM.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import type { Role, User } from '../../src/db/entities/user.entity.js';
import { createLogger } from '../../src/platform/logger.js';
import { startBulkWorker } from '../../src/mass-actions/bulk-actions.js';
import { consoleSession, formToken } from '../support/console-session.js';
import { directoryState as sharedDirectoryState } from '../support/directory-state.js';
import type { HttpSession } from '../support/http-session.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'console password 1';
let server: TestServer;
let orgA: number;
let root: User;
let manager: User;
let adminA: User;
let memberA: User;
let groupA: string;
let otherGroupA: string;
let as: { manager: HttpSession; admin: HttpSession };
let managerScimKey: string;

const query = <T = Record<string, unknown>>(sql: string,
  params: unknown[] = []): Promise<T[]> => server.db.dataSource.query(sql, params);
const directoryState = () => sharedDirectoryState(server.db.dataSource);
const keyIdOf = async (u: User) => (await query<{ id: string }>(
  'SELECT id::text AS id FROM api_keys WHERE user_id = $1', [u.id]))[0]?.id;
const groupsOf = async (u: User) => (await query<{ g: string }>('SELECT group_id::text AS g FROM group_members WHERE '
  + 'user_id = $1 ORDER BY 1', [u.id])).map((r) => r.g);

beforeAll(async () => {
  server = await startTestServer();
  const { users, organizations, groups, apiKeys } = server.foyer.services;
  orgA = (await organizations.create('Org A', CLI_ACTOR, { kind: 'all' })).id;
  const make = (login: string, role: Role, org: number | null) =>
    users.create({ login, email: `${login}@example.com`, password: PASSWORD, role, organizationId: org }, CLI_ACTOR,
      ALL_USERS);
  root = await make('root', 'ADMIN', null);
  manager = await make('manager-a', 'MANAGER', orgA);
  adminA = await make('admin-a', 'ADMIN', orgA);
  memberA = await make('member-a', 'MEMBER', orgA);
  groupA = (await groups.create({ name: 'Tea room', organizationId: orgA }, CLI_ACTOR, { kind: 'all' })).id;
  otherGroupA = (await groups.create({ name: 'Garden', organizationId: orgA }, CLI_ACTOR, { kind: 'all' })).id;
  await groups.addMembers(groupA, [adminA.id, memberA.id], CLI_ACTOR, { kind: 'all' });
  await apiKeys.generate(adminA, CLI_ACTOR);
  await apiKeys.generate(memberA, CLI_ACTOR);
  managerScimKey = await apiKeys.generate(manager, CLI_ACTOR);
  as = { manager: await consoleSession(server.issuer, 'manager-a', PASSWORD),
    admin: await consoleSession(server.issuer, 'root', PASSWORD) };
});

afterAll(async () => {
  await server?.close();
});

const post = async (session: HttpSession, path: string, form: Record<string, string> = {}) =>
  session.postForm(path, { ...form, _csrf: await formToken(session, '/admin/users') });

describe("a Manager and an Administrator of the Manager's organization", () => {
  // Every per-user change the console offers, aimed at the Administrator.
  const changes: [string, () => string, () => Promise<Record<string, string>>][] = [
    ['revoke an API key', () => `/admin/users/${adminA.id}/api-keys/${'0'}/revoke`, async () => ({})],
    ['remove from a group (group page)', () => `/admin/groups/${groupA}/members/remove`,
      async () => ({ user: adminA.id })],
    ['remove from a group (profile)', () => `/admin/groups/${groupA}/members/remove`,
      async () => ({ user: adminA.id, back: 'profile' })],
    ['add to a group (profile)', () => `/admin/users/${adminA.id}/groups`, async () => ({ group: otherGroupA })],
    ['add to a new group (profile)', () => `/admin/users/${adminA.id}/groups`, async () => ({ newGroup: 'Intruders' })],
    ['delete a group the Administrator is in', () => `/admin/groups/${groupA}/delete`, async () => ({})],
    ['end sessions', () => `/admin/users/${adminA.id}/actions/end-sessions`, async () => ({})],
    ['force a password reset', () => `/admin/users/${adminA.id}/actions/force-reset`, async () => ({})],
    ['end chosen sessions', () => `/admin/users/${adminA.id}/sessions/end`, async () => ({ session: 'a'.repeat(64) })],
    ['revoke consents', () => `/admin/users/${adminA.id}/consents/revoke`, async () => ({ grant: 'some-grant' })],
    ['revoke refresh tokens', () => `/admin/users/${adminA.id}/refresh-tokens/revoke`,
      async () => ({ token: 'b'.repeat(64) })],
    ['remove a sign-in method', () => `/admin/users/${adminA.id}/identifiers/remove`, async () => ({ kind: 'email' })],
    ['show a recovery link', () => `/admin/users/${adminA.id}/recovery-link`, async () => ({})],
    ['give a role in an application', () => `/admin/users/${adminA.id}/apps`,
      async () => ({ app: 'whatever', role: 'owner' })],
    ['make a personal application', () => `/admin/users/${adminA.id}/oauth-apps`,
      async () => ({ name: 'Intruder job', organizationId: String(orgA), active: 'on' })],
  ];

  it.each(changes)('cannot %s: 403 and nothing changes', async (_label, path, form) => {
    const realPath = path().replace('/api-keys/0/', `/api-keys/${await keyIdOf(adminA)}/`);
    const before = await directoryState();
    const res = await post(as.manager, realPath, await form());
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Only an Administrator can change an Administrator');
    expect(await directoryState()).toEqual(before);
  });

  it('cannot add the Administrator on the group page: the field says why, nothing changes', async () => {
    const before = await directoryState();
    const res = await post(as.manager, `/admin/groups/${otherGroupA}/members`, { user: 'admin-a' });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('Only an Administrator can change an Administrator&#39;s groups');
    expect(await directoryState()).toEqual(before);
  });

  it("cannot download the Administrator's data", async () => {
    const res = await as.manager.get(`/admin/users/${adminA.id}/export`);
    expect(res.status).toBe(403);
    await res.arrayBuffer();
  });

  it('a mass action skips the Administrator and says why', async () => {
    const { bulk, bulkJobs } = server.foyer.services;
    const staff = { actor: { type: 'user' as const, id: manager.id, label: 'manager-a' },
      scope: { kind: 'organization' as const, organizationId: orgA }, isAdmin: false };
    const removal = await bulk.start('remove-from-group', { ids: [adminA.id] }, staff, { groupId: groupA });
    const addition = await bulk.start('add-to-group', { ids: [adminA.id] }, staff, { groupId: otherGroupA });
    const worker = startBulkWorker({ jobs: bulkJobs, bulk, logger: createLogger('silent'), intervalMs: 60_000 });
    await worker.wake();
    await worker.stop();
    for (const jobId of [removal, addition]) {
      expect(await bulk.find(jobId, staff)).toMatchObject({ done: 0, failed: 1 });
      expect(await bulk.items(jobId, 'failed', 10)).toEqual([expect.objectContaining({ userId: adminA.id,
        error: expect.stringContaining('Only an Administrator') })]);
    }
    expect(await groupsOf(adminA)).toEqual([groupA]);
  });

  it("cannot take the Administrator out of a group over SCIM with the Manager's key", async () => {
    const before = await directoryState();
    const res = await fetch(`${server.issuer}/scim/v2/Groups/${groupA}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${managerScimKey}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'remove', path: `members[value eq "${adminA.id}"]` }] }),
    });
    expect(res.status).toBe(403);
    const after = await directoryState();
    expect({ ...after, api_keys: before.api_keys, audit_events: before.audit_events }).toEqual(before);
    expect(await groupsOf(adminA)).toEqual([groupA]);
  });

  it("still revokes a Member's key and changes a Member's groups", async () => {
    const res = await post(as.manager, `/admin/users/${memberA.id}/api-keys/${await keyIdOf(memberA)}/revoke`);
    expect(res.status).toBe(303);
    expect(await keyIdOf(memberA)).toBeUndefined();
    expect((await post(as.manager, `/admin/groups/${otherGroupA}/members`, { user: 'member-a' })).status).toBe(303);
    expect((await post(as.manager, `/admin/groups/${groupA}/members/remove`, { user: memberA.id })).status).toBe(303);
    expect(await groupsOf(memberA)).toEqual([otherGroupA]);
  });
});

describe('an Administrator', () => {
  it("revokes another Administrator's key and changes their groups", async () => {
    expect((await post(as.admin, `/admin/users/${adminA.id}/groups`, { group: otherGroupA })).status).toBe(303);
    expect((await post(as.admin, `/admin/groups/${groupA}/members/remove`, { user: adminA.id })).status).toBe(303);
    expect(await groupsOf(adminA)).toEqual([otherGroupA]);
    const res = await post(as.admin, `/admin/users/${adminA.id}/api-keys/${await keyIdOf(adminA)}/revoke`);
    expect(res.status).toBe(303);
    expect(await keyIdOf(adminA)).toBeUndefined();
    expect((await as.admin.get(`/admin/users/${adminA.id}/export`)).status).toBe(200);
    expect((await post(as.admin, `/admin/groups/${otherGroupA}/delete`)).status).toBe(303);
    expect(await groupsOf(adminA)).toEqual([]);
    void root;
  });
});
