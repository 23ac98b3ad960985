// Issue 14, finding 10 (at rest): whoever reads a database backup must not be able to use a
// live token or session, nor forge a cookie or a signature. Provider payloads keep access
// tokens, refresh tokens, codes and session ids only as SHA-256 hashes (the migration
// converts rows stored before), and provider_secrets is sealed under FOYER_SECRETS_KEY.
// Real server, real app (openid-client), sign-in over HTTP as a browser would.
import http from 'node:http';
import { ALL_USERS } from '../../src/platform/access.js';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createHash, randomBytes } from 'node:crypto';
import { createFoyer, type Foyer } from '../../src/app.js';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import type { User } from '../../src/db/entities/user.entity.js';
import { createLogger } from '../../src/platform/logger.js';
import { loadProviderSecrets } from '../../src/oidc/keys.js';

import { consoleSession, formToken } from '../support/console-session.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { csrfTokenIn, HttpSession } from '../support/http-session.js';
import { authorizationRequest, registerTeaParty, discover, oidc, startCallbackServer,
  type CallbackServer } from '../support/relying-party.js';
import { startTestServer, testEnv, type TestServer } from '../support/server.js';

const PASSWORD = 'mad hatter tea';
const MIGRATION = 'HashedPayloadIds1732395000000';
const sha256hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const cookiesOf = (browser: HttpSession) => (browser as unknown as { cookies: Map<string, string> }).cookies;

/** Follows redirects inside Foyer; stops at a page or at a redirect back to the app. */
async function follow(session: HttpSession, res: Response, appUrl: string): Promise<Response> {
  let current = res;
  for (let hops = 0; hops < 20 && current.status >= 300 && current.status < 400; hops += 1) {
    const location = current.headers.get('location')!;
    if (location.startsWith(appUrl)) return current;
    await current.arrayBuffer();
    current = await session.get(location);
  }
  return current;
}

interface App { issuer: string; client: oidc.Configuration; rp: CallbackServer }

/** Signs `login` in to the app as a browser would; returns the browser, the code it carried and the app's tokens. */
async function signInToApp(app: App, login: string) {
  const browser = new HttpSession(app.issuer);
  const request = await authorizationRequest(app.client, `${app.rp.url}/cb`, 'openid offline_access');
  let page = await follow(browser, await browser.get(`${request.url.pathname}${request.url.search}`), app.rp.url);
  let html = await page.text();
  const loginAction = /action="(\/interaction\/[^"]+\/login)"/.exec(html)![1];
  page = await follow(browser,
    await browser.postForm(loginAction, { identifier: login, password: PASSWORD, _csrf: csrfTokenIn(html) }),
    app.rp.url);
  if (page.status === 200) {
    html = await page.text();
    const consentAction = /action="(\/interaction\/[^"]+\/consent)"/.exec(html)![1];
    page = await follow(browser, await browser.postForm(consentAction, { _csrf: csrfTokenIn(html) }), app.rp.url);
  }
  const callback = new URL(page.headers.get('location')!);
  const code = callback.searchParams.get('code')!;
  const tokens = await oidc.authorizationCodeGrant(app.client, callback, {
    pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce,
  });
  const sessionCookie = cookiesOf(browser).get('_session')!;
  expect(sessionCookie).toBeTruthy();
  return { browser, code, tokens, sessionCookie };
}

/** What a silent sign-in (prompt=none) with this browser's Foyer cookies gets: a code, or an error. */
async function silentSignIn(app: App, browser: HttpSession): Promise<URLSearchParams> {
  const request = await authorizationRequest(app.client, `${app.rp.url}/cb`, 'openid', { prompt: 'none' });
  const res = await follow(browser, await browser.get(`${request.url.pathname}${request.url.search}`), app.rp.url);
  expect(res.status).toBeGreaterThanOrEqual(300);
  return new URL(res.headers.get('location')!).searchParams;
}

/** Every stored payload row as text: what a backup reader sees. */
async function backupText(query: (q: string) => Promise<{ t: string }[]>): Promise<string> {
  const rows = await query(`SELECT concat_ws(' ', model, id, payload::text, account_id, grant_id, uid, user_code) AS t `
    + `FROM oidc_payloads`);
  return rows.map((r) => r.t).join('\n');
}

describe('provider payloads', () => {
  let server: TestServer;
  let app: App;
  let admin: HttpSession;
  const backup = () => backupText((q) => server.db.dataSource.query(q));

  beforeAll(async () => {
    const [s, rp] = await Promise.all([startTestServer(), startCallbackServer()]);
    server = s;
    await server.foyer.services.users.create({ login: 'root', password: 'console password 1', role: 'ADMIN' },
      CLI_ACTOR, ALL_USERS);
    app = { issuer: server.issuer, rp, client: await registerTeaParty(server, rp) };
    admin = await consoleSession(server.issuer, 'root', 'console password 1');
  });

  afterAll(async () => {
    await app?.rp.close();
    await server?.close();
  });

  const makeUser = (login: string): Promise<User> =>
    server.foyer.services.users.create({ login, email: `${login}@example.com`, password: PASSWORD }, CLI_ACTOR,
      ALL_USERS);

  it('hold no access token, refresh token, code or session cookie in clear, and the tokens still work', async () => {
    const alice = await makeUser('alice');
    const { browser, code, tokens, sessionCookie } = await signInToApp(app, 'alice');
    const secrets = { code, access: tokens.access_token, refresh: tokens.refresh_token!, session: sessionCookie };
    const text = await backup();
    expect(text).toContain(alice.id); // the rows are there...
    for (const [what, value] of Object.entries(secrets)) {
      expect({ what, found: text.includes(value) }).toEqual({ what, found: false });
    }
    // ...under the hash of the id, which the provider looks them up by.
    const ids: { model: string }[] = await server.db.dataSource.query(
      'SELECT model FROM oidc_payloads WHERE id = ANY($1) ORDER BY model', [Object.values(secrets).map(sha256hex)]);
    expect(ids.map((r) => r.model)).toEqual(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'Session']);

    await expect(oidc.fetchUserInfo(app.client, tokens.access_token,
      alice.id)).resolves.toMatchObject({ sub: alice.id });
    expect(await oidc.tokenIntrospection(app.client, tokens.access_token)).toMatchObject({ active: true,
      sub: alice.id });
    expect(await oidc.tokenIntrospection(app.client, tokens.refresh_token!)).toMatchObject({ active: true,
      sub: alice.id });
    expect((await silentSignIn(app, browser)).get('code')).toBeTruthy();

    // Refresh rotates the refresh token: the new one is stored hashed too, the old one is spent.
    const refreshed = await oidc.refreshTokenGrant(app.client, tokens.refresh_token!);
    await expect(oidc.fetchUserInfo(app.client, refreshed.access_token,
      alice.id)).resolves.toMatchObject({ sub: alice.id });
    const after = await backup();
    for (const value of [refreshed.access_token, refreshed.refresh_token!]) expect(after.includes(value)).toBe(false);
    await expect(oidc.refreshTokenGrant(app.client,
      tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });

    // Revoking a token revokes its grant (revokeByGrantId): every token of the grant goes with it.
    await oidc.tokenRevocation(app.client, refreshed.access_token);
    expect((await oidc.tokenIntrospection(app.client, refreshed.access_token)).active).toBe(false);
    expect((await oidc.tokenIntrospection(app.client, tokens.access_token)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(app.client,
      refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const grants: { n: number }[] = await server.db.dataSource.query(
      "SELECT count(*)::int AS n FROM oidc_payloads WHERE model <> 'Session' AND account_id = $1", [alice.id]);
    expect(grants[0].n).toBe(0);

    // RP-initiated logout ends the session found by the cookie.
    const endUrl = oidc.buildEndSessionUrl(app.client, { id_token_hint: refreshed.id_token! });
    const confirm = await browser.get(`${endUrl.pathname}${endUrl.search}`);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(await confirm.text())![1];
    const ended = await follow(browser, await browser.postForm('/session/end/confirm', { xsrf, logout: 'yes' }),
      app.rp.url);
    expect(ended.status).toBe(200);
    expect((await silentSignIn(app, browser)).get('error')).toBe('login_required');
    const sessions: { n: number }[] = await server.db.dataSource.query(
      "SELECT count(*)::int AS n FROM oidc_payloads WHERE model = 'Session' AND account_id = $1", [alice.id]);
    expect(sessions[0].n).toBe(0);
  });

  it('sessions and refresh tokens are ended from the console by a handle that is not the secret', async () => {
    const bob = await makeUser('bob');
    const first = await signInToApp(app, 'bob');
    const second = await signInToApp(app, 'bob');
    const profile = await (await admin.get(`/admin/users/${bob.id}`)).text();
    const handles = [...profile.matchAll(/data-session="([^"]+)"/g)].map((m) => m[1]);
    expect(handles).toHaveLength(2);
    for (const secret of [first.sessionCookie, second.sessionCookie, first.tokens.refresh_token!]) {
      expect(profile).not.toContain(secret);
    }
    const firstHandle = sha256hex(first.sessionCookie);
    expect(handles).toContain(firstHandle);

    const res = await admin.postForm(`/admin/users/${bob.id}/sessions/end`,
      { session: firstHandle, _csrf: await formToken(admin, `/admin/users/${bob.id}`) });
    expect(res.status).toBe(303);
    expect((await silentSignIn(app, first.browser)).get('error')).toBe('login_required');
    expect((await silentSignIn(app, second.browser)).get('code')).toBeTruthy();
    // The first session's grant went with it; the second's tokens still work.
    expect((await oidc.tokenIntrospection(app.client, first.tokens.access_token)).active).toBe(false);
    expect((await oidc.tokenIntrospection(app.client, second.tokens.access_token)).active).toBe(true);

    const tokenHandle = /name="token" value="([^"]+)"/.exec(await (await admin.get(`/admin/users/`
      + `${bob.id}`)).text())![1];
    expect(tokenHandle).toBe(sha256hex(second.tokens.refresh_token!));
    await admin.postForm(`/admin/users/${bob.id}/refresh-tokens/revoke`,
      { token: tokenHandle, _csrf: await formToken(admin, `/admin/users/${bob.id}`) });
    await expect(oidc.refreshTokenGrant(app.client,
      second.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('"sign out other sessions" on the account page keeps this browser and ends the app\'s one', async () => {
    await makeUser('carol');
    const inApp = await signInToApp(app, 'carol');
    const account = await consoleSession(server.issuer, 'carol', PASSWORD, '/account');
    const res = await account.postForm('/account/sessions/sign-out-others',
      { _csrf: await formToken(account, '/account') });
    expect(res.status).toBe(303);
    expect((await account.get('/account')).status).toBe(200);
    expect((await silentSignIn(app, inApp.browser)).get('error')).toBe('login_required');
    expect((await oidc.tokenIntrospection(app.client, inApp.tokens.access_token)).active).toBe(false);
  });

  it('ending every session of the account (the lifecycle) still finds and removes them', async () => {
    const dina = await makeUser('dina');
    const { browser, tokens } = await signInToApp(app, 'dina');
    const before = app.rp.logoutTokens.length;
    await server.foyer.services.lifecycle.endSessions(dina.id, CLI_ACTOR, { kind: 'all' });
    expect((await silentSignIn(app, browser)).get('error')).toBe('login_required');
    expect((await oidc.tokenIntrospection(app.client, tokens.access_token)).active).toBe(false);
    for (let i = 0; i < 50 && app.rp.logoutTokens.length === before; i++) await new Promise((r) => setTimeout(r, 100));
    expect(app.rp.logoutTokens.length).toBe(before + 1);
  });

  it('the migration hashes rows stored in clear before it, and they keep working', async () => {
    const erin = await makeUser('erin');
    const { browser, tokens, sessionCookie } = await signInToApp(app, 'erin');
    const clear = [tokens.access_token, tokens.refresh_token!, sessionCookie];
    // Put the rows back the way the adapter stored them before: the id itself, also as jti.
    for (const id of clear) {
      await server.db.dataSource.query(
        `UPDATE oidc_payloads SET id = $1, payload = payload || jsonb_build_object('jti', $1::text) WHERE id = $2`,
        [id, sha256hex(id)]);
    }
    const interaction = await server.db.dataSource.query(
      `INSERT INTO oidc_payloads (model, id, payload, account_id, expires_at)
       VALUES ('Interaction', 'plain-interaction-uid',
         jsonb_build_object('jti', 'plain-interaction-uid', 'kind', 'Interaction',
           'session', jsonb_build_object('accountId', $1::text, 'uid', 'u1', 'cookie', $2::text)),
         $1, now() + interval '1 hour') RETURNING id`, [erin.id, sessionCookie]);
    expect(interaction).toHaveLength(1);
    expect(await backup()).toContain(sessionCookie);

    await server.db.dataSource.query('DELETE FROM migrations WHERE name = $1', [MIGRATION]);
    const applied = await server.db.dataSource.runMigrations({ transaction: 'each' });
    expect(applied.map((m) => m.name)).toEqual([MIGRATION]);

    const text = await backup();
    for (const value of [...clear, 'plain-interaction-uid']) {
      expect({ value, found: text.includes(value) }).toEqual({ value, found: false });
    }
    await expect(oidc.fetchUserInfo(app.client, tokens.access_token, erin.id)).resolves.toMatchObject({ sub: erin.id });
    expect((await silentSignIn(app, browser)).get('code')).toBeTruthy();
    await expect(oidc.refreshTokenGrant(app.client,
      tokens.refresh_token!)).resolves.toMatchObject({ token_type: 'bearer' });
  });
});

describe('provider secrets', () => {
  let db: TestDatabase;
  let rp: CallbackServer;
  const running: { stop(): Promise<void> }[] = [];
  const KEY = randomBytes(32).toString('base64');

  beforeAll(async () => {
    [db, rp] = await Promise.all([createTestDatabase(), startCallbackServer()]);
  });

  afterAll(async () => {
    for (const r of running) await r.stop();
    await rp?.close();
    await db?.drop();
  });

  /** A Foyer on this test's database with `env`, its log lines collected. */
  async function startFoyer(env: Record<string, string>): Promise<{ issuer: string; foyer: Foyer; logs: string[] }> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const logs: string[] = [];
    const sink = new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } });
    const config = loadConfig(testEnv({ ISSUER: issuer, DATABASE_URL: db.url, LOG_LEVEL: 'warn', ...env }));
    try {
      const foyer = await createFoyer({ config, database: db.database, logger: createLogger(config.logLevel, sink) });
      server.on('request', foyer.app.callback());
      running.push({
        async stop() { await foyer.stop(); server.closeAllConnections(); await new Promise((r) => server.close(r)); },
      });
      return { issuer, foyer, logs };
    } catch (err) {
      server.close();
      throw err;
    }
  }

  const storedValues = async () => (await db.dataSource.query(
    'SELECT name, value FROM provider_secrets ORDER BY name')) as { name: string; value: unknown }[];

  it('without FOYER_SECRETS_KEY: stored as they are, and start-up warns once', async () => {
    const { logs } = await startFoyer({});
    const warnings = logs.filter((l) => l.includes('FOYER_SECRETS_KEY'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0])).toMatchObject({ level: 40, msg: expect.stringMatching(/unencrypted/) });
  });

  it('with FOYER_SECRETS_KEY: plain rows are sealed on first start, hold no key material, and the provider still '
    + 'signs and verifies', async () => {
    const plain = await loadProviderSecrets(db.database);
    const material = [plain.jwks.keys[0].d as string, plain.jwks.keys[0].p as string, ...plain.cookieKeys,
      plain.csrfSecret];

    const { issuer, foyer, logs } = await startFoyer({ FOYER_SECRETS_KEY: KEY });
    expect(logs.filter((l) => l.includes('unencrypted'))).toEqual([]);
    const rows = await storedValues();
    expect(rows.map((r) => r.name)).toEqual(['cookie_keys', 'csrf_secret', 'jwks']);
    const text = JSON.stringify(rows);
    for (const m of material) expect(text.includes(m)).toBe(false);
    for (const r of rows) expect(r.value).toEqual(expect.stringMatching(/^aes256gcm\$/));

    // The same keys, opened: the id token verifies against the published key, cookies still sign.
    const { users, applications } = foyer.services;
    await users.create({ login: 'frank', email: 'frank@example.com', password: PASSWORD }, CLI_ACTOR, ALL_USERS);
    const created = await applications.create({
      name: 'Sealed', redirectUris: [`${rp.url}/cb`], postLogoutRedirectUris: [],
      grantTypes: ['authorization_code', 'refresh_token'], isPublic: false,
    }, CLI_ACTOR);
    const app: App = { issuer, rp, client: await discover(issuer, created.client_id, created.client_secret) };
    const { tokens } = await signInToApp(app, 'frank');
    const header = JSON.parse(Buffer.from(tokens.id_token!.split('.')[0], 'base64url').toString('utf8'));
    expect(header.kid).toBe(plain.jwks.keys[0].kid);
    const jwks = await (await fetch(`${issuer}/jwks`)).json() as { keys: { kid: string; n: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([plain.jwks.keys[0].kid]);
    expect(tokens.claims()?.sub).toEqual(expect.any(String));

    // A second start with the same key opens them again.
    await expect(loadProviderSecrets(db.database,
      { secretsKey: loadConfig(testEnv({ FOYER_SECRETS_KEY: KEY })).secretsKey }))
      .resolves.toEqual(plain);
  });

  it('a start with another key, or without the key, stops with a clear error', async () => {
    await expect(startFoyer({ FOYER_SECRETS_KEY: randomBytes(32).toString('base64') })).rejects.toThrow(/sealed with another FOYER_SECRETS_KEY/);
    await expect(startFoyer({})).rejects.toThrow(/sealed.*FOYER_SECRETS_KEY is not set/);
  });

  it('FOYER_SECRETS_KEY must be at least 32 bytes', () => {
    const problems = (() => {
      try {
        loadConfig(testEnv({ FOYER_SECRETS_KEY: randomBytes(16).toString('base64') }));
      } catch (err) {
        return (err as ConfigError).problems;
      }
      return [];
    })();
    expect(problems).toEqual([expect.stringMatching(/FOYER_SECRETS_KEY .*32.*openssl rand -base64 32/)]);
  });
});
