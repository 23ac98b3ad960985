// The policies decide at the service, whoever calls it (console, account pages, SCIM, CSV
// import, CLI): a caller that forgets to check gets the same refusal. Rows beside the
// console's route matrix (admin-authorization.test.ts), one per decision the policies make.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ApplicationAccessError, operatorViewer, type Viewer } from '../../src/applications/application.policy.js';
import { loadConfig } from '../../src/config/config.js';
import { ALL_USERS, scopeOf } from '../../src/platform/access.js';
import { NotFoundError, ValidationError } from '../../src/platform/errors.js';
import { OrganizationsForAdministratorsError } from '../../src/organizations/organization.policy.js';
import { ServiceAccountsForAdministratorsError } from '../../src/api-keys/api-key.policy.js';
import { createServices, type Services } from '../../src/services.js';
import { AdministratorProtectedError, actorOf, isPerson, isStaff, mayChange, ServiceAccountError,
} from '../../src/users/user.policy.js';
import type { User } from '../../src/db/entities/user.entity.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { testEnv } from '../support/server.js';

let db: TestDatabase;
let services: Services;
let orgA: number;
let admin: User;
let manager: User;
let member: User;
let adminOfA: User;

const viewerOf = (u: User): Viewer => ({ actor: actorOf(u), userId: u.id, isAdmin: u.role === 'ADMIN',
  scope: scopeOf(u) });
const machine = { redirectUris: [], postLogoutRedirectUris: [], grantTypes: ['client_credentials'], isPublic: false };

beforeAll(async () => {
  db = await createTestDatabase();
  services = createServices(loadConfig(testEnv({ DATABASE_URL: db.url })), db.database);
  const { users, organizations } = services;
  orgA = (await organizations.create('Policy org', CLI_ACTOR, { kind: 'all' })).id;
  admin = await users.create({ login: 'p-admin', role: 'ADMIN' }, CLI_ACTOR, ALL_USERS);
  manager = await users.create({ login: 'p-manager', role: 'MANAGER', organizationId: orgA }, CLI_ACTOR, ALL_USERS);
  member = await users.create({ login: 'p-member', organizationId: orgA }, CLI_ACTOR, ALL_USERS);
  adminOfA = await users.create({ login: 'p-admin-a', role: 'ADMIN', organizationId: orgA }, CLI_ACTOR, ALL_USERS);
});
afterAll(() => db?.drop());

describe('users policy', () => {
  it('names staff once: Administrators and Managers', () => {
    expect([isStaff('ADMIN'), isStaff('MANAGER'), isStaff('MEMBER')]).toEqual([true, true, false]);
  });

  it("keeps an Administrator's account out of a Manager's reach, in every service", async () => {
    const scope = scopeOf(manager);
    expect(mayChange(scope, adminOfA)).toBe(false);
    expect(mayChange(scope, member)).toBe(true);
    await expect(services.lifecycle.block(adminOfA.id, actorOf(manager),
      scope)).rejects.toBeInstanceOf(AdministratorProtectedError);
    await expect(services.users.setPrivacy(adminOfA.id, 'email', 'public', actorOf(manager),
      scope)).rejects.toBeInstanceOf(AdministratorProtectedError);
    await expect(services.users.changePermissions(adminOfA.id, { role: 'MEMBER' }, actorOf(manager),
      scope)).rejects.toBeInstanceOf(ValidationError);
    expect((await services.users.findById(adminOfA.id))!.blocked).toBe(false);
  });

  it('lets a Manager grant no Administrator role and reach no other organization', async () => {
    const scope = scopeOf(manager);
    await expect(services.users.create({ login: 'p-new-admin', role: 'ADMIN' }, actorOf(manager),
      scope)).rejects.toBeInstanceOf(ValidationError);
    await expect(services.lifecycle.block(admin.id, actorOf(manager), scope)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('applications policy', () => {
  it('lets only those who may change an application regenerate its secret', async () => {
    const app = await services.applications.create({ name: 'Policy app', ...machine }, CLI_ACTOR, admin.id);
    await expect(services.applications.regenerateSecret(app.client_id,
      viewerOf(manager))).rejects.toBeInstanceOf(NotFoundError);
    await expect(services.applications.regenerateSecret(app.client_id,
      viewerOf(member))).rejects.toBeInstanceOf(NotFoundError);
    await expect(services.applications.regenerateSecret(app.client_id,
      viewerOf(admin))).resolves.toEqual(expect.any(String));
  });

  it('lets only those who manage an application hand out roles in it', async () => {
    const app = await services.applications.create({ name: 'Policy roles', ...machine }, CLI_ACTOR, member.id);
    await services.applications.setMember(app.client_id, manager.id, 'admin', viewerOf(member));
    await expect(services.applications.setMember(app.client_id, manager.id, 'owner',
      viewerOf(manager))).rejects.toBeInstanceOf(ApplicationAccessError);
    await expect(services.applications.setMember(app.client_id, admin.id, 'owner',
      viewerOf(adminOfA))).resolves.toBeUndefined();
    await expect(services.applications.setMember(app.client_id, adminOfA.id, 'admin',
      operatorViewer(CLI_ACTOR))).resolves.toBeUndefined();
  });
});

describe('API keys policy', () => {
  it("lets a person make only their own key, and keeps an Administrator's keys from a Manager", async () => {
    await expect(services.apiKeys.generate(member, actorOf(manager))).rejects.toBeInstanceOf(NotFoundError);
    expect(await services.apiKeys.list(member.id)).toEqual([]);
    await services.apiKeys.generate(adminOfA, actorOf(adminOfA));
    const [key] = await services.apiKeys.list(adminOfA.id);
    await expect(services.apiKeys.revoke(adminOfA.id, key.id, actorOf(manager), scopeOf(manager)))
      .rejects.toBeInstanceOf(AdministratorProtectedError);
    await expect(services.apiKeys.generate(member, CLI_ACTOR)).resolves.toMatch(/^foyer_/);
  });
});

describe('service accounts policy', () => {
  it('lets only the all-users scope make, rekey or delete one, and keeps it from Managers and from signing in',
    async () => {
      await expect(services.serviceAccounts.create({ name: 'p-bot-a', role: 'MANAGER', organizationId: orgA },
        actorOf(manager), scopeOf(manager))).rejects.toBeInstanceOf(ServiceAccountsForAdministratorsError);
      const { account } = await services.serviceAccounts.create({ name: 'p-bot-a', role: 'MANAGER',
        organizationId: orgA }, actorOf(admin), scopeOf(admin));
      await expect(services.serviceAccounts.regenerateKey(account.id, {}, actorOf(manager), scopeOf(manager)))
        .rejects.toBeInstanceOf(ServiceAccountsForAdministratorsError);
      await expect(services.serviceAccounts.delete(account.id, actorOf(manager), scopeOf(manager)))
        .rejects.toBeInstanceOf(ServiceAccountsForAdministratorsError);
      const bot = (await services.users.findById(account.id))!;
      expect([isPerson(bot), isPerson(member)]).toEqual([false, true]);
      expect([mayChange(scopeOf(manager), bot), mayChange(ALL_USERS, bot)]).toEqual([false, true]);
      await expect(services.lifecycle.lock(bot.id, { reason: 'by a manager' }, actorOf(manager), scopeOf(manager)))
        .rejects.toBeInstanceOf(AdministratorProtectedError);
      await expect(services.links.setPassword(bot.id, 'A long password 12', { mustChange: false }, CLI_ACTOR,
        ALL_USERS)).rejects.toBeInstanceOf(ServiceAccountError);
      await expect(services.serviceAccounts.delete(account.id, actorOf(admin), scopeOf(admin))).resolves
        .toBeUndefined();
    });
});

describe('groups policy', () => {
  it("keeps a Manager to their organization's groups, and off an Administrator's memberships", async () => {
    const mine = await services.groups.create({ name: 'Policy group A', organizationId: null }, actorOf(manager),
      scopeOf(manager));
    expect(mine.organizationId).toBe(orgA);
    const theirs = await services.groups.create({ name: 'Policy group none' }, CLI_ACTOR, ALL_USERS);
    await expect(services.groups.get(theirs.id, scopeOf(manager))).rejects.toBeInstanceOf(NotFoundError);
    await expect(services.groups.addMembers(theirs.id, [member.id], actorOf(manager),
      scopeOf(manager))).rejects.toBeInstanceOf(NotFoundError);
    expect((await services.groups.list(scopeOf(manager))).map((g) => g.id)).not.toContain(theirs.id);
    await expect(services.groups.addMembers(mine.id, [adminOfA.id], actorOf(manager),
      scopeOf(manager))).rejects.toBeInstanceOf(AdministratorProtectedError);
    await expect(services.groups.addMembers(mine.id, [member.id], actorOf(manager), scopeOf(manager))).resolves.toBe(1);
    await services.groups.addMembers(mine.id, [adminOfA.id], CLI_ACTOR, ALL_USERS);
    await expect(services.groups.delete(mine.id, actorOf(manager),
      scopeOf(manager))).rejects.toBeInstanceOf(AdministratorProtectedError);
    expect((await services.groups.members(mine.id)).map((m) => m.id).sort()).toEqual([member.id, adminOfA.id].sort());
  });
});

describe('organizations policy', () => {
  it('lets only the all-users scope create, rename or delete organizations', async () => {
    const org = await services.organizations.create('Policy org B', actorOf(admin), scopeOf(admin));
    await expect(services.organizations.create('Policy org C', actorOf(manager),
      scopeOf(manager))).rejects.toBeInstanceOf(OrganizationsForAdministratorsError);
    await expect(services.organizations.rename(org.id, 'Renamed by manager', actorOf(manager),
      scopeOf(manager))).rejects.toBeInstanceOf(OrganizationsForAdministratorsError);
    await expect(services.organizations.delete(org.id, actorOf(manager),
      scopeOf(manager))).rejects.toBeInstanceOf(OrganizationsForAdministratorsError);
    expect((await services.organizations.findById(org.id))?.name).toBe('Policy org B');
    await expect(services.organizations.delete(org.id, CLI_ACTOR, ALL_USERS)).resolves.toBeUndefined();
  });
});
