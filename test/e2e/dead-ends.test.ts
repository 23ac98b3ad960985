// No dead ends (issue 17): the pages at the end of a flow link on to where the person goes
// next, the console's home page offers every section the viewer may open, and a user blocked
// from an application's page can be unblocked from there.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ALL_USERS } from '../../src/platform/access.js';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { launchBrowser, submitLogin } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';

const ADMIN_PASSWORD = 'console password 1';
const PASSWORD = 'correct horse battery';

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    launchBrowser()]);
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  return context.newPage();
}

async function signedInConsole(login: string, password: string): Promise<Page> {
  const page = await newPage();
  await page.goto(`${server.issuer}/admin`);
  await submitLogin(page, login, password);
  await page.getByRole('heading', { name: 'Foyer console' }).waitFor();
  return page;
}

/** The sections linked from the console home page's list, by their address. */
async function homeSections(page: Page): Promise<string[]> {
  return page.locator('main ul.sections a').evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
}

/** The sections of the console's navigation bar. */
async function navSections(page: Page): Promise<string[]> {
  return page.locator('header.console nav a[href^="/admin/"]').evaluateAll((links) => links
    .map((a) => a.getAttribute('href') ?? ''));
}

// First: the setup link works only while there is no Administrator.
it('"Administrator created" links to the console, which opens after signing in', async () => {
  const outcome = await server.foyer.services.adminSetup.bootstrap(undefined);
  if (outcome.kind !== 'setup_link') throw new Error(`expected a setup link, got ${outcome.kind}`);
  const page = await newPage();
  await page.goto(outcome.url);
  await page.getByLabel('Login').fill('root');
  await page.getByLabel('Email').fill('root@example.com');
  await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
  await page.getByLabel('Repeat the password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Create administrator' }).click();
  await page.getByRole('heading', { name: 'Administrator created' }).waitFor();
  await page.getByRole('link', { name: 'Open the console' }).click();
  await submitLogin(page, 'root', ADMIN_PASSWORD);
  await page.getByRole('heading', { name: 'Foyer console' }).waitFor();
  expect(new URL(page.url()).pathname).toBe('/admin');
});

it('the start page links to the account page and the console', async () => {
  const { users } = server.foyer.services;
  await users.create({ login: 'stan', password: PASSWORD }, CLI_ACTOR, ALL_USERS);
  const page = await newPage();
  await page.goto(`${server.issuer}/`);
  await page.getByRole('link', { name: 'Your account' }).click();
  await submitLogin(page, 'stan', PASSWORD);
  await page.waitForURL(`${server.issuer}/account`);
  await page.goto(`${server.issuer}/`);
  await page.getByRole('link', { name: 'Console' }).click();
  await page.waitForURL(`${server.issuer}/admin`);
  expect(new URL(page.url()).pathname).toBe('/admin');
});

it('"All set" after choosing a password links to sign in and to the account page', async () => {
  const { users } = server.foyer.services;
  const sam = await users.create({ login: 'sam', password: 'hobbit hole 11' }, CLI_ACTOR, ALL_USERS);
  const admin = await signedInConsole('root', ADMIN_PASSWORD);
  await admin.goto(`${server.issuer}/admin/users/${sam.id}`);
  await admin.getByRole('link', { name: 'View recovery link' }).click();
  await admin.getByRole('button', { name: 'Make recovery link' }).click();
  const url = await admin.getByLabel('Recovery link').inputValue();

  const page = await newPage();
  await page.goto(url);
  await page.getByLabel('New password').fill('second breakfast');
  await page.getByLabel('Repeat the password').fill('second breakfast');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await page.getByRole('heading', { name: 'All set' }).waitFor();
  await expect(page.getByRole('link', { name: 'Your account' }).getAttribute('href')).resolves.toBe('/account');
  await page.getByRole('link', { name: 'Sign in' }).click();
  await submitLogin(page, 'sam', 'second breakfast');
  await page.waitForURL(`${server.issuer}/account`);
  await page.getByRole('heading', { name: /account/i }).first().waitFor();
});

it('the console home page shows every section the viewer may open, as the navigation does', async () => {
  const { users, organizations } = server.foyer.services;
  const org = await organizations.create('Mona\'s team', CLI_ACTOR, { kind: 'all' });
  await users.create({ login: 'mona', password: PASSWORD, role: 'MANAGER', organizationId: org.id }, CLI_ACTOR,
    ALL_USERS);

  const admin = await signedInConsole('root', ADMIN_PASSWORD);
  const adminSections = await homeSections(admin);
  expect(adminSections.sort()).toEqual(['/admin/apps', '/admin/events', '/admin/groups', '/admin/jobs',
    '/admin/organizations', '/admin/outbox', '/admin/service-accounts', '/admin/settings', '/admin/users']);
  expect((await navSections(admin)).sort()).toEqual(adminSections);
  // Each with a line of description.
  for (const item of await admin.locator('main ul.sections li').all()) {
    expect(((await item.textContent()) ?? '').length).toBeGreaterThan(25);
  }
  await admin.locator('main ul.sections').getByRole('link', { name: 'Outbox' }).click();
  await admin.waitForURL(`${server.issuer}/admin/outbox`);

  const manager = await signedInConsole('mona', PASSWORD);
  const managerSections = await homeSections(manager);
  expect(managerSections.sort()).toEqual(['/admin/apps', '/admin/events', '/admin/groups', '/admin/jobs',
    '/admin/users']);
  expect((await navSections(manager)).sort()).toEqual(managerSections);
  for (const href of managerSections) {
    const response = await manager.goto(`${server.issuer}${href}`);
    expect(response?.status()).toBe(200);
  }
});

it('a user blocked from an application\'s page can be unblocked from there', async () => {
  const { users, applications } = server.foyer.services;
  const alice = await users.create({ login: 'alice', email: 'alice@example.com', password: PASSWORD }, CLI_ACTOR,
    ALL_USERS);
  const app = await applications.create({
    name: 'Tea Party', redirectUris: ['http://127.0.0.1:1/cb'], postLogoutRedirectUris: [],
    grantTypes: ['authorization_code'], isPublic: false,
  }, CLI_ACTOR);
  await server.db.dataSource.query(
    `INSERT INTO consents (user_id, client_id, scopes, claims, rejected_claims)
     VALUES ($1, $2, '{openid}', '{}', '{}')`, [alice.id, app.client_id]);

  const admin = await signedInConsole('root', ADMIN_PASSWORD);
  const appUrl = `${server.issuer}/admin/apps/${app.client_id}`;
  await admin.goto(appUrl);
  const row = admin.locator('table.app-users tbody tr', { hasText: 'alice' });
  await row.getByLabel(/^Actions for/).click();
  await row.getByRole('link', { name: 'Block', exact: true }).click();
  await admin.getByRole('button', { name: 'Block' }).click();
  await admin.getByText('The user is blocked and signed out everywhere.').waitFor();
  expect(new URL(admin.url()).pathname).toBe(`/admin/apps/${app.client_id}`);

  // Still listed, shown as blocked, with Unblock in its menu.
  await expect(row.locator('.badge', { hasText: 'Blocked' }).count()).resolves.toBe(1);
  await row.getByLabel(/^Actions for/).click();
  await row.getByRole('link', { name: 'Unblock', exact: true }).click();
  await admin.getByRole('button', { name: 'Unblock' }).click();
  await admin.getByText('The user is unblocked and can sign in again.').waitFor();
  expect(new URL(admin.url()).pathname).toBe(`/admin/apps/${app.client_id}`);
  await expect(row.locator('.badge', { hasText: 'Blocked' }).count()).resolves.toBe(0);
  expect((await users.findById(alice.id))!.blocked).toBe(false);
});
