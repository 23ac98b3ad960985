// Signing in to an application an admin deactivated (issue 17): the person sees a Foyer page
// that says, in words, that the application is deactivated, not the provider's invalid_client.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ALL_USERS } from '../../src/platform/access.js';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { consolePage, launchBrowser, submitLogin } from '../support/browser.js';
import { authorizationRequest, discover, oidc, startCallbackServer,
  type CallbackServer } from '../support/relying-party.js';
import { eventually } from '../support/eventually.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'correct horse battery';
const ADMIN_PASSWORD = 'console password 1';

let server: TestServer;
let rp: CallbackServer;
let browser: Browser;
let admin: Page;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [server, rp, browser] = await Promise.all([startTestServer({ LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    startCallbackServer(), launchBrowser()]);
  const { users } = server.foyer.services;
  await users.create({ login: 'root', password: ADMIN_PASSWORD, role: 'ADMIN' }, CLI_ACTOR, ALL_USERS);
  await users.create({ login: 'alice', password: PASSWORD }, CLI_ACTOR, ALL_USERS);
  admin = await consolePage(browser, server.issuer, 'root', ADMIN_PASSWORD);
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await rp?.close();
  await server?.close();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  return context.newPage();
}

async function createApp(name: string): Promise<oidc.Configuration> {
  const created = await server.foyer.services.applications.create({
    name, redirectUris: [`${rp.url}/cb`], postLogoutRedirectUris: [], grantTypes: ['authorization_code'],
    isPublic: false,
  }, CLI_ACTOR);
  return discover(server.issuer, created.client_id, created.client_secret);
}

/** Deactivates the application from its console page, behind the confirmation. */
async function deactivate(config: oidc.Configuration): Promise<void> {
  await admin.goto(`${server.issuer}/admin/apps/${config.clientMetadata().client_id}`);
  await admin.getByRole('link', { name: 'Deactivate' }).click();
  await admin.getByRole('button', { name: 'Deactivate' }).click();
  await admin.getByText('The application is deactivated').waitFor();
  // Every process hears of it through the client cache's change notice.
  await eventually(async () => (await fetch((await authorizationRequest(config, `${rp.url}/cb`, 'openid')).url,
    { redirect: 'manual' })).status === 400);
}

async function expectDeactivatedPage(page: Page, name: string): Promise<void> {
  await page.getByRole('heading', { name: `${name} is deactivated` }).waitFor();
  const text = await page.locator('main, body').first().textContent();
  expect(text).toContain('An administrator has turned off signing in');
  expect(text).not.toContain('invalid_client');
  expect(text).not.toContain('client is invalid');
}

it('signing in to a deactivated application says it is deactivated, not invalid_client', async () => {
  const app = await createApp('Tea Party');
  await deactivate(app);

  const page = await newPage();
  const request = await authorizationRequest(app, `${rp.url}/cb`, 'openid');
  const response = await page.goto(request.url.href);
  expect(response?.status()).toBe(400);
  await expectDeactivatedPage(page, 'Tea Party');
});

it('an application deactivated while the person is on the sign-in page: the page after it says so', async () => {
  const app = await createApp('March Hare');
  const page = await newPage();
  const request = await authorizationRequest(app, `${rp.url}/cb`, 'openid');
  await page.goto(request.url.href);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await deactivate(app);

  await submitLogin(page, 'alice', PASSWORD);
  await expectDeactivatedPage(page, 'March Hare');
});

it('an application Foyer does not know still gets the sign-in error page', async () => {
  const page = await newPage();
  const response = await page.goto(`${server.issuer}/auth?client_id=no-such-app&response_type=code&scope=openid`
    + `&redirect_uri=${encodeURIComponent(`${rp.url}/cb`)}`);
  expect(response?.status()).toBe(400);
  await page.getByRole('heading', { name: 'This sign-in cannot continue' }).waitFor();
  await expect(page.getByRole('heading', { name: /is deactivated/ }).count()).resolves.toBe(0);
});
