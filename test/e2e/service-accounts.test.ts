// Service accounts in the browser: an Administrator opens them from the console navigation,
// makes one, copies its key from the page that shows it once (a reload shows it no more and makes
// no other), provisions with it over SCIM, regenerates it and deletes the account, each after
// its confirmation page.
import type { Browser, Page } from 'playwright-core';
import { ALL_USERS } from '../../src/platform/access.js';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { consolePage, launchBrowser } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'console password 1';
let server: TestServer;
let browser: Browser;
let admin: Page;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  const { users, organizations } = server.foyer.services;
  await users.create({ login: 'root', email: 'root@example.com', password: PASSWORD, role: 'ADMIN' }, CLI_ACTOR,
    ALL_USERS);
  await organizations.create('Northwind', CLI_ACTOR, ALL_USERS);
  admin = await consolePage(browser, server.issuer, 'root', PASSWORD);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const scimStatus = async (key: string) => (await fetch(`${server.issuer}/scim/v2/Users`,
  { headers: { authorization: `Bearer ${key}` } })).status;
const accounts = async () => (await server.db.dataSource.query(
  'SELECT login FROM users WHERE service_account ORDER BY id')).map((r: { login: string }) => r.login);

describe('service accounts in the console', () => {
  let key = '';

  it('makes one whose key is shown once: a reload neither shows it again nor makes another', async () => {
    await admin.getByRole('link', { name: 'Service accounts' }).click();
    await admin.getByRole('heading', { name: 'Service accounts' }).waitFor();
    await admin.getByLabel('Name').fill('northwind-scim');
    await admin.getByLabel('Role').selectOption('MANAGER');
    await admin.getByRole('button', { name: 'Create service account' }).click();
    // A Manager needs an organization: the form says so by the field and keeps what was typed.
    await admin.getByText('A Manager needs an organization to manage').waitFor();
    await expect(admin.getByLabel('Name').inputValue()).resolves.toBe('northwind-scim');
    await admin.getByLabel('Organization').selectOption({ label: 'Northwind' });
    await admin.getByRole('button', { name: 'Create service account' }).click();
    await admin.getByRole('heading', { name: 'The API key of northwind-scim' }).waitFor();
    key = await admin.getByRole('textbox', { name: 'API key' }).inputValue();
    expect(key).toMatch(/^foyer_/);
    await expect(scimStatus(key)).resolves.toBe(200);

    await admin.reload();
    await admin.getByText('This key was shown once and cannot be shown again.').waitFor();
    await expect(admin.getByRole('textbox', { name: 'API key' }).count()).resolves.toBe(0);
    expect(await accounts()).toEqual(['northwind-scim']);
  });

  it('lists it with its key, and regenerates the key after a confirmation: the old one stops', async () => {
    await admin.getByRole('link', { name: 'Back to the service accounts' }).click();
    const row = admin.locator('table.service-accounts tbody tr', { hasText: 'northwind-scim' });
    await expect(row.textContent()).resolves.toContain(`${key.slice(0, 10)}…`);
    await expect(row.textContent()).resolves.toContain('Northwind');
    await row.getByRole('link', { name: 'Regenerate key' }).click();
    await admin.getByRole('heading', { name: 'Regenerate the key of northwind-scim?' }).waitFor();
    await admin.getByRole('button', { name: 'Regenerate key' }).click();
    const fresh = await admin.getByRole('textbox', { name: 'API key' }).inputValue();
    expect(fresh).not.toBe(key);
    await expect(scimStatus(key)).resolves.toBe(401);
    await expect(scimStatus(fresh)).resolves.toBe(200);
    key = fresh;
  });

  it('deletes it after a confirmation: its key stops', async () => {
    await admin.goto(`${server.issuer}/admin/service-accounts`);
    await admin.locator('table.service-accounts tbody tr', { hasText: 'northwind-scim' })
      .getByRole('link', { name: 'Delete' }).click();
    await admin.getByRole('button', { name: 'Delete service account' }).click();
    await admin.getByText('The service account was deleted; its key no longer works.').waitFor();
    await expect(scimStatus(key)).resolves.toBe(401);
    expect(await accounts()).toEqual([]);
  });
});
