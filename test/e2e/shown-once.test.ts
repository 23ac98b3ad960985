// Secrets the console shows once (issue 17, item 7): a staff member's API key, a new
// application's secret, a regenerated secret, a personal OAuth application's secret and a
// recovery link. Each comes from a POST that answers 303 to a page that shows it once; reloading
// that page says it was shown already and changes nothing: no second key, application, secret
// or link is made, and the one just copied keeps working.
import type { Browser, Page } from 'playwright-core';
import { ALL_USERS } from '../../src/platform/access.js';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { consolePage, launchBrowser } from '../support/browser.js';
import { discover, oidc } from '../support/relying-party.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'console password 1';
let server: TestServer;
let browser: Browser;
let admin: Page;
let rootId: string;
let samId: string;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  const { users, organizations } = server.foyer.services;
  const org = await organizations.create('Northwind', CLI_ACTOR, ALL_USERS);
  rootId = (await users.create({ login: 'root', email: 'root@example.com', password: PASSWORD, role: 'ADMIN' },
    CLI_ACTOR, ALL_USERS)).id;
  samId = (await users.create({ login: 'sam', email: 'sam@example.com', password: PASSWORD, organizationId: org.id },
    CLI_ACTOR, ALL_USERS)).id;
  admin = await consolePage(browser, server.issuer, 'root', PASSWORD);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const query = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> =>
  server.db.dataSource.query(sql, params);
const count = async (sql: string, params: unknown[] = []) => (await query<{ n: number }>(sql, params))[0].n;
const events = (action: string) => count('SELECT count(*)::int AS n FROM audit_events WHERE action = $1', [action]);
const scimStatus = async (key: string) => (await fetch(`${server.issuer}/scim/v2/Users`,
  { headers: { authorization: `Bearer ${key}` } })).status;
const secretWorks = (clientId: string, secret: string) => discover(server.issuer, clientId, secret)
  .then((c) => oidc.clientCredentialsGrant(c, {})).then(() => true, () => false);

/** Reloads the page; it answers 200, is not kept by the browser, and shows no secret. */
async function reloadShowsNothing(page: Page, textbox: string, said: string) {
  const url = page.url();
  const res = await page.reload();
  expect(res?.status()).toBe(200);
  expect(res?.headers()['cache-control']).toBe('no-store');
  expect(page.url()).toBe(url);
  await page.getByText(said).waitFor();
  await expect(page.locator(textbox).count()).resolves.toBe(0);
}

describe('shown once, and a reload changes nothing', () => {
  it("a staff member's own API key", async () => {
    await admin.goto(`${server.issuer}/admin/users/${rootId}`);
    await admin.getByRole('button', { name: 'Generate my API key' }).click();
    await admin.getByRole('heading', { name: 'Your API key' }).waitFor();
    const key = await admin.getByRole('textbox', { name: 'API key' }).inputValue();
    expect(key).toMatch(/^foyer_/);
    expect(new URL(admin.url()).pathname).toBe(`/admin/users/${rootId}/api-key/new`);

    await reloadShowsNothing(admin, '#api-key', 'This key was shown once and cannot be shown again.');
    await expect(scimStatus(key)).resolves.toBe(200);
    expect(await count('SELECT count(*)::int AS n FROM api_keys WHERE user_id = $1', [rootId])).toBe(1);
    expect(await events('api_key.generated')).toBe(1);
    expect(await events('api_key.regenerated')).toBe(0);
    // Another one is made only by asking again, from the profile.
    await admin.getByRole('link', { name: /regenerate it/ }).click();
    await admin.getByRole('button', { name: 'Regenerate my API key' }).waitFor();
  });

  let clientId = '';
  let secret = '';

  it("a new application's secret", async () => {
    await admin.goto(`${server.issuer}/admin/apps/new`);
    await admin.getByLabel('Name', { exact: true }).fill('Shown Once');
    await admin.getByRole('radio', { name: /^Confidential/ }).check();
    await admin.getByLabel('Authorization code (users sign in)').uncheck();
    await admin.getByLabel('Refresh token').uncheck();
    await admin.getByLabel('Client credentials (machine access)').check();
    await admin.getByRole('button', { name: 'Create application' }).click();
    await admin.getByText('Copy the secret now: it is shown only once').waitFor();
    clientId = (await admin.locator('#client-id').textContent())!.trim();
    secret = await admin.locator('#client-secret').inputValue();
    expect(new URL(admin.url()).pathname).toBe(`/admin/apps/${clientId}/secret/new`);
    await admin.getByRole('heading', { name: 'Shown Once was created' }).waitFor();

    await reloadShowsNothing(admin, '#client-secret', 'This secret was shown once and cannot be shown again.');
    expect(await count("SELECT count(*)::int AS n FROM clients WHERE name = 'Shown Once'")).toBe(1);
    expect(await events('application.created')).toBe(1);
    await expect(secretWorks(clientId, secret)).resolves.toBe(true);
  });

  it('a regenerated secret', async () => {
    await admin.goto(`${server.issuer}/admin/apps/${clientId}/secret`);
    await admin.getByRole('button', { name: 'Regenerate secret' }).click();
    await admin.getByRole('heading', { name: 'A new secret for Shown Once' }).waitFor();
    const fresh = await admin.locator('#client-secret').inputValue();
    expect(fresh).not.toBe(secret);
    expect(new URL(admin.url()).pathname).toBe(`/admin/apps/${clientId}/secret/new`);

    await reloadShowsNothing(admin, '#client-secret', 'This secret was shown once and cannot be shown again.');
    expect(await events('application.secret_regenerated')).toBe(1);
    await expect(secretWorks(clientId, fresh)).resolves.toBe(true);
    // The page still leads to the application, and to regenerating on purpose.
    await admin.getByRole('link', { name: 'regenerate it' }).waitFor();
    await admin.getByRole('link', { name: 'Open the application' }).click();
    await admin.getByRole('heading', { name: 'Shown Once' }).waitFor();
  });

  it("a personal OAuth application's secret, added from a user's profile", async () => {
    await admin.goto(`${server.issuer}/admin/users/${samId}/oauth-apps/new`);
    await admin.getByLabel('Name').fill('Nightly sync');
    await admin.getByRole('button', { name: 'Create OAuth application' }).click();
    await admin.getByText('Copy the secret now: it is shown only once').waitFor();
    const id = (await admin.locator('#client-id').textContent())!.trim();
    const personal = await admin.locator('#client-secret').inputValue();

    await reloadShowsNothing(admin, '#client-secret', 'This secret was shown once and cannot be shown again.');
    expect(await count("SELECT count(*)::int AS n FROM clients WHERE name = 'Nightly sync'")).toBe(1);
    await expect(secretWorks(id, personal)).resolves.toBe(true);
  });

  it('a recovery link', async () => {
    await admin.goto(`${server.issuer}/admin/users/${samId}/recovery-link`);
    await admin.getByRole('button', { name: 'Make recovery link' }).click();
    const link = await admin.getByLabel('Recovery link').inputValue();
    expect(link).toContain('/reset-password/');
    expect(new URL(admin.url()).pathname).toBe(`/admin/users/${samId}/recovery-link/new`);

    await reloadShowsNothing(admin, '#recovery-url', 'This link was shown once and cannot be shown again.');
    expect(await events('user.recovery_link_viewed')).toBe(1);
    expect(await count("SELECT count(*)::int AS n FROM one_time_tokens WHERE purpose = 'recovery' AND user_id = $1",
      [samId])).toBe(1);
    // The link copied still works.
    const page = await (await browser.newContext()).newPage();
    expect((await page.goto(link))?.status()).toBe(200);
    await page.getByRole('button', { name: 'Set new password' }).waitFor();
    await page.context().close();
  });

  it('the page of a secret handed to someone else shows nothing', async () => {
    // Another staff member's browser, or a link pasted later: no cookie, no secret, no new one.
    const other = await consolePage(browser, server.issuer, 'root', PASSWORD);
    const res = await other.goto(`${server.issuer}/admin/apps/${clientId}/secret/new`);
    expect(res?.status()).toBe(200);
    await other.getByText('This secret was shown once and cannot be shown again.').waitFor();
    expect(await events('application.secret_regenerated')).toBe(1);
    await other.context().close();
  });
});
