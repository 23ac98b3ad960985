// Signing in to the console through Foyer's own sign-in page, by role.
import type { Browser, Page } from 'playwright-core';
import { ALL_USERS } from '../../src/platform/access.js';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { launchBrowser, submitLogin, freshPageForEachTest } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'console password 1';
let server: TestServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  const { users } = server.foyer.services;
  await users.create({ login: 'root', email: 'root@example.com', password: PASSWORD, role: 'ADMIN' }, CLI_ACTOR,
    ALL_USERS);
  const org = await server.foyer.services.organizations.create('Mona\'s team', CLI_ACTOR, { kind: 'all' });
  await users.create({ login: 'mona', password: PASSWORD, role: 'MANAGER', organizationId: org.id }, CLI_ACTOR,
    ALL_USERS);
  await users.create({ login: 'max', password: PASSWORD }, CLI_ACTOR, ALL_USERS);
});

freshPageForEachTest(() => browser, (p) => { page = p; });

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function signInToConsole(login: string, path = '/admin') {
  await page.goto(`${server.issuer}${path}`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await expect(page.getByText('Foyer admin console').isVisible()).resolves.toBe(true);
  await submitLogin(page, login, PASSWORD);
}

describe('console sign-in', () => {
  it('lets an administrator in through the sign-in page and out through the provider', async () => {
    await signInToConsole('root');
    await page.getByText('Signed in as root').waitFor();
    expect(new URL(page.url()).pathname).toBe('/admin');
    await expect(page.getByText('(Administrator)').isVisible()).resolves.toBe(true);

    // The provider session is what the console trusts: a second visit needs no sign-in.
    await page.goto(`${server.issuer}/admin`);
    await page.getByText('Signed in as root').waitFor();

    await page.getByRole('link', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.getByText('You have signed out of the console.').waitFor();
    await page.goto(`${server.issuer}/admin`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });

  it('lets a manager in', async () => {
    await signInToConsole('mona');
    await page.getByText('(Manager)').waitFor();
    // Administrators-only sections are not offered to a Manager.
    await expect(page.getByRole('link', { name: 'Settings' }).count()).resolves.toBe(0);
  });

  it('shows a member a clear no-access page', async () => {
    await signInToConsole('max');
    await page.getByRole('heading', { name: 'No access to the console' }).waitFor();
    const response = await page.goto(`${server.issuer}/admin`);
    expect(response?.status()).toBe(403);
  });

  it('returns to the console page asked for, never to another site', async () => {
    const res = await fetch(`${server.issuer}/admin/login?next=${encodeURIComponent('https://evil.example/')}`, { redirect: 'manual' });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('foyer.admin='));
    expect(decodeURIComponent(cookie!)).toContain('"next":"/admin"');
    await signInToConsole('root', '/admin?tab=1');
    await page.getByText('Signed in as root').waitFor();
    expect(new URL(page.url()).search).toBe('?tab=1');
  });

  it('sends a blocked administrator back to the sign-in page', async () => {
    await signInToConsole('root');
    await page.getByText('Signed in as root').waitFor();
    const root = await server.foyer.services.users.findByLogin('root');
    await server.foyer.services.lifecycle.block(root.id, CLI_ACTOR, ALL_USERS);
    await page.goto(`${server.issuer}/admin`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await server.foyer.services.lifecycle.unblock(root.id, CLI_ACTOR, ALL_USERS);
  });
});
