// Consents on a real PostgreSQL (issue 17, item 8): one row per user and application, kept
// when sessions end (block, lock, End all sessions), removed by revoking it (with the grants
// of every session for that application and their tokens), by deleting the application or
// the user. And the migration that brings them, seeded from the grants there were.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import { loadConfig } from '../../src/config/config.js';
import { createAdapterFactory } from '../../src/oidc/adapter.js';
import { operatorViewer } from '../../src/applications/application.policy.js';
import { ConsentsAndLinkEndings1732460000000 } from '../../migrations/1732460000000-consents-and-link-endings.js';
import { createServices, type Services } from '../../src/services.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { testEnv } from '../support/server.js';

let db: TestDatabase;
let services: Services;
let serial = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  services = createServices(loadConfig(testEnv({ DATABASE_URL: db.url })), db.database);
});

afterAll(async () => {
  await db?.drop();
});

const query = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> =>
  db.dataSource.query(sql, params);

async function createUser() {
  serial += 1;
  return services.users.create({ login: `consenter${serial}`, password: 'correct horse battery' }, CLI_ACTOR,
    ALL_USERS);
}

async function createApp(name: string): Promise<string> {
  return (await services.applications.create({ name, redirectUris: ['https://app.example.com/cb'],
    postLogoutRedirectUris: [], grantTypes: ['authorization_code', 'refresh_token'], isPublic: false },
  CLI_ACTOR)).client_id;
}

/** What signing in on one device leaves: a session with its grant for the app, and two tokens of that grant. */
async function signedInOnADevice(accountId: string, clientId: string): Promise<string> {
  const adapterFor = createAdapterFactory(db.database, async () => undefined);
  serial += 1;
  const grantId = `grant-${accountId}-${serial}`;
  await adapterFor('Session').upsert(`sess-${grantId}`, { kind: 'Session', accountId, uid: `uid-${grantId}`,
    authorizations: { [clientId]: { grantId, sid: `sid-${grantId}` } } }, 3600);
  await adapterFor('Grant').upsert(grantId, { kind: 'Grant', accountId, clientId,
    openid: { scope: 'openid email', claims: ['email'] } }, 3600);
  await adapterFor('AccessToken').upsert(`at-${grantId}`, { kind: 'AccessToken', accountId, grantId, clientId }, 3600);
  await adapterFor('RefreshToken').upsert(`rt-${grantId}`, { kind: 'RefreshToken', accountId, grantId, clientId },
    3600);
  return grantId;
}

const remember = (userId: string, clientId: string) => services.accountRecords.rememberConsent(userId, clientId,
  { scopes: ['openid', 'email'], claims: ['email', 'email_verified'], rejectedClaims: ['family_name'] });

const payloads = async (accountId: string) => (await query<{ model: string }>(
  'SELECT model FROM oidc_payloads WHERE account_id = $1 ORDER BY model', [accountId])).map((r) => r.model);

describe('consents', () => {
  it('one row per application, whatever the number of devices; ending sessions keeps it', async () => {
    const { accountRecords, lifecycle } = services;
    const user = await createUser();
    const app = await createApp('Tea Party');
    await signedInOnADevice(user.id, app);
    await signedInOnADevice(user.id, app);
    await remember(user.id, app);
    await remember(user.id, app);

    expect(await accountRecords.consents(user.id)).toEqual([{ clientId: app, app: 'Tea Party',
      scopes: ['openid', 'email'], claims: ['email'], grantedAt: expect.any(Date) }]);

    await lifecycle.endSessions(user.id, CLI_ACTOR, ALL_USERS);
    expect(await payloads(user.id)).toEqual([]);
    expect(await accountRecords.consents(user.id)).toHaveLength(1);

    await signedInOnADevice(user.id, app);
    await lifecycle.block(user.id, CLI_ACTOR, ALL_USERS);
    await lifecycle.unblock(user.id, CLI_ACTOR, ALL_USERS);
    await lifecycle.lock(user.id, { reason: 'Laptop stolen' }, CLI_ACTOR, ALL_USERS);
    expect(await payloads(user.id)).toEqual([]);
    await expect(accountRecords.consentOf(user.id, app)).resolves.toEqual({ scopes: ['openid', 'email'],
      claims: ['email', 'email_verified'], rejectedClaims: ['family_name'] });
  });

  it('revoking removes the consent, the grant of every session for that app and their tokens, and nothing else',
    async () => {
      const { accountRecords, lifecycle } = services;
      const user = await createUser();
      const [tea, hare] = [await createApp('Tea Party'), await createApp('March Hare')];
      await signedInOnADevice(user.id, tea);
      await signedInOnADevice(user.id, tea);
      const hareGrant = await signedInOnADevice(user.id, hare);
      await remember(user.id, tea);
      await remember(user.id, hare);

      await expect(lifecycle.revokeConsents(user.id, [tea], CLI_ACTOR, ALL_USERS)).resolves.toBe(7);
      expect((await accountRecords.consents(user.id)).map((c) => c.app)).toEqual(['March Hare']);
      await expect(accountRecords.consentOf(user.id, tea)).resolves.toBeUndefined();
      expect(await payloads(user.id)).toEqual(['AccessToken', 'Grant', 'RefreshToken', 'Session', 'Session',
        'Session']);
      expect((await query<{ grant_id: string }>(`SELECT DISTINCT grant_id FROM oidc_payloads WHERE account_id = $1
        AND grant_id IS NOT NULL`, [user.id])).map((r) => r.grant_id)).toEqual([hareGrant]);
      const [event] = await query<{ details: unknown }>(`SELECT details FROM audit_events WHERE target_user_id = $1
        AND action = 'user.consents_revoked'`, [user.id]);
      expect(event.details).toEqual({ grants: 1, revokedRecords: 7 });
    });

  it('deleting the application or the user removes their consents', async () => {
    const { accountRecords, applications, lifecycle } = services;
    const [user, other] = [await createUser(), await createUser()];
    const [tea, hare] = [await createApp('Tea Party'), await createApp('March Hare')];
    for (const [u, a] of [[user, tea], [user, hare], [other, tea]] as const) await remember(u.id, a);

    await applications.delete(tea, operatorViewer(CLI_ACTOR));
    expect((await accountRecords.consents(user.id)).map((c) => c.clientId)).toEqual([hare]);
    expect(await accountRecords.consents(other.id)).toEqual([]);

    await lifecycle.delete(user.id, CLI_ACTOR, ALL_USERS);
    expect(await query('SELECT 1 FROM consents WHERE user_id = $1', [user.id])).toEqual([]);
    // Remembering for a user gone meanwhile leaves nothing behind.
    await remember(user.id, hare);
    expect(await query('SELECT 1 FROM consents WHERE user_id = $1', [user.id])).toEqual([]);
  });
});

describe('consents migration (1732460000000)', () => {
  it('seeds one consent per user and application from the newest live grant; down drops them', async () => {
    const runner = db.dataSource.createQueryRunner();
    const migration = new ConsentsAndLinkEndings1732460000000();
    try {
      const user = await createUser();
      const app = await createApp('Seeded');
      await migration.down(runner);
      const grant = (id: string, iat: number, payload: Record<string, unknown>, expires = "now() + interval '1 day'") =>
        runner.query(`INSERT INTO oidc_payloads (model, id, payload, account_id, expires_at)
          VALUES ('Grant', $1, $2, $3, ${expires})`,
        [id, JSON.stringify({ kind: 'Grant', accountId: user.id, clientId: app, iat, ...payload }), user.id]);
      await grant('old', 100, { openid: { scope: 'openid', claims: [] } });
      await grant('new', 200, { openid: { scope: 'openid email profile', claims: ['email', 'given_name'] },
        rejected: { openid: { claims: ['family_name'] } } });
      await grant('expired', 300, { openid: { scope: 'openid phone' } }, "now() - interval '1 minute'");
      await runner.query(`INSERT INTO oidc_payloads (model, id, payload, account_id, expires_at)
        VALUES ('Grant', 'not-a-user', $1, 'someone-else', NULL)`, [JSON.stringify({ clientId: app })]);

      await migration.up(runner);
      expect(await query('SELECT user_id::text AS "userId", client_id AS "clientId", scopes, claims, '
        + 'rejected_claims AS "rejected", granted_at AS "grantedAt" FROM consents WHERE client_id = $1 OR user_id = $2',
      [app, user.id])).toEqual([{ userId: user.id,
        clientId: app, scopes: ['openid', 'email', 'profile'], claims: ['email', 'given_name'],
        rejected: ['family_name'],
        grantedAt: new Date(200_000) }]);

      await migration.down(runner);
      expect(await query("SELECT to_regclass('consents') AS t")).toEqual([{ t: null }]);
      await migration.up(runner);
    } finally {
      await runner.release();
    }
  });
});
