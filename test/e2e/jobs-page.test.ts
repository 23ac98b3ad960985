// The Jobs page in Chromium (issue 17 item 3): reached from the console's navigation, it
// lists a mass action, an import and an export with who, when, what, progress and result,
// each opening its own page; an event of a job links to it; a Manager sees only their own.
import type { Browser, Page } from 'playwright-core';
import { ALL_USERS } from '../../src/platform/access.js';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { consolePage, launchBrowser } from '../support/browser.js';
import { consoleSession } from '../support/console-session.js';
import { confirmImport, dryRun } from '../support/csv-import.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'console password 1';
let server: TestServer;
let browser: Browser;
let page: Page;
const ids = {} as Record<'action' | 'import' | 'export', string>;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ FOYER_EXPORT_JOB_THRESHOLD: '0' }), launchBrowser()]);
  const { services } = server.foyer;
  const org = await services.organizations.create('Org A', CLI_ACTOR, ALL_USERS);
  const root = await services.users.create({ login: 'root', email: 'root@example.com', password: PASSWORD,
    role: 'ADMIN' }, CLI_ACTOR, ALL_USERS);
  await services.users.create({ login: 'boss', password: PASSWORD, role: 'MANAGER', organizationId: org.id },
    CLI_ACTOR, ALL_USERS);
  const target = await services.users.create({ login: 'job-target', password: PASSWORD }, CLI_ACTOR, ALL_USERS);
  ids.action = await services.bulk.start('block', { ids: [target.id] }, { actor: { type: 'user', id: root.id,
    label: 'root' }, scope: ALL_USERS, isAdmin: true });
  await server.foyer.bulkWorker.wake();
  const http = await consoleSession(server.issuer, 'root', PASSWORD);
  ids.import = (await dryRun(server, http, 'login,email\r\njob-imported,ji@example.com\r\n', 'invite')).id;
  await confirmImport(server, http, ids.import);
  const exported = await http.get('/admin/users/export.csv?column=login');
  ids.export = /\/admin\/exports\/(\d+)$/.exec(exported.headers.get('location')!)![1];
  page = await consolePage(browser, server.issuer, 'root', PASSWORD);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it("lists an Administrator's mass action, import and export, each opening its page", async () => {
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Jobs' }).click();
  await page.getByRole('heading', { name: 'Jobs' }).waitFor();
  const rows = page.locator('table.jobs tbody tr');
  await expect(rows.count()).resolves.toBe(3);
  await expect(rows.nth(0).textContent()).resolves.toMatch(/Export[\s\S]*Export of \d+ users[\s\S]*root/);
  await expect(rows.nth(1).textContent()).resolves
    .toMatch(/Import[\s\S]*Import of users\.csv: 1 row[\s\S]*root[\s\S]*1 of 1[\s\S]*Finished: 1 created/);
  await expect(rows.nth(2).locator('td').nth(1).textContent()).resolves.toBe('Mass action');
  await expect(rows.nth(2).textContent()).resolves.toMatch(/Block: 1 user[\s\S]*root/);

  await page.getByRole('link', { name: 'Import of users.csv: 1 row' }).click();
  await page.waitForURL(`${server.issuer}/admin/imports/${ids.import}`);
  await page.getByRole('heading', { name: 'Import of users.csv' }).waitFor();
  await page.goBack();
  await page.getByRole('link', { name: /^Export of \d+ users$/ }).click();
  await page.waitForURL(`${server.issuer}/admin/exports/${ids.export}`);
  await page.goBack();
  await page.getByRole('link', { name: 'Block: 1 user' }).click();
  await page.waitForURL(`${server.issuer}/admin/jobs/${ids.action}`);
  await page.getByText('Finished: 1 succeeded, 0 failed.').waitFor({ timeout: 30_000 });
  await page.getByRole('link', { name: 'All jobs' }).click();
  await page.getByRole('heading', { name: 'Jobs' }).waitFor();
});

it('links the event that started a mass action to its page', async () => {
  await page.goto(`${server.issuer}/admin/events?action=users.mass_action_started`);
  await page.getByRole('link', { name: `Mass action ${ids.action}` }).click();
  await page.waitForURL(`${server.issuer}/admin/jobs/${ids.action}`);
  await page.getByRole('heading', { name: 'Block 1 user' }).waitFor();
});

it('shows a Manager only the jobs they started', async () => {
  const boss = await consolePage(browser, server.issuer, 'boss', PASSWORD);
  await boss.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Jobs' }).click();
  await boss.getByText('No jobs yet.').waitFor();
  await boss.context().close();
});
