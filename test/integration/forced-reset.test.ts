// Issue 14, finding 6: forcing a password reset signs the user out of everything at once —
// sessions (the browser's provider session and the account pages), grants, access and
// refresh tokens — and each app that registered a back-channel logout endpoint is told,
// both for the console's single action and for the mass action. Real server, real app
// (openid-client), a real back-channel logout HTTP server.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import type { User } from '../../src/db/entities/user.entity.js';
import { consoleSession, formToken } from '../support/console-session.js';
import { eventually } from '../support/eventually.js';
import { csrfTokenIn, HttpSession } from '../support/http-session.js';
import { authorizationRequest, registerTeaParty, oidc, startCallbackServer,
  type CallbackServer } from '../support/relying-party.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'mad hatter tea';
let server: TestServer;
let rp: CallbackServer;
let client: oidc.Configuration;
let admin: HttpSession;

const jwtClaims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));

beforeAll(async () => {
  [server, rp] = await Promise.all([startTestServer(), startCallbackServer()]);
  await server.foyer.services.users.create({ login: 'root', password: 'console password 1', role: 'ADMIN' }, CLI_ACTOR,
    ALL_USERS);
  client = await registerTeaParty(server, rp);
  admin = await consoleSession(server.issuer, 'root', 'console password 1');
});

afterAll(async () => {
  await rp?.close();
  await server?.close();
});

/** Follows redirects inside Foyer; stops at a page or at a redirect back to the app. */
async function follow(session: HttpSession, res: Response): Promise<Response> {
  let current = res;
  for (let hops = 0; hops < 20 && current.status >= 300 && current.status < 400; hops += 1) {
    const location = current.headers.get('location')!;
    if (location.startsWith(rp.url)) return current;
    await current.arrayBuffer();
    current = await session.get(location);
  }
  return current;
}

/**
 * Signs `login` in to the app with a cookie-keeping HTTP client, as a browser would; returns it and
 * the app's tokens.
 */
async function signInToApp(login: string) {
  const browser = new HttpSession(server.issuer);
  const request = await authorizationRequest(client, `${rp.url}/cb`, 'openid offline_access');
  let page = await follow(browser, await browser.get(`${request.url.pathname}${request.url.search}`));
  let html = await page.text();
  const loginAction = /action="(\/interaction\/[^"]+\/login)"/.exec(html)![1];
  page = await follow(browser,
    await browser.postForm(loginAction, { identifier: login, password: PASSWORD, _csrf: csrfTokenIn(html) }));
  if (page.status === 200) {
    html = await page.text();
    const consentAction = /action="(\/interaction\/[^"]+\/consent)"/.exec(html)![1];
    page = await follow(browser, await browser.postForm(consentAction, { _csrf: csrfTokenIn(html) }));
  }
  const callback = new URL(page.headers.get('location')!);
  const tokens = await oidc.authorizationCodeGrant(client, callback, {
    pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce,
  });
  return { browser, tokens };
}

/** What a silent sign-in (prompt=none) with this browser's Foyer cookies gets: a code, or an error. */
async function silentSignIn(browser: HttpSession): Promise<URLSearchParams> {
  const request = await authorizationRequest(client, `${rp.url}/cb`, 'openid', { prompt: 'none' });
  const res = await follow(browser, await browser.get(`${request.url.pathname}${request.url.search}`));
  expect(res.status).toBeGreaterThanOrEqual(300);
  return new URL(res.headers.get('location')!).searchParams;
}

async function makeUser(login: string): Promise<User> {
  return server.foyer.services.users.create({ login, email: `${login}@example.com`, password: PASSWORD }, CLI_ACTOR,
    ALL_USERS);
}

/** Signs the user in everywhere: the app (tokens, a browser session) and the account pages. */
async function signedInEverywhere(user: User) {
  const app = await signInToApp(user.login!);
  const account = await consoleSession(server.issuer, user.login!, PASSWORD, '/account');
  expect((await account.get('/account')).status).toBe(200);
  expect((await oidc.tokenIntrospection(client, app.tokens.access_token)).active).toBe(true);
  expect((await silentSignIn(app.browser)).get('code')).toBeTruthy();
  return { ...app, account };
}

/** Nothing of the old sign-ins works any more, and the app was told about its session. */
async function expectSignedOutEverywhere(user: User, signedIn: Awaited<ReturnType<typeof signedInEverywhere>>,
  logoutTokensBefore: number) {
  const { tokens, browser, account } = signedIn;
  expect((await oidc.tokenIntrospection(client, tokens.access_token)).active).toBe(false);
  await expect(oidc.refreshTokenGrant(client, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  await expect(oidc.fetchUserInfo(client, tokens.access_token, user.id)).rejects.toBeTruthy();
  expect((await silentSignIn(browser)).get('error')).toBe('login_required');
  const accountPage = await account.get('/account');
  expect(accountPage.status).not.toBe(200);
  const rows: { n: number }[] = await server.db.dataSource.query('SELECT count(*)::int AS n FROM oidc_payloads WHERE '
    + 'account_id = $1', [user.id]);
  expect(rows[0].n).toBe(0);
  await eventually(async () => rp.logoutTokens.length > logoutTokensBefore);
  const told = rp.logoutTokens.slice(logoutTokensBefore).map(jwtClaims);
  expect(told).toEqual([expect.objectContaining({ sub: user.id, sid: tokens.claims()!.sid, events: { 'http://schemas.openid.net/event/backchannel-logout': {} } })]);
}

it('the confirmation page says the user is signed out everywhere at once', async () => {
  const user = await makeUser('dormouse');
  const html = await (await admin.get(`/admin/users/${user.id}/actions/force-reset`)).text();
  expect(html).toContain('signed out everywhere at once');
});

it('a forced reset from the profile ends every session, grant and token of the account, and apps are told',
  async () => {
    const alice = await makeUser('alice');
    const signedIn = await signedInEverywhere(alice);
    const before = rp.logoutTokens.length;

    const res = await admin.postForm(`/admin/users/${alice.id}/actions/force-reset`,
      { _csrf: await formToken(admin, `/admin/users/${alice.id}/actions/force-reset`) });
    expect(res.status).toBe(303);
    const [row] = await server.db.dataSource.query('SELECT password_reset_required AS r FROM users WHERE id = $1',
      [alice.id]);
    expect(row.r).toBe(true);

    await expectSignedOutEverywhere(alice, signedIn, before);
    const notice = await (await admin.get(res.headers.get('location')!)).text();
    expect(notice).toContain('signed out everywhere');
  });

it('a forced reset as a mass action does the same for each user', async () => {
  const bob = await makeUser('bob');
  const signedIn = await signedInEverywhere(bob);
  const before = rp.logoutTokens.length;
  const confirm = await admin.postForm('/admin/users/bulk/confirm',
    { action: 'reset-password', user: bob.id, _csrf: await formToken(admin, '/admin/users') });
  expect(await confirm.text()).toContain('signed out everywhere at once');

  const root = (await server.foyer.services.users.findByLogin('root'))!;
  const form = new URLSearchParams({ action: 'reset-password', _csrf: await formToken(admin, '/admin/users') });
  form.append('user', bob.id);
  form.append('user', root.id);
  const res = await admin.post('/admin/users/bulk', form.toString(),
    { 'content-type': 'application/x-www-form-urlencoded' });
  expect(res.status).toBe(303);
  const jobId = res.headers.get('location')!.split('/').pop()!;
  await eventually(async () => {
    const [job] = await server.db.dataSource.query('SELECT status FROM bulk_jobs WHERE id = $1', [jobId]);
    return job?.status === 'finished';
  }, 10_000);

  await expectSignedOutEverywhere(bob, signedIn, before);
  // Not on oneself: the staff member running the job keeps their console session.
  const [item] = await server.db.dataSource.query('SELECT error FROM bulk_job_items WHERE job_id = $1 AND user_id = $2',
    [jobId, root.id]);
  expect(item.error).toBe('You cannot force a password reset for your own account in a mass action');
  expect((await admin.get('/admin/users')).status).toBe(200);
});
