// A mass deletion in Chromium (issue 17 item 2): the confirmation names the first users it
// reaches and how many Administrators are among them, and starts only once the number of users
// is typed; a wrong number refuses by the field, and neither a reload of the result page nor
// the same form sent again deletes anything more.
import type { Browser, Page } from 'playwright-core';
import { ALL_USERS } from '../../src/platform/access.js';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { consolePage, launchBrowser } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let browser: Browser;
let page: Page;

const count = async (sql: string) => Number((await server.db.dataSource.query(sql))[0].n);
const doomed = () => count("SELECT count(*) AS n FROM users WHERE login LIKE 'doomed%'");
const jobs = () => count('SELECT count(*) AS n FROM bulk_jobs');

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  await server.foyer.services.users.create({ login: 'root', password: 'console password 1', role: 'ADMIN' }, CLI_ACTOR,
    ALL_USERS);
  await server.db.dataSource.query(
    `INSERT INTO users (login, email, nickname, role)
     SELECT 'doomed' || lpad(g::text, 2, '0'), 'doomed' || g || '@example.com', 'Doomed Person ' || g,
       CASE WHEN g IN (2, 7, 23) THEN 'ADMIN' ELSE 'MEMBER' END
     FROM generate_series(1, 23) g`);
  await server.db.dataSource.query("INSERT INTO users (login, nickname) VALUES ('bystander', 'Someone Else')");
  page = await consolePage(browser, server.issuer, 'root', 'console password 1');
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it('deletes 23 users only once their number is typed, after naming them and their Administrators', async () => {
  await page.getByRole('searchbox', { name: 'Search' }).fill('doomed');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByText('23 matching users').waitFor();
  await page.getByLabel('With the selected users').selectOption('delete');
  await page.getByLabel(/Select all .*23 users matching this filter/).check();
  await page.getByRole('button', { name: 'Continue…' }).click();

  await page.getByRole('heading', { name: 'Delete 23 users?' }).waitFor();
  await expect(page.locator('#administrators-among-them').textContent()).resolves
    .toBe('3 of them are Administrators.');
  await page.getByText('The first 20 of 23:').waitFor();
  const rows = page.locator('table.affected tbody tr');
  await expect(rows.count()).resolves.toBe(20);
  await expect(rows.first().textContent()).resolves.toMatch(/Doomed Person 1\s*doomed01\s*doomed1@example\.com\s*Member/);
  await expect(rows.nth(1).textContent()).resolves.toContain('Administrator');

  // A wrong number: the same confirmation again, the message by the field, nothing started.
  const field = page.getByLabel('To confirm, type the number of users to delete: 23');
  await field.fill('20');
  await page.getByRole('button', { name: 'Delete 23 users' }).click();
  await page.locator('#confirm-error').waitFor();
  await expect(page.locator('#confirm-error').textContent()).resolves
    .toBe('That is not the number of users to delete. Type 23 to confirm.');
  await expect(field.getAttribute('aria-invalid')).resolves.toBe('true');
  await expect(field.inputValue()).resolves.toBe('20');
  await page.getByRole('heading', { name: 'Delete 23 users?' }).waitFor();
  expect(await doomed()).toBe(23);
  expect(await jobs()).toBe(0);

  // The right number: the job runs, Administrators included (another Administrator is left: root).
  await field.fill('23');
  const csrf = await page.locator('form[action="/admin/users/bulk"] input[name=_csrf]').getAttribute('value');
  await page.getByRole('button', { name: 'Delete 23 users' }).click();
  await page.waitForURL(/\/admin\/jobs\/\d+$/);
  await page.getByText('Finished: 23 succeeded, 0 failed.').waitFor({ timeout: 60_000 });
  expect(await doomed()).toBe(0);
  expect(await count("SELECT count(*) AS n FROM users WHERE login IN ('bystander', 'root')")).toBe(2);

  // A reload of the result page starts nothing new; nor does the same form sent again.
  await page.reload();
  await page.getByText('Finished: 23 succeeded, 0 failed.').waitFor();
  const again = await page.request.post(`${server.issuer}/admin/users/bulk`, {
    form: { _csrf: csrf!, action: 'delete', all: '1', q: 'doomed', confirm: '23' }, maxRedirects: 0 });
  expect(again.status()).toBe(422);
  expect(await again.text()).toContain('None of the selected users is left to delete.');
  expect(await jobs()).toBe(1);
});

it('deletes one ticked user without a number to type', async () => {
  await page.goto(`${server.issuer}/admin/users?q=bystander`);
  await page.locator('table.users tbody input[name=user]').first().check();
  await page.getByLabel('With the selected users').selectOption('delete');
  await page.getByRole('button', { name: 'Continue…' }).click();
  await page.getByRole('heading', { name: 'Delete 1 user?' }).waitFor();
  await page.getByText('The user:').waitFor();
  await expect(page.locator('input[name=confirm]').count()).resolves.toBe(0);
  await page.getByRole('button', { name: 'Delete 1 user' }).click();
  await page.getByText('Finished: 1 succeeded, 0 failed.').waitFor({ timeout: 30_000 });
  expect(await count("SELECT count(*) AS n FROM users WHERE login = 'bystander'")).toBe(0);
});
