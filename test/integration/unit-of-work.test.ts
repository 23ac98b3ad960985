// One unit of work per audited write: for every aggregate, the audit insert is made to fail
// inside PostgreSQL and the whole change must be gone with it — nothing half-applied.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { operatorViewer } from '../../src/applications/application.policy.js';
import { ALL_USERS } from '../../src/platform/access.js';
import { failAuditOf } from '../support/failing-audit.js';
import { startTestServer, type TestServer } from '../support/server.js';

const ALL = { kind: 'all' } as const;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

const count = async (sql: string,
  params: unknown[] = []) => Number((await server.db.dataSource.query(sql, params))[0].n);

/** Runs `write` with the audit insert of `action` refused; it must fail and leave `state()` as it was. */
async function rolledBack(action: string, write: () => Promise<unknown>, state: () => Promise<unknown>): Promise<void> {
  const before = await state();
  const undo = await failAuditOf(server.db.database, action);
  try {
    await expect(write()).rejects.toThrow();
  } finally {
    await undo();
  }
  expect(await state()).toEqual(before);
}

describe('a refused audit insert rolls the whole change back', () => {
  it('users: creation, profile change, block', async () => {
    const { users, lifecycle } = server.foyer.services;
    await rolledBack('user.created',
      () => users.create({ login: 'uow-new', password: 'unit of work 1' }, CLI_ACTOR, ALL_USERS),
      () => count("SELECT count(*) AS n FROM users WHERE login = 'uow-new'"));
    const ann = await users.create({ login: 'uow-ann', password: 'unit of work 1' }, CLI_ACTOR, ALL_USERS);
    const row = () => server.db.dataSource.query('SELECT given_name, blocked, updated_at FROM users WHERE id = $1',
      [ann.id]);
    await rolledBack('user.updated', () => users.update(ann.id, { givenName: 'Ann' }, CLI_ACTOR, ALL), row);
    await rolledBack('user.blocked', () => lifecycle.block(ann.id, CLI_ACTOR, ALL), row);
  });

  it('users: a cancelled invitation and the removal of its pending account', async () => {
    const { links } = server.foyer.services;
    const invited = await links.invite({ email: 'uow-invited@example.com' }, CLI_ACTOR, ALL_USERS);
    const state = async () => [await count('SELECT count(*) AS n FROM users WHERE id = $1', [invited.id]),
      await count("SELECT count(*) AS n FROM audit_events WHERE action = 'user.invitation_cancelled' "
        + 'AND target_user_id = $1', [invited.id])];
    expect(await state()).toEqual([1, 0]);
    await rolledBack('user.deleted', () => links.cancelInvitation(invited.id, CLI_ACTOR, ALL_USERS), state);
  });

  it('SCIM: a user created blocked', async () => {
    const { users, apiKeys } = server.foyer.services;
    const admin = await users.create({ login: 'uow-scim-u', password: 'unit of work 1', role: 'ADMIN' }, CLI_ACTOR,
      ALL_USERS);
    const key = await apiKeys.generate(admin, CLI_ACTOR);
    await rolledBack('user.blocked', async () => {
      const res = await fetch(`${server.issuer}/scim/v2/Users`, {
        method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/scim+json' },
        body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'uow-scim-blocked',
          active: false }),
      });
      if (!res.ok) throw new Error(`SCIM answered ${res.status}`);
    }, () => count("SELECT count(*) AS n FROM users WHERE login = 'uow-scim-blocked'"));
  });

  it('groups: creation, members added', async () => {
    const { users, groups } = server.foyer.services;
    await rolledBack('group.created', () => groups.create({ name: 'UoW group' }, CLI_ACTOR, ALL),
      () => count("SELECT count(*) AS n FROM groups WHERE name = 'UoW group'"));
    const g = await groups.create({ name: 'UoW members' }, CLI_ACTOR, ALL);
    const ben = await users.create({ login: 'uow-ben' }, CLI_ACTOR, ALL_USERS);
    const cat = await users.create({ login: 'uow-cat' }, CLI_ACTOR, ALL_USERS);
    await rolledBack('group.member_added', () => groups.addMembers(g.id, [ben.id, cat.id], CLI_ACTOR, ALL),
      () => count('SELECT count(*) AS n FROM group_members WHERE group_id = $1', [g.id]));
  });

  it('SCIM: a group created with members', async () => {
    const { users, apiKeys } = server.foyer.services;
    const admin = await users.create({ login: 'uow-scim', password: 'unit of work 1', role: 'ADMIN' }, CLI_ACTOR,
      ALL_USERS);
    const key = await apiKeys.generate(admin, CLI_ACTOR);
    const dan = await users.create({ login: 'uow-dan' }, CLI_ACTOR, ALL_USERS);
    await rolledBack('group.member_added', async () => {
      const res = await fetch(`${server.issuer}/scim/v2/Groups`, {
        method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/scim+json' },
        body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'UoW SCIM',
          members: [{ value: dan.id }] }),
      });
      if (!res.ok) throw new Error(`SCIM answered ${res.status}`);
    }, () => count("SELECT count(*) AS n FROM groups WHERE name = 'UoW SCIM'"));
  });

  it('organizations: creation, rename', async () => {
    const { organizations } = server.foyer.services;
    await rolledBack('organization.created', () => organizations.create('UoW org', CLI_ACTOR, { kind: 'all' }),
      () => count("SELECT count(*) AS n FROM organizations WHERE name = 'UoW org'"));
    const org = await organizations.create('UoW kept', CLI_ACTOR, { kind: 'all' });
    await rolledBack('organization.renamed',
      () => organizations.rename(org.id, 'UoW renamed', CLI_ACTOR, { kind: 'all' }),
      () => server.db.dataSource.query('SELECT name FROM organizations WHERE id = $1', [org.id]));
  });

  it('applications: creation with its owner, secret regeneration', async () => {
    const { users, applications } = server.foyer.services;
    const owner = await users.create({ login: 'uow-owner' }, CLI_ACTOR, ALL_USERS);
    const machine = { redirectUris: [], postLogoutRedirectUris: [], grantTypes: ['client_credentials'],
      isPublic: false };
    const state = async () => [await count('SELECT count(*) AS n FROM clients'),
      await count('SELECT count(*) AS n FROM client_members')];
    await rolledBack('application.created',
      () => applications.create({ name: 'UoW app', ...machine }, CLI_ACTOR, owner.id),
      state);
    const app = await applications.create({ name: 'UoW kept app', ...machine }, CLI_ACTOR);
    await rolledBack('application.secret_regenerated',
      () => applications.regenerateSecret(app.client_id, operatorViewer(CLI_ACTOR)),
      () => server.db.dataSource.query('SELECT * FROM clients WHERE client_id = $1', [app.client_id]));
  });

  it('API keys: generation replaces no key', async () => {
    const { users, apiKeys } = server.foyer.services;
    const owner = await users.create({ login: 'uow-keys', role: 'ADMIN' }, CLI_ACTOR, ALL_USERS);
    const first = await apiKeys.generate(owner, CLI_ACTOR);
    await rolledBack('api_key.regenerated', () => apiKeys.generate(owner, CLI_ACTOR),
      () => server.db.dataSource.query('SELECT id, key_hash FROM api_keys WHERE user_id = $1', [owner.id]));
    await expect(apiKeys.authenticate(first)).resolves.toMatchObject({ id: owner.id });
  });

  it('service accounts: creation with its key, key regeneration, deletion', async () => {
    const { serviceAccounts } = server.foyer.services;
    await rolledBack('service_account.created', () => serviceAccounts.create({ name: 'uow-bot-0' }, CLI_ACTOR, ALL),
      () => count("SELECT count(*) AS n FROM users WHERE login = 'uow-bot-0'"));
    const { account, key } = await serviceAccounts.create({ name: 'uow-bot' }, CLI_ACTOR, ALL);
    const keys = () => server.db.dataSource.query('SELECT id, key_hash FROM api_keys WHERE user_id = $1',
      [account.id]);
    await rolledBack('service_account.key_regenerated', () => serviceAccounts.regenerateKey(account.id, {}, CLI_ACTOR,
      ALL), keys);
    await rolledBack('service_account.deleted', () => serviceAccounts.delete(account.id, CLI_ACTOR, ALL),
      () => count('SELECT count(*) AS n FROM users WHERE id = $1', [account.id]));
    await expect(server.foyer.services.apiKeys.authenticate(key)).resolves.toMatchObject({ id: account.id });
  });

  it('settings: a custom field added', async () => {
    const { settings } = server.foyer.services;
    await rolledBack('settings.custom_field_added',
      () => settings.addCustomField({ key: 'uow', label: 'UoW', type: 'text' }, CLI_ACTOR),
      () => count("SELECT count(*) AS n FROM custom_fields WHERE key = 'uow'"));
  });

  it('mass actions: a job started with its items', async () => {
    const { users, bulk } = server.foyer.services;
    const admin = await users.create({ login: 'uow-mass-admin', role: 'ADMIN' }, CLI_ACTOR, ALL_USERS);
    const target = await users.create({ login: 'uow-mass-target' }, CLI_ACTOR, ALL_USERS);
    const staff = { actor: { type: 'user' as const, id: admin.id, label: 'uow-mass-admin' }, scope: ALL,
      isAdmin: true };
    await rolledBack('users.mass_action_started', () => bulk.start('block', { ids: [target.id] }, staff),
      async () => [await count('SELECT count(*) AS n FROM bulk_jobs'), await count('SELECT count(*) AS n FROM '
        + 'bulk_job_items')]);
  });
});
