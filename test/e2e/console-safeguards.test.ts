// What an Administrator sees in Chromium when they are about to hurt themselves or their
// users (issue 17): their own profile offers no Block, Lock or Delete and no role change, and
// a request that tries anyway is refused in words; the privacy choices on someone else's
// profile speak of that user, not of "you"; the password policy keeps at least 8 characters.
import type { Browser, Page } from 'playwright-core';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import type { User } from '../../src/db/entities/user.entity.js';
import { ALL_USERS } from '../../src/platform/access.js';
import { consolePage, launchBrowser, submitLogin } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'console password 1';
let server: TestServer;
let browser: Browser;
let page: Page;
let root: User;
let ada: User;
let max: User;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  const { users } = server.foyer.services;
  root = await users.create({ login: 'root', email: 'root@example.com', password: PASSWORD, role: 'ADMIN' },
    CLI_ACTOR, ALL_USERS);
  ada = await users.create({ login: 'ada', email: 'ada@example.com', nickname: 'Ada', password: PASSWORD,
    role: 'ADMIN' }, CLI_ACTOR, ALL_USERS);
  max = await users.create({ login: 'max', email: 'max@example.com', nickname: 'Max', password: PASSWORD },
    CLI_ACTOR, ALL_USERS);
});

beforeEach(async () => {
  page = await consolePage(browser, server.issuer, 'root', PASSWORD);
});

afterEach(async () => {
  await page?.context().close();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const rowOf = async (id: string) => (await server.db.dataSource.query(
  'SELECT role, blocked, locked_at IS NOT NULL AS locked FROM users WHERE id = $1', [id]))[0];

/**
 * Sends the confirmation form of another user's page to `action` instead, as a stale or forged
 * page would, and returns the answer.
 */
async function forcePost(action: string) {
  await page.goto(`${server.issuer}/admin/users/${ada.id}/actions/block`);
  await page.locator('section[role="dialog"] form').evaluate((form, to) => form.setAttribute('action', to), action);
  const response = page.waitForResponse((r) => r.url().endsWith(action) && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Block' }).click();
  return response;
}

describe("an Administrator's own account", () => {
  it('offers no Block, Lock or Delete on the profile, and says why', async () => {
    await page.goto(`${server.issuer}/admin/users/${root.id}`);
    const actions = page.locator('section[aria-labelledby="other-actions"]');
    await actions.getByRole('link', { name: 'End all sessions' }).waitFor();
    for (const name of ['Block', 'Lock', 'Delete']) {
      await expect(actions.getByRole('link', { name, exact: true }).count()).resolves.toBe(0);
    }
    await expect(actions.getByText('This is your own account: you cannot block, lock or delete it, nor change '
      + 'your own role. You would be signed out, or lose the console, and could not get back in. Ask another '
      + 'Administrator.').isVisible()).resolves.toBe(true);
  });

  it('answers the confirmation page and a forced request with the refusal, in words', async () => {
    const before = await rowOf(root.id);
    for (const action of ['block', 'lock', 'delete']) {
      await page.goto(`${server.issuer}/admin/users/${root.id}/actions/${action}`);
      await page.getByRole('alert').getByText(`You cannot ${action} your own account`).waitFor();
      await expect(page.getByRole('button', { name: /Block|Lock|Delete/ }).count()).resolves.toBe(0);
    }
    const refused = await forcePost(`/admin/users/${root.id}/actions/block`);
    expect(refused.status()).toBe(403);
    await page.getByText('You cannot block your own account: you would be signed out and could not get back in. '
      + 'Ask another Administrator.').waitFor();
    expect(await rowOf(root.id)).toEqual(before);
    // Still signed in: the console answers.
    await page.goto(`${server.issuer}/admin/users/${root.id}`);
    await page.getByRole('heading', { name: 'root' }).waitFor();
  });

  it('keeps the role on the permissions page and refuses a forced demotion by the field', async () => {
    await page.goto(`${server.issuer}/admin/users/${root.id}/permissions`);
    const role = page.getByLabel('Role');
    await expect(role.locator('option').allTextContents()).resolves.toEqual(['Administrator']);
    await page.getByText('You cannot change your own role').first().waitFor();
    // A stale or forged form asks for Member anyway.
    await role.evaluate((select) => select.insertAdjacentHTML('beforeend',
      '<option value="MEMBER" selected>Member</option>'));
    const response = page.waitForResponse((r) => r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Save permissions' }).click();
    expect((await response).status()).toBe(422);
    await page.locator('#role-error').getByText('You cannot change your own role: ').waitFor();
    expect(await rowOf(root.id)).toMatchObject({ role: 'ADMIN' });
  });
});

describe("another Administrator's account", () => {
  it('offers Block, Lock, Change permissions and Delete, and each works', async () => {
    const profile = `${server.issuer}/admin/users/${ada.id}`;
    const act = async (link: string, button: string, notice: string, fill?: () => Promise<void>) => {
      await page.goto(profile);
      await page.locator('section[aria-labelledby="other-actions"]').getByRole('link', { name: link, exact: true })
        .click();
      await fill?.();
      await page.getByRole('button', { name: button }).click();
      await page.getByText(notice).waitFor();
    };
    await act('Block', 'Block', 'The user is blocked and signed out everywhere.');
    await act('Unblock', 'Unblock', 'The user is unblocked and can sign in again.');
    await act('Lock', 'Lock', 'The user is locked and signed out everywhere.',
      () => page.getByLabel('Reason (shown on the profile)').fill('On holiday'));
    await act('Unlock', 'Unlock', 'The user is unlocked.');
    await act('Change permissions', 'Save permissions', 'Permissions were changed.',
      async () => { await page.getByLabel('Role').selectOption('MEMBER'); });
    expect(await rowOf(ada.id)).toEqual({ role: 'MEMBER', blocked: false, locked: false });
    await act('Delete', 'Delete for good', 'was deleted');
    expect(await rowOf(ada.id)).toBeUndefined();
  });
});

describe('privacy words on the console', () => {
  it("speak of the user on someone else's profile and on the settings, of you on the account page", async () => {
    await page.goto(`${server.issuer}/admin/users/${max.id}`);
    const email = page.getByLabel('Privacy of Email address');
    const options = await email.locator('option').allTextContents();
    expect(options).toContain('Available only to the user');
    expect(options.join(' ')).not.toMatch(/\byou\b/i);
    await expect(page.locator('#privacy').textContent()).resolves.not.toMatch(/only to you|only you/i);

    await page.goto(`${server.issuer}/admin/settings`);
    await expect(page.getByLabel('Default privacy').locator('option').allTextContents()).resolves
      .toContain('Available only to the user');

    // The user's own page still speaks to them.
    const own = await (await browser.newContext()).newPage();
    await own.goto(`${server.issuer}/account`);
    await submitLogin(own, 'max', PASSWORD);
    await own.getByRole('heading', { name: 'Your account' }).waitFor();
    await expect(own.getByLabel('Privacy of Email address').locator('option').allTextContents()).resolves
      .toContain('Available only to you');
    await own.context().close();
  });
});

describe('the password policy', () => {
  it('refuses a minimum length below 8 by the field and keeps the stored policy', async () => {
    await page.goto(`${server.issuer}/admin/settings`);
    await page.getByText('At least 8 (NIST SP 800-63B)').waitFor();
    await page.getByLabel('Minimum length (characters)').fill('6');
    const response = page.waitForResponse((r) => r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Save password policy' }).click();
    expect((await response).status()).toBe(422);
    await page.locator('#minLength-error').getByText('Enter a whole number from 8 to 72').waitFor();
    await expect(page.getByLabel('Minimum length (characters)').inputValue()).resolves.toBe('6');
    expect((await server.foyer.services.settings.current()).passwordPolicy.minLength).toBe(8);

    await page.getByLabel('Minimum length (characters)').fill('8');
    await page.getByRole('button', { name: 'Save password policy' }).click();
    await page.getByText('The password policy was saved.').waitFor();
  });
});
