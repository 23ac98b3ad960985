// Block, lock, end sessions and delete on a real PostgreSQL: each takes effect in one
// transaction with its audit event, or not at all; failed sign-ins lock automatically.
import { CLI_ACTOR, createAuditLog } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import { loadConfig, type Config } from '../../src/config/config.js';

import { NotFoundError, ValidationError } from '../../src/platform/errors.js';
import { createUserRepository } from '../../src/users/user.repository.js';
import { deleteOwnedApplications } from '../../src/applications/application.repository.js';
import { createUserLifecycle } from '../../src/users/user-lifecycle.service.js';
import { AUTO_LOCK_REASON, LastAdministratorError, type CreateUserInput } from '../../src/users/user.service.js';
import { AdministratorProtectedError } from '../../src/users/user.policy.js';
import { createAdapterFactory } from '../../src/oidc/adapter.js';
import { revokeAccountTokens } from '../../src/sessions/payload.repository.js';
import { createServices, type Services } from '../../src/services.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { testEnv } from '../support/server.js';

const PASSWORD = 'correct horse battery';
let db: TestDatabase;
let config: Config;
let services: Services;
let serial = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  config = loadConfig(testEnv({ DATABASE_URL: db.url }));
  services = createServices(config, db.database);
});

afterAll(async () => {
  await db?.drop();
});

function newUser(overrides: Partial<CreateUserInput> = {}): CreateUserInput {
  serial += 1;
  return { login: `life${serial}`, email: `life${serial}@example.com`, password: PASSWORD, ...overrides };
}
const createUser = (overrides: Partial<CreateUserInput> = {}) => services.users.create(newUser(overrides), CLI_ACTOR,
  ALL_USERS);

async function auditEvents(userId: string,
  action: string): Promise<{ details: Record<string, unknown>; target_label: string; actor_type: string }[]> {
  return db.dataSource.query('SELECT details, target_label, actor_type FROM audit_events WHERE target_user_id = $1 '
    + 'AND action = $2 ORDER BY id', [userId, action]);
}

async function payloadCount(accountId: string): Promise<number> {
  const [row] = await db.dataSource.query('SELECT count(*)::int AS n FROM oidc_payloads WHERE account_id = $1',
    [accountId]);
  return row.n;
}

/** What an account holds after signing in to an app: a session, a grant and two tokens. */
async function giveTokens(accountId: string): Promise<void> {
  const adapterFor = createAdapterFactory(db.database, async () => undefined);
  const grantId = `grant-${accountId}-${serial++}`;
  await adapterFor('Session').upsert(`sess-${grantId}`,
    { kind: 'Session', accountId, uid: `uid-${grantId}`, authorizations: { app: { grantId, sid: `sid-${grantId}` } } },
    3600);
  await adapterFor('Grant').upsert(grantId, { kind: 'Grant', accountId, clientId: 'app' }, 3600);
  await adapterFor('AccessToken').upsert(`at-${grantId}`, { kind: 'AccessToken', accountId, grantId }, 3600);
  await adapterFor('RefreshToken').upsert(`rt-${grantId}`, { kind: 'RefreshToken', accountId, grantId }, 3600);
}

describe('block and unblock', () => {
  it('blocks, ends every session and token of the account, and records it', async () => {
    const { lifecycle, users } = services;
    const [victim, bystander] = [await createUser(), await createUser()];
    await giveTokens(victim.id);
    await giveTokens(victim.id);
    await giveTokens(bystander.id);

    const result = await lifecycle.block(victim.id, CLI_ACTOR, ALL_USERS);

    expect(result).toMatchObject({ revoked: 8, user: { id: victim.id, blocked: true } });
    expect(await users.findById(victim.id)).toMatchObject({ blocked: true, blockedAt: expect.any(Date) });
    expect(await payloadCount(victim.id)).toBe(0);
    expect(await payloadCount(bystander.id)).toBe(4);
    expect((await auditEvents(victim.id, 'user.blocked')).map((e) => e.details)).toEqual([{ revokedRecords: 8 }]);
    expect(await users.findActive(victim.id)).toBeUndefined();

    await lifecycle.unblock(victim.id, CLI_ACTOR, ALL_USERS);
    expect(await users.findById(victim.id)).toMatchObject({ blocked: false, blockedAt: null });
    expect(await auditEvents(victim.id, 'user.unblocked')).toHaveLength(1);
    expect(await users.findActive(victim.id)).toMatchObject({ id: victim.id });
  });

  it('changes nothing when ending the sessions fails halfway', async () => {
    const user = await createUser();
    await giveTokens(user.id);
    const failing = createUserLifecycle({
      db: db.database, users: services.users, repository: createUserRepository(db.database),
      audit: createAuditLog(db.database), records: services.accountRecords,
      deleteOwnedApplications,
      async revokeAccountTokens(manager, accountId) {
        await revokeAccountTokens(manager, accountId);
        throw new Error('connection lost');
      },
    });

    await expect(failing.block(user.id, CLI_ACTOR, ALL_USERS)).rejects.toThrow('connection lost');
    expect(await services.users.findById(user.id)).toMatchObject({ blocked: false });
    expect(await payloadCount(user.id)).toBe(4);
    expect(await auditEvents(user.id, 'user.blocked')).toEqual([]);
  });

  it('does not block a user that does not exist', async () => {
    await expect(services.lifecycle.block('987654321', CLI_ACTOR, ALL_USERS)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('end sessions', () => {
  it('ends every session and token but leaves the account active, and tells listeners which sessions ended',
    async () => {
      const { lifecycle, users } = services;
      const user = await createUser();
      await giveTokens(user.id);
      await giveTokens(user.id);
      const heard: unknown[] = [];
      lifecycle.onSessionsEnded(async (accountId, sessions) => {
        heard.push({ accountId, sessions });
      });
      await expect(lifecycle.endSessions(user.id, CLI_ACTOR, { kind: 'all' })).resolves.toMatchObject({ revoked: 8 });
      expect(await payloadCount(user.id)).toBe(0);
      expect(await users.findActive(user.id)).toMatchObject({ id: user.id });
      expect(heard).toEqual([{ accountId: user.id, sessions: [{ clients: [{ clientId: 'app', sid: expect.stringMatching(/^sid-/) }] }, { clients: [{ clientId: 'app', sid: expect.stringMatching(/^sid-/) }] }] }]);
      expect((await auditEvents(user.id, 'user.sessions_ended'))[0].details)
        .toEqual({ sessions: 2, revokedRecords: 8 });
    });
});

describe('lock and unlock', () => {
  it('locks with a reason until a time, ending sessions; unlocking returns the user to Active', async () => {
    const { lifecycle, users } = services;
    const user = await createUser();
    await giveTokens(user.id);
    const until = new Date(Date.now() + 86_400_000).toISOString().slice(0, 16);
    const locked = await lifecycle.lock(user.id, { reason: 'Laptop stolen', until }, CLI_ACTOR, { kind: 'all' });
    expect(locked).toMatchObject({ lockedReason: 'Laptop stolen', lockedUntil: new Date(`${until}:00Z`) });
    expect(await payloadCount(user.id)).toBe(0);
    expect(await users.findActive(user.id)).toBeUndefined();
    await expect(users.signIn(user.login!, PASSWORD)).resolves.toMatchObject({ outcome: 'locked' });

    await lifecycle.unlock(user.id, CLI_ACTOR, { kind: 'all' });
    await expect(users.signIn(user.login!, PASSWORD)).resolves.toMatchObject({ outcome: 'ok' });
    expect((await auditEvents(user.id, 'user.locked'))[0].details).toMatchObject({ reason: 'Laptop stolen',
      revokedRecords: 4 });
    expect(await auditEvents(user.id, 'user.unlocked')).toHaveLength(1);
  });

  it('needs a reason and a future end, and says so per field', async () => {
    const user = await createUser();
    const attempt = services.lifecycle.lock(user.id, { reason: ' ', until: '2001-01-01' }, CLI_ACTOR, { kind: 'all' });
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toMatchObject({ fields: { reason: expect.any(String), until: expect.stringMatching(/future/) } });
    await expect(services.lifecycle.lock(user.id, { reason: 'x', until: 'soon' }, CLI_ACTOR, { kind: 'all' }))
      .rejects.toMatchObject({ fields: { until: expect.stringMatching(/YYYY-MM-DD/) } });
  });

  it('locks after the configured number of failed sign-ins, and a success clears the count', async () => {
    const { users, settings, lifecycle } = services;
    await settings.updateLockout({ maxFailures: '3', windowMinutes: '15', lockMinutes: '0' }, CLI_ACTOR);
    try {
      const user = await createUser();
      await users.signIn(user.login!, 'wrong 1');
      await users.signIn(user.login!, 'wrong 2');
      await expect(users.signIn(user.login!, PASSWORD)).resolves.toMatchObject({ outcome: 'ok' });
      expect(await users.findById(user.id)).toMatchObject({ failedSignIns: 0 });

      for (let i = 0; i < 3; i += 1) {
        await expect(users.signIn(user.email!, `wrong ${i}`)).resolves.toEqual({ outcome: 'invalid' });
      }
      // While locked automatically the right password gets the same answer as a wrong one (no oracle).
      await expect(users.signIn(user.login!, PASSWORD)).resolves.toEqual({ outcome: 'invalid' });
      expect(await users.findById(user.id)).toMatchObject({ lockedReason: AUTO_LOCK_REASON, lockedUntil: null });
      const [event] = await auditEvents(user.id, 'user.locked');
      expect(event).toMatchObject({ actor_type: 'system',
        details: { automatic: true, failedSignIns: 3, until: null } });

      await lifecycle.unlock(user.id, CLI_ACTOR, { kind: 'all' });
      expect(await users.findById(user.id)).toMatchObject({ failedSignIns: 0, lockedAt: null });
      await expect(users.signIn(user.login!, PASSWORD)).resolves.toMatchObject({ outcome: 'ok' });
    } finally {
      await settings.updateLockout({ maxFailures: '5', windowMinutes: '15', lockMinutes: '15' }, CLI_ACTOR);
    }
  });

  it('lets an automatic lock run out after its duration', async () => {
    const { users } = services;
    const user = await createUser();
    for (let i = 0; i < 5; i += 1) await users.signIn(user.login!, 'wrong');
    const lockedUntil: Date = (await users.findById(user.id))!.lockedUntil!;
    expect(lockedUntil.getTime() - Date.now()).toBeGreaterThan(14 * 60_000);
    await db.dataSource.query("UPDATE users SET locked_until = now() - interval '1 second' WHERE id = $1", [user.id]);
    await expect(users.signIn(user.login!, PASSWORD)).resolves.toMatchObject({ outcome: 'ok' });
    expect(await users.findById(user.id)).toMatchObject({ lockedAt: null, failedSignIns: 0 });
  });

  it('counts failures of an unknown identifier against nobody', async () => {
    await expect(services.users.signIn('nobody-at-all', 'whatever')).resolves.toEqual({ outcome: 'invalid' });
  });
});

describe('delete', () => {
  it('removes the user, their links and provider records; the log keeps only the fact and the login', async () => {
    const { lifecycle, users } = services;
    const user = await createUser({ givenName: 'Secret', email: 'private.person@example.com' });
    await giveTokens(user.id);
    await db.dataSource.query("INSERT INTO one_time_tokens (purpose, token_hash, user_id) VALUES ('test', "
      + 'md5(random()::text), $1)', [user.id]);
    await users.setPrivacy(user.id, 'email', 'public', CLI_ACTOR, ALL_USERS);

    await expect(lifecycle.delete(user.id, CLI_ACTOR, { kind: 'all' })).resolves.toEqual({ id: user.id,
      login: user.login });

    expect(await users.findById(user.id)).toBeNull();
    expect(await payloadCount(user.id)).toBe(0);
    expect((await db.dataSource.query('SELECT count(*)::int AS n FROM one_time_tokens WHERE user_id = $1',
      [user.id]))[0].n).toBe(0);
    const log: { action: string; target_label: string; text: string }[] = await db.dataSource.query(
      'SELECT action, target_label, details::text AS text FROM audit_events WHERE target_user_id = $1 ORDER BY id',
      [user.id]);
    expect(log.map((e) => e.action)).toEqual(['user.created', 'user.privacy_changed', 'user.deleted']);
    for (const event of log) {
      expect(event.target_label).toBe(user.login);
      expect(event.text).not.toContain('private.person');
      expect(event.text).not.toContain('Secret');
    }
    await expect(lifecycle.delete(user.id, CLI_ACTOR, { kind: 'all' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses to delete the last active Administrator', async () => {
    await db.dataSource.query("UPDATE users SET role = 'MEMBER' WHERE role = 'ADMIN'");
    const admin = await createUser({ role: 'ADMIN' });
    await expect(services.lifecycle.delete(admin.id, CLI_ACTOR,
      { kind: 'all' })).rejects.toBeInstanceOf(LastAdministratorError);
    expect(await services.users.findById(admin.id)).not.toBeNull();
  });
});

describe('scope', () => {
  it("keeps a Manager's hands off other organizations and off Administrators", async () => {
    const { organizations, lifecycle, users } = services;
    const [a, b] = [await organizations.create(`Life A ${serial}`, CLI_ACTOR, { kind: 'all' }),
      await organizations.create(`Life B ${serial}`, CLI_ACTOR, { kind: 'all' })];
    const outsider = await createUser({ organizationId: b.id });
    const admin = await createUser({ role: 'ADMIN', organizationId: a.id });
    const scope = { kind: 'organization', organizationId: a.id } as const;
    for (const action of [
      () => lifecycle.block(outsider.id, CLI_ACTOR, scope), () => lifecycle.endSessions(outsider.id, CLI_ACTOR, scope),
      () => lifecycle.lock(outsider.id, { reason: 'x' }, CLI_ACTOR, scope),
      () => lifecycle.delete(outsider.id, CLI_ACTOR, scope),
    ]) await expect(action()).rejects.toBeInstanceOf(NotFoundError);
    await expect(lifecycle.block(admin.id, CLI_ACTOR, scope)).rejects.toBeInstanceOf(AdministratorProtectedError);
    expect(await users.findById(outsider.id)).toMatchObject({ blocked: false, lockedAt: null });
    expect(await users.findById(admin.id)).toMatchObject({ blocked: false });
  });
});
