// Nobody blocks, locks, deletes or demotes their own account (issue 17): they would be signed
// out, or lose the console, and could not get back in. The users policy refuses it at the
// service, whoever the person calls through (the console, SCIM with their own key, a mass
// action), and says why. The CLI is nobody's own account: it can still do all four, and is the
// way back (cli.test.ts).
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import type { User } from '../../src/db/entities/user.entity.js';
import { ALL_USERS, scopeOf } from '../../src/platform/access.js';
import { ValidationError } from '../../src/platform/errors.js';
import { actorOf } from '../../src/users/user.policy.js';
import { consoleSession, formToken } from '../support/console-session.js';
import { eventually } from '../support/eventually.js';
import type { HttpSession } from '../support/http-session.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'own account pass 1';
const SCIM_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const FOYER = 'urn:foyer:params:scim:schemas:extension:foyer:2.0:User';

let server: TestServer;
let root: User;
let second: User;
let manager: User;
let orgA: number;
let console_: HttpSession;
let rootKey: string;

beforeAll(async () => {
  server = await startTestServer();
  const { users, organizations, apiKeys } = server.foyer.services;
  orgA = (await organizations.create('Own org', CLI_ACTOR, ALL_USERS)).id;
  root = await users.create({ login: 'root', email: 'root@example.com', password: PASSWORD, role: 'ADMIN' },
    CLI_ACTOR, ALL_USERS);
  second = await users.create({ login: 'second', email: 'second@example.com', password: PASSWORD, role: 'ADMIN' },
    CLI_ACTOR, ALL_USERS);
  manager = await users.create({ login: 'mona', password: PASSWORD, role: 'MANAGER', organizationId: orgA },
    CLI_ACTOR, ALL_USERS);
  // Another Administrator throughout, so root is never the last one (whose demotion is refused for that reason).
  await users.create({ login: 'third', password: PASSWORD, role: 'ADMIN' }, CLI_ACTOR, ALL_USERS);
  rootKey = await apiKeys.generate(root, CLI_ACTOR);
  console_ = await consoleSession(server.issuer, 'root', PASSWORD);
});

afterAll(() => server?.close());

/** What the four actions would change, and the events they would write. */
async function stateOf(id: string) {
  const [row] = await server.db.dataSource.query(
    `SELECT role, organization_id, blocked, locked_at IS NOT NULL AS locked,
       (SELECT count(*)::int FROM audit_events WHERE target_user_id = $1 AND action IN ('user.blocked', 'user.locked',
         'user.deleted', 'user.permissions_changed')) AS events
     FROM users WHERE id = $1`, [id]);
  return row as Record<string, unknown> | undefined;
}

const REASON = /you would be signed out and could not get back in\. Ask another Administrator\./;

describe('the console', () => {
  it("answers an Administrator's POST to block, lock or delete their own account with the refusal, in words",
    async () => {
      const before = await stateOf(root.id);
      const token = await formToken(console_, `/admin/users/${root.id}`);
      for (const [action, form] of [['block', {}], ['lock', { reason: 'Just to see' }], ['delete', {}]] as const) {
        const res = await console_.postForm(`/admin/users/${root.id}/actions/${action}`, { ...form, _csrf: token });
        expect(res.status).toBe(403);
        const html = await res.text();
        expect(html).toContain(`You cannot ${action} your own account`);
        expect(html).toMatch(REASON);
      }
      expect(await stateOf(root.id)).toEqual(before);
    });

  it('refuses a change of their own role by the role field, and changes nothing', async () => {
    const before = await stateOf(root.id);
    const token = await formToken(console_, `/admin/users/${root.id}/permissions`);
    const res = await console_.postForm(`/admin/users/${root.id}/permissions`,
      { role: 'MEMBER', organizationId: '', _csrf: token });
    expect(res.status).toBe(422);
    expect(await res.text()).toMatch(/id="role-error">You cannot change your own role: /);
    expect(await stateOf(root.id)).toEqual(before);
  });

  it("does all four to another Administrator's account", async () => {
    const token = await formToken(console_, `/admin/users/${second.id}`);
    const post = (path: string, form: Record<string, string> = {}) =>
      console_.postForm(`/admin/users/${second.id}/${path}`, { ...form, _csrf: token });
    expect((await post('actions/block')).status).toBe(303);
    expect((await post('actions/lock', { reason: 'Holiday' })).status).toBe(303);
    expect((await post('permissions', { role: 'MANAGER', organizationId: String(orgA) })).status).toBe(303);
    expect(await stateOf(second.id)).toEqual({ role: 'MANAGER', organization_id: orgA, blocked: true, locked: true,
      events: 3 });
    expect((await post('actions/delete')).status).toBe(303);
    expect(await stateOf(second.id)).toBeUndefined();
  });
});

describe('the services, whoever calls them', () => {
  it('refuse each of the four on the caller\'s own account, saying why', async () => {
    const { lifecycle, users } = server.foyer.services;
    const me = actorOf(root);
    const before = await stateOf(root.id);
    await expect(lifecycle.block(root.id, me, ALL_USERS)).rejects.toMatchObject({ code: 'own_account', status: 403,
      message: expect.stringMatching(/^You cannot block your own account: /) });
    await expect(lifecycle.lock(root.id, { reason: 'Just to see' }, me, ALL_USERS)).rejects.toMatchObject({
      code: 'own_account', message: expect.stringMatching(/^You cannot lock your own account: /) });
    await expect(lifecycle.delete(root.id, me, ALL_USERS)).rejects.toMatchObject({ code: 'own_account',
      message: expect.stringMatching(/^You cannot delete your own account/) });
    const demoted = users.changePermissions(root.id, { role: 'MANAGER', organizationId: orgA }, me, ALL_USERS);
    await expect(demoted).rejects.toBeInstanceOf(ValidationError);
    await expect(demoted).rejects.toMatchObject({ fields: { role: expect.stringMatching(/^You cannot change your own role/) } });
    expect(await stateOf(root.id)).toEqual(before);
  });

  it('refuse a Manager too, sending them to an Administrator', async () => {
    const { lifecycle, users } = server.foyer.services;
    const me = actorOf(manager);
    await expect(lifecycle.block(manager.id, me, scopeOf(manager))).rejects.toMatchObject({ code: 'own_account',
      message: expect.stringMatching(/Ask an Administrator\.$/) });
    await expect(users.changePermissions(manager.id, { role: 'MEMBER' }, me, scopeOf(manager))).rejects
      .toMatchObject({ fields: { role: expect.stringMatching(/^You cannot change your own role/) } });
    expect(await stateOf(manager.id)).toMatchObject({ role: 'MANAGER', blocked: false, events: 0 });
  });

  it('let an organization change of their own account through, the role kept', async () => {
    const changed = await server.foyer.services.users.changePermissions(root.id, { role: 'ADMIN',
      organizationId: orgA }, actorOf(root), ALL_USERS);
    expect(changed).toMatchObject({ role: 'ADMIN', organizationId: orgA });
    await server.foyer.services.users.changePermissions(root.id, { role: 'ADMIN' }, actorOf(root), ALL_USERS);
  });
});

describe("SCIM with the person's own key", () => {
  async function scim(method: string, path: string, body?: unknown) {
    const res = await fetch(`${server.issuer}/scim/v2${path}`, {
      method, headers: { authorization: `Bearer ${rootKey}`, 'content-type': 'application/scim+json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
  const patch = (operations: unknown[]) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: operations });

  it("refuses PATCH active=false, a lock and DELETE on the key owner's own account", async () => {
    const before = await stateOf(root.id);
    const blocked = await scim('PATCH', `/Users/${root.id}`, patch([{ op: 'replace', path: 'active', value: false }]));
    expect(blocked.status).toBe(403);
    expect(blocked.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '403',
      detail: expect.stringMatching(/^You cannot block your own account: /) });
    const locked = await scim('PATCH', `/Users/${root.id}`,
      patch([{ op: 'replace', path: `${FOYER}:locked`, value: true }]));
    expect(locked.status).toBe(403);
    expect(locked.body.detail).toMatch(/^You cannot lock your own account: /);
    const deleted = await scim('DELETE', `/Users/${root.id}`);
    expect(deleted.status).toBe(403);
    expect(deleted.body.detail).toMatch(/^You cannot delete your own account/);
    expect(await stateOf(root.id)).toEqual(before);
  });

  it('still blocks someone else with that key', async () => {
    const other = await server.foyer.services.users.create({ login: 'scim-other', password: PASSWORD }, CLI_ACTOR,
      ALL_USERS);
    const res = await scim('PATCH', `/Users/${other.id}`, patch([{ op: 'replace', path: 'active', value: false }]));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ schemas: expect.arrayContaining([SCIM_USER]), active: false });
  });
});

describe('a mass action', () => {
  it("gives the person's own account the same refusal and does the others", async () => {
    const { bulk, users } = server.foyer.services;
    const other = await users.create({ login: 'mass-other', password: PASSWORD }, CLI_ACTOR, ALL_USERS);
    const staff = { actor: actorOf(root), scope: ALL_USERS, isAdmin: true };
    const jobId = await bulk.start('block', { ids: [root.id, other.id] }, staff);
    await eventually(async () => (await bulk.find(jobId, staff)).status === 'finished', 20_000);
    expect(await bulk.find(jobId, staff)).toMatchObject({ total: 2, done: 1, failed: 1 });
    const [failed] = await bulk.items(jobId, 'failed', 10);
    expect(failed).toMatchObject({ userId: root.id });
    expect(failed.error).toMatch(/^You cannot block your own account: /);
    expect(failed.error).toMatch(REASON);
    expect((await users.findById(other.id))!.blocked).toBe(true);
    expect((await users.findById(root.id))!.blocked).toBe(false);
  });
});
