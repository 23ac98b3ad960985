// Deleting a user who is the only owner of applications deletes those applications with
// them, in the same transaction: from the console, through the grace-period purge of a
// self-deleted account, or not at all when the deletion is refused. Co-owned applications
// and those the user only administers stay. The console dialog and the account's delete
// page say beforehand which applications go.
import { CLI_ACTOR, createAuditLog } from '../../src/audit/audit.service.js';
import { operatorViewer } from '../../src/applications/application.policy.js';
import type { Role, User } from '../../src/db/entities/user.entity.js';

import { ALL_USERS } from '../../src/platform/access.js';
import { LastAdministratorError } from '../../src/users/user.service.js';
import { createUserRepository } from '../../src/users/user.repository.js';
import { createUserLifecycle } from '../../src/users/user-lifecycle.service.js';
import { createAdapterFactory } from '../../src/oidc/adapter.js';
import { deleteOwnedApplications } from '../../src/applications/application.repository.js';
import { revokeAccountTokens } from '../../src/sessions/payload.repository.js';
import { consoleSession, formToken } from '../support/console-session.js';
import { eventually } from '../support/eventually.js';
import type { HttpSession } from '../support/http-session.js';
import { discover, oidc } from '../support/relying-party.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'owner deletion password 1';
let server: TestServer;
let root: User;
let admin: HttpSession;
let serial = 0;

const query = <T = Record<string, unknown>>(sql: string,
  params: unknown[] = []): Promise<T[]> => server.db.dataSource.query(sql, params);

async function makeUser(role: Role = 'MEMBER'): Promise<User> {
  serial += 1;
  return server.foyer.services.users.create({ login: `owner${serial}`, email: `owner${serial}@example.com`,
    password: PASSWORD, role }, CLI_ACTOR, ALL_USERS);
}

interface App { clientId: string; secret: string; name: string }
async function makeApp(name: string, ownerId: string): Promise<App> {
  const created = await server.foyer.services.applications.create(
    { name, redirectUris: [], postLogoutRedirectUris: [], grantTypes: ['client_credentials'], isPublic: false },
    CLI_ACTOR, ownerId);
  return { clientId: created.client_id, secret: created.client_secret!, name };
}

const exists = async (app: App) => (await query('SELECT 1 FROM clients WHERE client_id = $1',
  [app.clientId])).length === 1;
const membersOf = (app: App) => query<{ userId: string; role: string }>(
  'SELECT user_id::text AS "userId", role FROM client_members WHERE client_id = $1 ORDER BY user_id', [app.clientId]);
/** A client-credentials token with the app's secret, as the app itself would ask. */
const tokenFor = async (app: App) => oidc.clientCredentialsGrant(await discover(server.issuer, app.clientId,
  app.secret), {});
/** Its credentials fail once every process has dropped its cached copy (NOTIFY). */
const refused = (app: App) => eventually(async () => tokenFor(app).then(() => false,
  (err) => err.error === 'invalid_client'));
const clientEvents = (clientId: string) => query<{ actorType: string; actorId: string | null;
  targetUserId: string | null; details: Record<string, unknown>; }>(
  `SELECT actor_type AS "actorType", actor_id::text AS "actorId", target_user_id::text AS "targetUserId", details
   FROM audit_events WHERE action = 'application.deleted' AND details->>'client_id' = $1 ORDER BY id`, [clientId]);

beforeAll(async () => {
  server = await startTestServer();
  root = await makeUser('ADMIN');
  admin = await consoleSession(server.issuer, root.login!, PASSWORD);
});

afterAll(() => server?.close());

describe('deleting a user from the console', () => {
  it('lists and deletes the applications only they own; co-owned and administered ones stay', async () => {
    const { applications } = server.foyer.services;
    const [doomed, colleague, appUser] = [await makeUser(), await makeUser(), await makeUser()];
    const solo = await makeApp('Solo reporting', doomed.id);
    const personalCreated = await applications.createPersonal(doomed.id,
      { name: 'Doomed personal key', organizationId: null, active: true }, CLI_ACTOR);
    const personal: App = { clientId: personalCreated.client_id, secret: personalCreated.client_secret!,
      name: 'Doomed personal key' };
    const shared = await makeApp('Shared billing', doomed.id);
    await applications.setMember(shared.clientId, colleague.id, 'owner', operatorViewer(CLI_ACTOR));
    const administered = await makeApp('Administered wiki', colleague.id);
    await applications.setMember(administered.clientId, doomed.id, 'admin', operatorViewer(CLI_ACTOR));
    // Another user's consent to the solo app: it goes with the app.
    await createAdapterFactory(server.db.database, async () => undefined)('Grant')
      .upsert(`grant-solo-${serial}`, { kind: 'Grant', accountId: appUser.id, clientId: solo.clientId }, 3600);
    for (const app of [solo, personal, shared, administered]) {
      await expect(tokenFor(app)).resolves.toHaveProperty('access_token');
    }

    const dialog = await (await admin.get(`/admin/users/${doomed.id}/actions/delete`)).text();
    expect(dialog).toContain('These applications have no other owner and are deleted with');
    expect(dialog).toContain(`<a href="/admin/apps/${solo.clientId}">Solo reporting</a>`);
    expect(dialog).toContain(`<a href="/admin/apps/${personal.clientId}">Doomed personal key</a> <span `
      + `class="hint">(personal OAuth application)</span>`);
    expect(dialog).toContain('Personal OAuth applications of');
    expect(dialog).not.toContain('Shared billing');
    expect(dialog).not.toContain('Administered wiki');

    const before = Number((await query<{ id: string }>(
      'SELECT coalesce(max(id), 0)::text AS id FROM audit_events'))[0].id);
    const res = await admin.postForm(`/admin/users/${doomed.id}/actions/delete`,
      { _csrf: await formToken(admin, `/admin/users/${doomed.id}/actions/delete`) });
    expect(res.status).toBe(303);
    expect(await query('SELECT 1 FROM users WHERE id = $1', [doomed.id])).toEqual([]);

    expect(await exists(solo)).toBe(false);
    expect(await exists(personal)).toBe(false);
    expect(await query("SELECT 1 FROM oidc_payloads WHERE model = 'Grant' AND payload->>'clientId' = $1",
      [solo.clientId])).toEqual([]);
    await refused(solo);
    await refused(personal);

    expect(await membersOf(shared)).toEqual([{ userId: colleague.id, role: 'owner' }]);
    expect(await membersOf(administered)).toEqual([{ userId: colleague.id, role: 'owner' }]);
    await expect(tokenFor(shared)).resolves.toHaveProperty('access_token');
    await expect(tokenFor(administered)).resolves.toHaveProperty('access_token');

    for (const app of [solo, personal]) {
      expect(await clientEvents(app.clientId)).toEqual([{
        actorType: 'user', actorId: root.id, targetUserId: doomed.id,
        details: { client_id: app.clientId, name: app.name, reason: 'sole owner deleted' },
      }]);
    }
    expect(await clientEvents(shared.clientId)).toEqual([]);
    const actions = await query<{ action: string }>('SELECT action FROM audit_events WHERE id > $1 ORDER BY id',
      [before]);
    expect(actions.map((e) => e.action)).toEqual(['application.deleted', 'application.deleted', 'user.deleted']);
  });

  it('shows no application list for a user who owns none alone', async () => {
    const [member, colleague] = [await makeUser(), await makeUser()];
    const shared = await makeApp('Co-owned dashboard', member.id);
    await server.foyer.services.applications.setMember(shared.clientId, colleague.id, 'owner',
      operatorViewer(CLI_ACTOR));

    const dialog = await (await admin.get(`/admin/users/${member.id}/actions/delete`)).text();
    expect(dialog).toContain('is deleted for good');
    expect(dialog).not.toContain('no other owner');
    expect(dialog).not.toContain('Co-owned dashboard');
  });
});

describe('deleting a self-deleted account after its grace period', () => {
  it('tells the user which applications go, and the purge deletes them', async () => {
    const [user, colleague] = [await makeUser(), await makeUser()];
    const solo = await makeApp('Hobby project', user.id);
    const shared = await makeApp('Team project', user.id);
    await server.foyer.services.applications.setMember(shared.clientId, colleague.id, 'owner',
      operatorViewer(CLI_ACTOR));

    const account = await consoleSession(server.issuer, user.login!, PASSWORD, '/account');
    const page = await (await account.get('/account/delete')).text();
    expect(page).toContain('You are the only owner of these applications');
    expect(page).toContain('<li>Hobby project</li>');
    expect(page).not.toContain('Team project');
    const scheduled = await account.postForm('/account/delete',
      { password: PASSWORD, _csrf: await formToken(account, '/account/delete') });
    expect(scheduled.status).toBe(200);

    // During the grace period the account can still be restored, and so its applications stay.
    await expect(server.foyer.deletionPurge.run()).resolves.toBe(0);
    await expect(tokenFor(solo)).resolves.toHaveProperty('access_token');

    await query("UPDATE users SET deletion_scheduled_at = now() - interval '1 minute' WHERE id = $1", [user.id]);
    await expect(server.foyer.deletionPurge.run()).resolves.toBe(1);
    expect(await exists(solo)).toBe(false);
    await refused(solo);
    expect(await membersOf(shared)).toEqual([{ userId: colleague.id, role: 'owner' }]);
    await expect(tokenFor(shared)).resolves.toHaveProperty('access_token');
    expect(await clientEvents(solo.clientId)).toEqual([{
      actorType: 'system', actorId: null, targetUserId: user.id,
      details: { client_id: solo.clientId, name: 'Hobby project', reason: 'sole owner deleted' },
    }]);
  });
});

describe('a deletion that does not happen', () => {
  it('keeps the applications of the last Administrator, whose deletion is refused', async () => {
    // root is the only Administrator of this server.
    const app = await makeApp('Root console tool', root.id);
    await expect(server.foyer.services.lifecycle.delete(root.id, CLI_ACTOR,
      ALL_USERS)).rejects.toBeInstanceOf(LastAdministratorError);
    expect(await exists(app)).toBe(true);
    expect(await membersOf(app)).toEqual([{ userId: root.id, role: 'owner' }]);
    expect(await clientEvents(app.clientId)).toEqual([]);
    await expect(tokenFor(app)).resolves.toHaveProperty('access_token');
  });

  it('keeps the applications when a later step of the deletion fails', async () => {
    const user = await makeUser();
    const app = await makeApp('Survivor', user.id);
    const failing = createUserLifecycle({
      db: server.db.database, users: server.foyer.services.users, repository: createUserRepository(server.db.database),
      audit: createAuditLog(server.db.database), records: server.foyer.services.accountRecords, deleteOwnedApplications,
      async revokeAccountTokens(manager, accountId) {
        await revokeAccountTokens(manager, accountId);
        throw new Error('connection lost');
      },
    });

    await expect(failing.delete(user.id, CLI_ACTOR, ALL_USERS)).rejects.toThrow('connection lost');
    expect(await exists(app)).toBe(true);
    expect(await membersOf(app)).toEqual([{ userId: user.id, role: 'owner' }]);
    expect(await clientEvents(app.clientId)).toEqual([]);
    // No NOTIFY escaped the rolled-back transaction: the app keeps working.
    await expect(tokenFor(app)).resolves.toHaveProperty('access_token');
  });
});
