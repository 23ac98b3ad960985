// The console's account actions, proven with a real app (openid-client) and a real browser:
// End sessions, Block, automatic lock and Unlock, Delete.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ALL_USERS } from '../../src/platform/access.js';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { launchBrowser, submitLogin } from '../support/browser.js';
import { authorizationRequest, registerTeaParty, discover, finishAtCallback, oidc, startCallbackServer,
  type CallbackServer } from '../support/relying-party.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'mad hatter tea';
let server: TestServer;
let rp: CallbackServer;
let browser: Browser;
let admin: Page;
let client: oidc.Configuration;
const contexts: BrowserContext[] = [];

/** The claims of a JWT (the app would verify its signature; here only its content matters). */
const jwtClaims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));

beforeAll(async () => {
  [server, rp, browser] = await Promise.all([startTestServer(), startCallbackServer(), launchBrowser()]);
  await server.foyer.services.users.create({ login: 'root', password: 'console password 1', role: 'ADMIN' }, CLI_ACTOR,
    ALL_USERS);
  client = await registerTeaParty(server, rp);
  admin = await newPage();
  await admin.goto(`${server.issuer}/admin`);
  await submitLogin(admin, 'root', 'console password 1');
  await admin.getByRole('heading', { name: 'Foyer console' }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  await rp?.close();
  await server?.close();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  return context.newPage();
}

/** Signs `login` in to the app in its own browser; returns the page and the app's tokens. */
async function signInToApp(login: string, page?: Page) {
  const user = page ?? await newPage();
  const request = await authorizationRequest(client, `${rp.url}/cb`, 'openid offline_access');
  await user.goto(request.url.href);
  await submitLogin(user, login, PASSWORD);
  if (await user.getByRole('button', { name: 'Allow' }).isVisible().catch(() => false)) {
    await user.getByRole('button', { name: 'Allow' }).click();
  }
  const tokens = await finishAtCallback(user, client, `${rp.url}/cb`, request);
  return { page: user, tokens };
}

/** Runs an action from the profile's "Other actions" block, through its confirmation page. */
async function runAction(userId: string, link: string, button: string, fill?: () => Promise<void>) {
  await admin.goto(`${server.issuer}/admin/users/${userId}`);
  await admin.locator('#other-actions').locator('..').getByRole('link', { name: link, exact: true }).click();
  await admin.getByRole('dialog').waitFor();
  await fill?.();
  await admin.getByRole('button', { name: button }).click();
}

async function expectTokensDead(tokens: oidc.TokenEndpointResponse) {
  expect((await oidc.tokenIntrospection(client, tokens.access_token)).active).toBe(false);
  await expect(oidc.refreshTokenGrant(client, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
}

it('End sessions: tokens die, the app gets a logout token, the browser must sign in again, the account stays active',
  async () => {
    const alice = await server.foyer.services.users.create({ login: 'alice', password: PASSWORD }, CLI_ACTOR,
      ALL_USERS);
    const { page, tokens } = await signInToApp('alice');
    expect((await oidc.tokenIntrospection(client, tokens.access_token)).active).toBe(true);
    const sid = tokens.claims()!.sid;
    const before = rp.logoutTokens.length;

    await runAction(alice.id, 'End all sessions', 'End all sessions');
    await admin.getByText('All sessions ended').waitFor();

    await expectTokensDead(tokens);
    expect(rp.logoutTokens.length).toBe(before + 1);
    expect(jwtClaims(rp.logoutTokens[before])).toMatchObject({ sub: alice.id, sid, events: { 'http://schemas.openid.net/event/backchannel-logout': {} } });
    const again = await authorizationRequest(client, `${rp.url}/cb`, 'openid');
    await page.goto(again.url.href);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await signInToApp('alice', page);
  });

it('Block: tokens die and the right password shows the blocked page; Unblock lets the user in', async () => {
  const bob = await server.foyer.services.users.create({ login: 'bob', password: PASSWORD }, CLI_ACTOR, ALL_USERS);
  const { page, tokens } = await signInToApp('bob');
  await runAction(bob.id, 'Block', 'Block');
  await admin.getByText('The user is blocked').waitFor();
  await expect(admin.locator('h1 .badge', { hasText: 'Blocked' }).count()).resolves.toBe(1);
  await expectTokensDead(tokens);

  const again = await authorizationRequest(client, `${rp.url}/cb`, 'openid');
  await page.goto(again.url.href);
  await submitLogin(page, 'bob', PASSWORD);
  await page.getByRole('heading', { name: 'Your account is blocked' }).waitFor();

  await runAction(bob.id, 'Unblock', 'Unblock');
  await admin.getByText('The user is unblocked').waitFor();
  await signInToApp('bob');
});

it('Five wrong passwords lock the account; the right one then gets the same answer as a wrong one; Unlock lets it in',
  async () => {
    const carol = await server.foyer.services.users.create({ login: 'carol', password: PASSWORD }, CLI_ACTOR,
      ALL_USERS);
    const page = await newPage();
    const request = await authorizationRequest(client, `${rp.url}/cb`, 'openid');
    await page.goto(request.url.href);
    for (let i = 1; i <= 5; i += 1) {
      await submitLogin(page, 'carol', `wrong password ${i}`);
      await expect(page.getByRole('alert').textContent()).resolves.toMatch(/Wrong login/);
    }
    // An automatic lock is no password oracle: the right password is answered as a wrong one.
    await submitLogin(page, 'carol', PASSWORD);
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/Wrong login/);
    await expect(page.getByRole('heading', { name: /locked/i }).count()).resolves.toBe(0);

    await admin.goto(`${server.issuer}/admin/users/${carol.id}`);
    await admin.getByText('Too many failed sign-in attempts').waitFor();
    await runAction(carol.id, 'Unlock', 'Unlock');
    await admin.getByText('The user is unlocked').waitFor();
    await signInToApp('carol');
  });

it('Lock by hand needs a reason, shows it on the profile, and stops the account', async () => {
  const dora = await server.foyer.services.users.create({ login: 'dora', password: PASSWORD }, CLI_ACTOR, ALL_USERS);
  const { tokens } = await signInToApp('dora');
  await runAction(dora.id, 'Lock', 'Lock');
  await expect(admin.locator('#reason-error').textContent()).resolves.toMatch(/Say why/);
  await admin.getByLabel('Reason (shown on the profile)').fill('Suspicious activity from abroad');
  await admin.getByRole('button', { name: 'Lock' }).click();
  await admin.getByText('Locked: Suspicious activity from abroad').waitFor();
  await expectTokensDead(tokens);
});

it('Delete: the dialog warns and offers blocking; afterwards the user and their tokens are gone', async () => {
  const eve = await server.foyer.services.users.create({ login: 'eve', email: 'eve@example.com', password: PASSWORD },
    CLI_ACTOR, ALL_USERS);
  const { tokens } = await signInToApp('eve');
  await runAction(eve.id, 'Delete', 'Delete for good', async () => {
    await expect(admin.getByRole('dialog').textContent()).resolves.toMatch(/cannot be undone/);
    await expect(admin.getByRole('link', { name: 'Block it instead' }).isVisible()).resolves.toBe(true);
  });
  await admin.getByText('eve was deleted.').waitFor();
  await expectTokensDead(tokens);
  expect(await server.foyer.services.users.findById(eve.id)).toBeNull();
  expect((await admin.goto(`${server.issuer}/admin/users/${eve.id}`))?.status()).toBe(404);
  const [event] = await server.db.dataSource.query('SELECT target_label, details FROM audit_events WHERE action = '
    + "'user.deleted' AND target_user_id = $1", [eve.id]);
  expect(event).toEqual({ target_label: 'eve', details: { login: 'eve' } });
});

describe("the profile's Sessions, Consents and Refresh tokens", () => {
  it('ends one of two sessions and leaves the other working', async () => {
    const frank = await server.foyer.services.users.create({ login: 'frank', password: PASSWORD }, CLI_ACTOR,
      ALL_USERS);
    const first = await signInToApp('frank');
    const second = await signInToApp('frank');
    await admin.goto(`${server.issuer}/admin/users/${frank.id}`);
    const rows = admin.locator('table.sessions tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    await expect(rows.first().textContent()).resolves.toContain('Tea Party');
    await expect(rows.first().textContent()).resolves.toContain('127.0.0.1');
    await expect(rows.first().textContent()).resolves.toContain('Chrome');
    // Newest first: the first row is the second browser's session.
    await rows.first().getByRole('checkbox').check();
    await admin.getByRole('button', { name: 'End selected sessions' }).click();
    await admin.getByText('The selected sessions ended; the others keep working.').waitFor();
    await expect(admin.locator('table.sessions tbody tr').count()).resolves.toBe(1);

    await expectTokensDead(second.tokens);
    expect((await oidc.tokenIntrospection(client, first.tokens.access_token)).active).toBe(true);
    await expect(oidc.refreshTokenGrant(client, first.tokens.refresh_token!)).resolves.toHaveProperty('access_token');
    // The first browser is still signed in: no sign-in page on its next request.
    const again = await authorizationRequest(client, `${rp.url}/cb`, 'openid');
    await first.page.goto(again.url.href);
    await finishAtCallback(first.page, client, `${rp.url}/cb`, again);
  });

  it("revokes one app's consent and leaves the other app's tokens working; that app asks again", async () => {
    const { users, applications } = server.foyer.services;
    const created = await applications.create({
      name: 'March Hare', redirectUris: [`${rp.url}/cb`], postLogoutRedirectUris: [],
      grantTypes: ['authorization_code', 'refresh_token'], isPublic: false,
    }, CLI_ACTOR);
    const hare = await discover(server.issuer, created.client_id, created.client_secret);
    const grace = await users.create({ login: 'grace', email: 'grace@example.com', password: PASSWORD }, CLI_ACTOR,
      ALL_USERS);
    const page = await newPage();
    const signIn = async (config: oidc.Configuration, signInFirst: boolean) => {
      const request = await authorizationRequest(config, `${rp.url}/cb`, 'openid email offline_access');
      await page.goto(request.url.href);
      if (signInFirst) await submitLogin(page, 'grace', PASSWORD);
      await page.getByRole('heading', { name: /^Share with/ }).waitFor();
      await page.getByRole('button', { name: 'Allow' }).click();
      return finishAtCallback(page, config, `${rp.url}/cb`, request);
    };
    const teaTokens = await signIn(client, true);
    const hareTokens = await signIn(hare, false);

    await admin.goto(`${server.issuer}/admin/users/${grace.id}`);
    const consents = admin.locator('table.consents tbody tr');
    await expect(consents.count()).resolves.toBe(2);
    await expect(consents.filter({ hasText: 'Tea Party' }).textContent()).resolves.toContain('Email address');
    await consents.filter({ hasText: 'Tea Party' }).getByRole('checkbox').check();
    await admin.getByRole('button', { name: 'Revoke selected consents' }).click();
    await admin.getByText('The selected consents were revoked').waitFor();
    await expect(admin.locator('table.consents tbody tr').count()).resolves.toBe(1);

    await expectTokensDead(teaTokens);
    expect((await oidc.tokenIntrospection(hare, hareTokens.access_token)).active).toBe(true);
    await expect(oidc.refreshTokenGrant(hare, hareTokens.refresh_token!)).resolves.toHaveProperty('access_token');
    // Signed in still, but Tea Party must ask again.
    await signIn(client, false);
  });

  it('revokes a refresh token alone, never showing the token itself', async () => {
    const heidi = await server.foyer.services.users.create({ login: 'heidi', password: PASSWORD }, CLI_ACTOR,
      ALL_USERS);
    const { tokens } = await signInToApp('heidi');
    await admin.goto(`${server.issuer}/admin/users/${heidi.id}`);
    expect(await admin.content()).not.toContain(tokens.refresh_token!);
    const rows = admin.locator('table.refresh-tokens tbody tr');
    await expect(rows.count()).resolves.toBe(1);
    await rows.first().getByRole('checkbox').check();
    await admin.getByRole('button', { name: 'Revoke selected refresh tokens' }).click();
    await admin.getByText('The selected refresh tokens were revoked.').waitFor();
    await expect(oidc.refreshTokenGrant(client,
      tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
