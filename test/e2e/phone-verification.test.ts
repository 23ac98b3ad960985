// Verifying a phone number in Chromium: on /account the user clicks Verify, the code arrives at
// a real HTTP server playing the SMS gateway (SMS_WEBHOOK_URL, which fails once first), a wrong
// code is refused by the field, the right one confirms the number. In the console an
// Administrator marks another user's number verified.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import { consolePage, launchBrowser, submitLogin } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { codeIn, startSmsGateway, type TestSmsGateway } from '../support/sms-gateway.js';

const PASSWORD = 'phone password 1';
let server: TestServer;
let gateway: TestSmsGateway;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [gateway, browser] = await Promise.all([startSmsGateway(), launchBrowser()]);
  server = await startTestServer({ SMS_WEBHOOK_URL: gateway.url, SMS_WEBHOOK_TOKEN: 'e2e-token',
    FOYER_MAIL_POLL_SECONDS: '1' });
  const { users } = server.foyer.services;
  await users.create({ login: 'root', password: PASSWORD, role: 'ADMIN' }, CLI_ACTOR, ALL_USERS);
  await users.create({ login: 'petra', phoneNumber: '+14155550142', password: PASSWORD }, CLI_ACTOR, ALL_USERS);
  await users.create({ login: 'otto', phoneNumber: '+14155550143', password: PASSWORD }, CLI_ACTOR, ALL_USERS);
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await server?.close();
  await gateway?.close();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  return context.newPage();
}

it('the user verifies their phone from the account page with the code from the text message', async () => {
  const page = await newPage();
  await page.goto(`${server.issuer}/account`);
  await submitLogin(page, 'petra', PASSWORD);
  await page.getByRole('heading', { name: 'Your account' }).waitFor();
  const phoneRow = page.locator('tr[data-identifier="phone_number"]');
  await expect(phoneRow.textContent()).resolves.toContain('unconfirmed');

  // The gateway fails the first attempt: the worker retries, and one message arrives.
  gateway.answerWith(500);
  await Promise.all([page.waitForURL(/\/account\/phone\?done=sent$/), phoneRow.getByRole('button',
    { name: 'Verify phone' }).click()]);
  await page.getByRole('heading', { name: 'Verify your phone number' }).waitFor();
  await expect(page.getByRole('status').textContent()).resolves
    .toContain('A code is on its way to +14155550142 by text message. It works for 10 minutes.');
  const message = await gateway.waitFor('+14155550142');
  expect(message.authorization).toBe('Bearer e2e-token');
  const code = codeIn(message.text);
  expect(gateway.requests.filter((r) => r.to === '+14155550142').map((r) => r.answered)).toEqual([500, 200]);

  // A wrong code: the page says so by the field and keeps the form.
  await page.getByLabel('Code from the text message').fill(code === '123456' ? '654321' : '123456');
  await page.getByRole('button', { name: 'Verify phone' }).click();
  await expect(page.locator('#code-error').textContent()).resolves
    .toBe('That is not the code we sent. 4 tries left for this code.');
  await expect(page.getByLabel('Code from the text message').getAttribute('aria-invalid')).resolves.toBe('true');

  await page.getByLabel('Code from the text message').fill(code);
  await Promise.all([page.waitForURL(/\/account\?done=phone-verified#identifiers$/),
    page.getByRole('button', { name: 'Verify phone' }).click()]);
  await expect(page.getByRole('status').first().textContent()).resolves
    .toBe('Phone verified: your phone number is confirmed.');
  await expect(phoneRow.textContent()).resolves.not.toContain('unconfirmed');
  await expect(phoneRow.getByRole('button', { name: 'Verify phone' }).count()).resolves.toBe(0);
  expect((await server.foyer.services.users.findByLogin('petra')).phoneNumberVerified).toBe(true);
  expect(gateway.delivered().filter((r) => r.to === '+14155550142')).toHaveLength(1);
});

it('an Administrator marks a user’s phone verified from the profile', async () => {
  const page = await consolePage(browser, server.issuer, 'root', PASSWORD);
  contexts.push(page.context());
  const otto = await server.foyer.services.users.findByLogin('otto');
  await page.goto(`${server.issuer}/admin/users/${otto.id}`);
  const identifiers = page.locator('section[aria-labelledby="identifiers"]');
  await expect(identifiers.textContent()).resolves.toMatch(/\+14155550143\s+unverified/);
  await Promise.all([page.waitForURL(/done=phone-marked-verified/),
    identifiers.getByRole('button', { name: 'Mark verified' }).click()]);
  await expect(page.getByRole('status').first().textContent()).resolves
    .toContain('The phone number is marked verified');
  await expect(identifiers.textContent()).resolves.toMatch(/\+14155550143\s+verified/);
  await expect(identifiers.getByRole('button', { name: 'Mark verified' }).count()).resolves.toBe(0);
  await expect(page.locator('table.events').textContent()).resolves.toContain('user.phone_marked_verified');
});
