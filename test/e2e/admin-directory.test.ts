// An administrator's day in the console, in headless Chromium: create a user (fixing a
// mistake the form points out), find them by search and filter, edit them, change a
// privacy level in place, and read what happened on the events page.
import type { Browser, Page } from 'playwright-core';
import { ALL_USERS } from '../../src/platform/access.js';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { consolePage, launchBrowser } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'console password 1';
let server: TestServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  const { users, organizations, settings } = server.foyer.services;
  const org = await organizations.create('Wonderland', CLI_ACTOR, { kind: 'all' });
  await organizations.create('Looking Glass', CLI_ACTOR, { kind: 'all' });
  await settings.addCustomField({ key: 'team', label: 'Team', type: 'select', options: 'Hearts\nClubs',
    defaultPrivacy: 'on_request' }, CLI_ACTOR);
  await users.create({ login: 'root', email: 'root@example.com', password: PASSWORD, role: 'ADMIN' }, CLI_ACTOR,
    ALL_USERS);
  // Someone already holds the login the admin first types.
  await users.create({ login: 'alice', nickname: 'Another Alice', organizationId: org.id }, CLI_ACTOR, ALL_USERS);
  page = await consolePage(browser, server.issuer, 'root', PASSWORD);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const row = (text: string) => page.locator('table.users tbody tr', { hasText: text });

describe('the users directory in a browser', () => {
  it('creates a user, keeping what was typed when a field needs fixing', async () => {
    await page.getByRole('link', { name: 'Create user' }).click();
    await page.getByLabel('Public name').fill('Alice Liddell');
    await page.getByLabel('First name(s)').fill('Alice');
    await page.getByLabel('Last name').fill('Liddell');
    await page.getByLabel('Login').fill('alice');
    await page.getByLabel('Email').fill('alice.liddell@example.com');
    await page.getByLabel('Phone').fill('+44 20 7183 8750');
    await page.getByLabel('Date of birth').fill('1952-05-04');
    await page.getByLabel('Team').selectOption('Hearts');
    await page.getByLabel('Password', { exact: true }).fill('drink me 1852');
    await page.getByLabel('Organization').selectOption({ label: 'Wonderland' });
    await page.getByRole('button', { name: 'Create user' }).click();

    // The taken login is pointed out next to its field; the rest is still there, the password is not.
    await expect(page.locator('#login-error').textContent()).resolves.toBe('This login is already in use');
    await expect(page.getByLabel('Email').inputValue()).resolves.toBe('alice.liddell@example.com');
    await expect(page.getByLabel('Team').inputValue()).resolves.toBe('Hearts');
    await expect(page.getByLabel('Organization').inputValue()).resolves.not.toBe('');
    await expect(page.getByLabel('Password', { exact: true }).inputValue()).resolves.toBe('');

    await page.getByLabel('Login').fill('alice.liddell');
    await page.getByLabel('Password', { exact: true }).fill('drink me 1852');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText('The user was created.').waitFor();
    await expect(page.getByRole('heading', { name: /Alice Liddell/ }).isVisible()).resolves.toBe(true);
    await expect(page.locator('#identifiers').locator('..').textContent()).resolves.toContain('+442071838750');
  });

  it('finds the user by search plus filter, and the filter narrows', async () => {
    await page.goto(`${server.issuer}/admin/users`);
    await page.getByRole('searchbox', { name: 'Search' }).fill('LIDDELL');
    await page.getByLabel('Status').selectOption({ label: 'Email unverified' });
    await page.getByLabel('Organization').selectOption({ label: 'Wonderland' });
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(row('alice.liddell').count()).resolves.toBe(1);
    await expect(page.locator('#match-count').textContent()).resolves.toContain('1 matching user');
    await expect(row('alice.liddell').textContent()).resolves.toContain('Wonderland');

    await page.getByLabel('Status').selectOption({ label: 'Blocked' });
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No users match.').waitFor();

    await page.getByRole('link', { name: 'All', exact: true }).click();
    await expect(row('alice.liddell').count()).resolves.toBe(1);
    await row('alice.liddell').locator('td').nth(2).click(); // anywhere on the row opens the profile
    await page.getByRole('heading', { name: /Alice Liddell/ }).waitFor();
  });

  it('edits the user', async () => {
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByLabel('Public name').fill('Alice in Wonderland');
    await page.getByLabel('Date of birth').fill('2999-01-01');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.locator('#birthdate-error').textContent()).resolves.toMatch(/future/);
    await expect(page.getByLabel('Public name').inputValue()).resolves.toBe('Alice in Wonderland');
    await page.getByLabel('Date of birth').fill('1952-05-04');
    await page.getByLabel('Team').selectOption('Clubs');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Your changes were saved.').waitFor();
    await expect(page.getByRole('heading', { name: /Alice in Wonderland/ }).isVisible()).resolves.toBe(true);
    await expect(page.locator('tr[data-field="custom_fields.team"]').textContent()).resolves.toContain('Clubs');
  });

  it('changes a privacy level in place, and it is stored at once', async () => {
    const email = page.getByLabel('Privacy of Email address');
    await expect(email.inputValue()).resolves.toBe('on_request');
    await email.selectOption('public');
    await page.locator('tr[data-field="email"] .privacy-saved').getByText('Saved').waitFor();
    await expect(page.locator('tr[data-field="email"] .privacy-icon').getAttribute('data-level'))
      .resolves.toBe('public');
    await expect(page.locator('tr[data-field="email"] .privacy-icon svg').getAttribute('data-level'))
      .resolves.toBe('public');
    const alice = await server.foyer.services.users.findByLogin('alice.liddell');
    expect(alice.claimPrivacy.email).toBe('public');
    await page.reload();
    await expect(page.getByLabel('Privacy of Email address').inputValue()).resolves.toBe('public');
  });

  it('shows what happened, on the profile and on the events page with filters', async () => {
    const events = page.locator('table.events');
    await expect(events.textContent()).resolves.toMatch(/user\.privacy_changed[\s\S]*user\.updated[\s\S]*user\.created/);
    await page.getByRole('link', { name: 'All events of this user' }).click();
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    await expect(page.locator('table.events tbody tr').count()).resolves.toBe(3);
    // The details read as words (issue 17 item 13), no longer as JSON.
    await expect(page.locator('table.events tbody tr').first().textContent())
      .resolves.toContain('to public · from on request · claim email');

    await page.getByLabel('User').fill('');
    await page.getByLabel('Actor').fill('root');
    await page.getByLabel('Action').selectOption('user.updated');
    await page.getByRole('button', { name: 'Apply' }).click();
    const rows = page.locator('table.events tbody tr');
    await expect(rows.count()).resolves.toBe(1);
    await expect(rows.first().textContent()).resolves.toContain('fields nickname, custom.team');
    await expect(rows.first().textContent()).resolves.not.toContain('drink me');
  });
});
