// A CSV import from the users list, in headless Chromium: upload 32 rows (two of them bad)
// with invitations, watch the self-refreshing dry run report counts and errors by row and
// column (with nothing written), filter to the error rows, confirm, read the result with its
// progress bar, open a created user's profile from the results, and download the failed rows.
import { readFile } from 'node:fs/promises';
import { ALL_USERS } from '../../src/platform/access.js';
import type { Browser, Page } from 'playwright-core';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { consolePage, launchBrowser } from '../support/browser.js';
import { parseCsv } from '../support/csv-import.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let browser: Browser;
let page: Page;

// File row numbers count the header as row 1: row 5 has a bad email, row 20 an unknown role.
const BAD_EMAIL = 5;
const BAD_ROLE = 20;
const rows = Array.from({ length: 32 }, (_, i) => {
  const rowNo = i + 2;
  const login = `reader${String(rowNo).padStart(2, '0')}`;
  const email = rowNo === BAD_EMAIL ? 'not-an-email' : `${login}@example.com`;
  return [login, email, `Reader ${rowNo}`, 'Wonderland', 'Readers;Tea party',
    rowNo === BAD_ROLE ? 'Emperor' : 'Member'].join(',');
});
const CSV = ['login,email,nickname,organization,groups,role', ...rows].join('\r\n') + '\r\n';

const count = async (table: string) => Number((await server.db.dataSource.query(`SELECT count(*)::int AS n FROM `
  + `${table}`))[0].n);
const listedRows = () => page.locator('#import-rows tbody tr')
  .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-row')));
const text = async (selector: string) => ((await page.locator(selector).textContent()) ?? '').replace(/\s+/g, ' ');

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  await server.foyer.services.users.create({ login: 'root', password: 'console password 1', role: 'ADMIN' }, CLI_ACTOR,
    ALL_USERS);
  page = await consolePage(browser, server.issuer, 'root', 'console password 1', { acceptDownloads: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('a CSV import in a browser', () => {
  let jobUrl: string;

  it('uploads a file and shows the dry run, writing nothing', async () => {
    await page.getByRole('link', { name: 'Import CSV' }).click();
    await page.getByRole('heading', { name: 'Import users from a CSV file' }).waitFor();
    const invite = page.getByLabel('Send each new user an invitation to choose a password');
    await expect(invite.isChecked()).resolves.toBe(true); // the default
    await invite.check();
    await page.getByLabel(/^CSV file/).setInputFiles({ name: 'readers.csv', mimeType: 'text/csv',
      buffer: Buffer.from(CSV) });
    await page.getByRole('button', { name: 'Upload and check' }).click();

    await page.waitForURL(/\/admin\/imports\/\d+$/);
    jobUrl = page.url();
    await server.foyer.importWorker.wake(); // runs in this process; the page refreshes itself until done
    await page.getByRole('heading', { name: 'Dry run: nothing has been written yet' }).waitFor({ timeout: 30_000 });
    await expect(page.getByRole('heading', { name: 'Import of readers.csv' }).isVisible()).resolves.toBe(true);

    const summary = await text('#import-summary');
    expect(summary).toContain('30 users will be created');
    expect(summary).toContain('0 will be updated');
    expect(summary).toContain('2 rows with errors will be skipped');
    expect(summary).toContain('New organizations: Wonderland');
    await expect(text(`#import-rows tr[data-row="`
      + `${BAD_EMAIL}"]`)).resolves.toContain('email: Enter a valid email address');
    await expect(text(`#import-rows tr[data-row="`
      + `${BAD_ROLE}"]`)).resolves.toContain('role: Use Member, Manager or Administrator');
    await expect(text('#import-rows tr[data-row="2"]')).resolves.toContain('Create');
    await expect(listedRows()).resolves.toHaveLength(32);

    await page.getByRole('link', { name: 'Errors in the dry run' }).click();
    await page.waitForURL(/\?show=error$/);
    await expect(listedRows()).resolves.toEqual([String(BAD_EMAIL), String(BAD_ROLE)]);

    // Nothing written: only the administrator exists, no organization, no group, no mail.
    expect(await count('users')).toBe(1);
    expect(await Promise.all(['organizations', 'groups', 'mail_outbox'].map(count))).toEqual([0, 0, 0]);
  });

  it('imports the good rows, links to the users created, and gives the failed rows back as CSV', async () => {
    await page.getByRole('button', { name: 'Import 30 rows' }).click();
    await page.waitForURL(jobUrl);
    await server.foyer.importWorker.wake();
    await page.getByText(/30 created,\s*0 updated,\s*0 unchanged,\s*2 failed\./).waitFor({ timeout: 30_000 });
    await expect(page.locator('progress#import-progress').count()).resolves.toBe(1);
    await expect(page.locator('progress#import-progress').getAttribute('value')).resolves.toBe('32');
    expect(await count('users')).toBe(31);

    // A finished import lists its failed rows first.
    await expect(listedRows()).resolves.toEqual([String(BAD_EMAIL), String(BAD_ROLE)]);
    await page.getByRole('link', { name: 'All rows' }).click();
    await expect(text('#import-rows tr[data-row="3"]')).resolves.toContain('Created');
    await page.locator('#import-rows tr[data-row="3"]').getByRole('link', { name: 'reader03', exact: true }).click();
    await page.waitForURL(/\/admin\/users\/\d+$/);
    await page.getByRole('heading', { name: /Reader 3/ }).waitFor();
    await expect(text('section[aria-labelledby=identifiers] dt:text-is("Login") + dd')).resolves.toBe('reader03');
    await expect(text('section[aria-labelledby=identifiers] dt:text-is("Email") + dd'))
      .resolves.toContain('reader03@example.com');

    await page.goto(jobUrl);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download the failed rows as CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^import-\d+-errors\.csv$/);
    // For a spreadsheet: a UTF-8 byte-order mark first, so the names in it open (and are saved back) as written.
    const bytes = await readFile((await download.path())!);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const csv = parseCsv(bytes.subarray(3).toString('utf8'));
    expect(csv[0]).toEqual(['login', 'email', 'nickname', 'organization', 'groups', 'role', 'import_row',
      'import_errors']);
    expect(csv.slice(1).map((r) => r[6])).toEqual([String(BAD_EMAIL), String(BAD_ROLE)]);
    expect(csv[1]).toEqual(expect.arrayContaining(['reader05', 'not-an-email', 'email: Enter a valid email address']));
  });
});
