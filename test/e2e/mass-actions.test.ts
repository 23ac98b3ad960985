// A mass block of 1,000 users from the users list, in Chromium: select all matching the
// filter, confirm the count, watch the progress bar, read the result; no user is half-done.
import type { Browser, Page } from 'playwright-core';
import { ALL_USERS } from '../../src/platform/access.js';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';

import { createAdapterFactory } from '../../src/oidc/adapter.js';
import { consolePage, launchBrowser } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let browser: Browser;
let page: Page;
let ids: string[];

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  await server.foyer.services.users.create({ login: 'root', password: 'console password 1', role: 'ADMIN' }, CLI_ACTOR,
    ALL_USERS);
  ids = (await server.db.dataSource.query(
    "INSERT INTO users (login, nickname) SELECT 'crowd' || g, 'Crowd Member ' || g FROM generate_series(1, 1000) g "
      + 'RETURNING id::text AS id',
  )).map((r: { id: string }) => r.id);
  await server.db.dataSource.query("INSERT INTO users (login, nickname) VALUES ('bystander', 'Someone Else')");
  // Some of them are signed in somewhere: blocking must end that too.
  const adapterFor = createAdapterFactory(server.db.database, async () => undefined);
  for (const id of ids.slice(0, 25)) {
    await adapterFor('Session').upsert(`sess-${id}`, { kind: 'Session', accountId: id, uid: `uid-${id}` }, 3600);
    await adapterFor('AccessToken').upsert(`at-${id}`, { kind: 'AccessToken', accountId: id, grantId: `g-${id}` },
      3600);
  }
  await server.db.dataSource.query('ANALYZE users');
  page = await consolePage(browser, server.issuer, 'root', 'console password 1');
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it('blocks 1,000 users matching a filter with a progress bar, and leaves none half-done', async () => {
  await page.getByRole('searchbox', { name: 'Search' }).fill('crowd');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.locator('#match-count').textContent()).resolves.toContain('1000 matching users');

  // Nothing chosen yet: a clear message, nothing done.
  await page.getByRole('button', { name: 'Continue…' }).click();
  await page.getByText('Choose what to do with the selected users.').waitFor();
  await page.goBack();

  await page.getByLabel('With the selected users').selectOption('block');
  await page.getByLabel(/Select all .*1000 users matching this filter/).check();
  await page.getByRole('button', { name: 'Continue…' }).click();
  // The count with thousands separators (issue 17 item 2).
  await page.getByRole('heading', { name: 'Block 1,000 users?' }).waitFor();
  await page.getByRole('button', { name: 'Block 1,000 users' }).click();

  await page.waitForURL(/\/admin\/jobs\/\d+$/);
  await expect(page.locator('progress#job-progress').getAttribute('max')).resolves.toBe('1000');
  await page.getByText('Finished: 1000 succeeded, 0 failed.').waitFor({ timeout: 60_000 });
  await expect(page.locator('progress#job-progress').getAttribute('value')).resolves.toBe('1000');
  await expect(page.locator('table.succeeded tbody tr').count()).resolves.toBe(500);

  // Every one of them: blocked, its block recorded, nothing left of its sessions and tokens.
  const [state] = await server.db.dataSource.query(
    `SELECT count(*) FILTER (WHERE u.blocked)::int AS blocked,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM audit_events e
                                      WHERE e.action = 'user.blocked' AND e.target_user_id = u.id))::int AS recorded,
       (SELECT count(*)::int FROM oidc_payloads p WHERE p.account_id = ANY($1)) AS payloads
     FROM users u WHERE u.id = ANY($1::bigint[])`, [ids]);
  expect(state).toEqual({ blocked: 1000, recorded: 1000, payloads: 0 });
  const [bystander] = await server.db.dataSource.query("SELECT blocked FROM users WHERE login = 'bystander'");
  expect(bystander.blocked).toBe(false);
});

it('unblocks ticked users only', async () => {
  await page.goto(`${server.issuer}/admin/users?q=crowd&sort=login`);
  const boxes = page.locator('table.users tbody input[name=user]');
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  await page.getByLabel('With the selected users').selectOption('unblock');
  await page.getByRole('button', { name: 'Continue…' }).click();
  await page.getByRole('button', { name: 'Unblock 2 users' }).click();
  await page.getByText('Finished: 2 succeeded, 0 failed.').waitFor({ timeout: 30_000 });
  const [{ n }] = await server.db.dataSource.query('SELECT count(*)::int AS n FROM users WHERE id = '
    + 'ANY($1::bigint[]) AND NOT blocked', [ids]);
  expect(n).toBe(2);
});
