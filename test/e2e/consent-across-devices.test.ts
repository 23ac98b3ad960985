// Consent belongs to the user and the application, not to one browser (issue 17, item 8): a
// second device is not asked again (declined fields stay declined), Consents shows one row per
// application on the account page and in the console, ending sessions (the user's "Sign out
// all other sessions", an admin's End all sessions) keeps it, and only revoking it makes the
// application ask again. Two browser contexts stand for two devices; the app is openid-client.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ALL_USERS } from '../../src/platform/access.js';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { consolePage, launchBrowser, submitLogin } from '../support/browser.js';
import { authorizationRequest, discover, finishAtCallback, oidc, startCallbackServer,
  type CallbackServer } from '../support/relying-party.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'correct horse battery';
const ADMIN_PASSWORD = 'console password 1';
// Defaults: nickname public; given and family name and email on request.
const SCOPE = 'openid profile email';

let server: TestServer;
let rp: CallbackServer;
let browser: Browser;
let client: oidc.Configuration;
let admin: Page;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [server, rp, browser] = await Promise.all([startTestServer({ LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    startCallbackServer(), launchBrowser()]);
  const { users, applications } = server.foyer.services;
  await users.create({ login: 'root', password: ADMIN_PASSWORD, role: 'ADMIN' }, CLI_ACTOR, ALL_USERS);
  const created = await applications.create({
    name: 'Tea Party', redirectUris: [`${rp.url}/cb`], postLogoutRedirectUris: [],
    grantTypes: ['authorization_code', 'refresh_token'], isPublic: false,
  }, CLI_ACTOR);
  client = await discover(server.issuer, created.client_id, created.client_secret);
  admin = await consolePage(browser, server.issuer, 'root', ADMIN_PASSWORD);
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await rp?.close();
  await server?.close();
});

/** A device of its own: a browser context with no cookies of the others. */
async function newDevice(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  return context.newPage();
}

async function createUser(login: string) {
  return server.foyer.services.users.create({
    login, email: `${login}@example.com`, password: PASSWORD, givenName: 'Alice', familyName: 'Liddell',
    nickname: 'Wonder', emailVerified: true,
  }, CLI_ACTOR, ALL_USERS);
}

/**
 * Signs in to Tea Party on this device (the sign-in page if it shows). When the consent page
 * shows, unticks `decline` and allows the rest. Returns what was asked (empty: no consent page).
 */
async function signInToApp(page: Page, login: string, { scope = SCOPE, decline = [] as string[] } = {}) {
  const request = await authorizationRequest(client, `${rp.url}/cb`, scope);
  await page.goto(request.url.href);
  if (await page.getByRole('heading', { name: 'Sign in' }).isVisible().catch(() => false)) {
    await submitLogin(page, login, PASSWORD);
  }
  const consent = page.getByRole('heading', { name: 'Share with Tea Party?' });
  await Promise.race([consent.waitFor(), page.waitForURL((u) => u.href.startsWith(`${rp.url}/cb`))]);
  let asked: string[] = [];
  if (!page.url().startsWith(`${rp.url}/cb`)) {
    asked = await page.locator('input[name=approve]')
      .evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
    for (const label of decline) await page.getByLabel(label).uncheck();
    await page.getByRole('button', { name: 'Allow' }).click();
  }
  const tokens = await finishAtCallback(page, client, `${rp.url}/cb`, request);
  return { asked: asked.sort(), tokens };
}

async function openAccount(page: Page, login: string): Promise<void> {
  await page.goto(`${server.issuer}/account`);
  if (await page.getByRole('heading', { name: 'Sign in' }).isVisible().catch(() => false)) {
    await submitLogin(page, login, PASSWORD);
  }
  await page.getByRole('heading', { name: 'Your account' }).waitFor();
}

const accountConsents = (page: Page) => page.locator('#apps tbody tr');

it('a second device is not asked again, declined fields stay declined, and Consents shows the app once',
  async () => {
    const user = await createUser('alice');
    const first = await signInToApp(await newDevice(), 'alice', { decline: ['Last name'] });
    expect(first.asked).toEqual(['email', 'family_name', 'given_name']);
    expect(first.tokens.claims()).toMatchObject({ given_name: 'Alice', email: 'alice@example.com' });
    expect(first.tokens.claims()).not.toHaveProperty('family_name');

    const laptop = await newDevice();
    const second = await signInToApp(laptop, 'alice');
    expect(second.asked).toEqual([]);
    expect(second.tokens.claims()).toMatchObject({ sub: user.id, given_name: 'Alice', email: 'alice@example.com' });
    // Declined on the first device, so not released and not asked about on the second.
    expect(second.tokens.claims()).not.toHaveProperty('family_name');
    const userinfo = await oidc.fetchUserInfo(client, second.tokens.access_token, user.id);
    expect(userinfo).toMatchObject({ given_name: 'Alice', email: 'alice@example.com' });
    expect(userinfo).not.toHaveProperty('family_name');

    await openAccount(laptop, 'alice');
    await expect(accountConsents(laptop).count()).resolves.toBe(1);
    const row = accountConsents(laptop).filter({ hasText: 'Tea Party' });
    await expect(row.textContent()).resolves.toContain('First name');
    await expect(row.textContent()).resolves.not.toContain('Last name');

    await admin.goto(`${server.issuer}/admin/users/${user.id}`);
    await expect(admin.locator('table.consents tbody tr').count()).resolves.toBe(1);
    await expect(admin.locator('table.consents tbody tr').textContent()).resolves.toContain('Tea Party');
  });

it('"Sign out all other sessions" ends the other device and its tokens, but keeps the consent', async () => {
  await createUser('bea');
  const phone = await newDevice();
  const onPhone = await signInToApp(phone, 'bea', { scope: `${SCOPE} offline_access` });
  expect(onPhone.asked).toEqual(['email', 'family_name', 'given_name']);
  const laptop = await newDevice();
  await signInToApp(laptop, 'bea');

  await openAccount(laptop, 'bea');
  await laptop.getByRole('button', { name: 'Sign out all other sessions' }).click();
  await laptop.getByText('Your other sessions were signed out.').waitFor();
  // The phone's tokens stop at once, as before.
  expect((await oidc.tokenIntrospection(client, onPhone.tokens.access_token)).active).toBe(false);
  await expect(oidc.refreshTokenGrant(client,
    onPhone.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  // The consent stays: listed once, and the phone signs in again without being asked.
  await expect(accountConsents(laptop).count()).resolves.toBe(1);
  const again = await signInToApp(phone, 'bea');
  expect(again.asked).toEqual([]);
  expect(again.tokens.claims()).toMatchObject({ given_name: 'Alice', family_name: 'Liddell' });
});

it("an admin's End all sessions ends every session and token but keeps the consent", async () => {
  const user = await createUser('cleo');
  const phone = await newDevice();
  const onPhone = await signInToApp(phone, 'cleo', { scope: `${SCOPE} offline_access`, decline: ['Email address'] });
  await signInToApp(await newDevice(), 'cleo');

  await admin.goto(`${server.issuer}/admin/users/${user.id}`);
  await admin.locator('#other-actions').locator('..').getByRole('link', { name: 'End all sessions', exact: true })
    .click();
  await admin.getByRole('button', { name: 'End all sessions' }).click();
  await admin.getByText('All sessions ended').waitFor();
  expect((await oidc.tokenIntrospection(client, onPhone.tokens.access_token)).active).toBe(false);
  await expect(oidc.refreshTokenGrant(client,
    onPhone.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  await expect(admin.locator('table.consents tbody tr').count()).resolves.toBe(1);

  // Signed out everywhere, so the sign-in page shows; the consent page does not, and email stays declined.
  const again = await signInToApp(await newDevice(), 'cleo');
  expect(again.asked).toEqual([]);
  expect(again.tokens.claims()).toMatchObject({ given_name: 'Alice' });
  expect(again.tokens.claims()).not.toHaveProperty('email');
});

it('revoking the consent on the account page stops its tokens on every device, and the app asks again', async () => {
  await createUser('dana');
  const phone = await newDevice();
  const onPhone = await signInToApp(phone, 'dana', { decline: ['Last name'] });
  const laptop = await newDevice();
  const onLaptop = await signInToApp(laptop, 'dana');

  await openAccount(laptop, 'dana');
  await accountConsents(laptop).filter({ hasText: 'Tea Party' }).getByRole('button', { name: 'Revoke Tea Party' })
    .click();
  await laptop.getByText('The app lost its access').waitFor();
  await expect(laptop.getByText('No app has access to your account.').isVisible()).resolves.toBe(true);
  for (const tokens of [onPhone.tokens, onLaptop.tokens]) {
    expect((await oidc.tokenIntrospection(client, tokens.access_token)).active).toBe(false);
  }
  // Asked again, on either device, about everything, the declined field too.
  const again = await signInToApp(phone, 'dana');
  expect(again.asked).toEqual(['email', 'family_name', 'given_name']);
  await expect(signInToApp(laptop, 'dana').then((r) => r.asked)).resolves.toEqual([]);
});
