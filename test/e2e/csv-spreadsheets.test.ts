// CSV files as people make them with spreadsheets, in headless Chromium: the export saved by
// the browser starts with a UTF-8 byte-order mark (Петр and Seán open as written) unless plain
// UTF-8 is chosen; a group named with the separator comes back whole; a semicolon-separated
// file imports; a file that mixes separators is refused next to the file field in plain
// words; and the dry run shows, at their cells, every refusal applying would make.
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { ALL_USERS } from '../../src/platform/access.js';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { consolePage, launchBrowser } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let browser: Browser;
let page: Page;

const text = async (selector: string) => ((await page.locator(selector).textContent()) ?? '').replace(/\s+/g, ' ');

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  const { users, groups } = server.foyer.services;
  await users.create({ login: 'root', email: 'root@example.com', password: 'console password 1', role: 'ADMIN' },
    CLI_ACTOR, ALL_USERS);
  const oncall = await groups.create({ name: 'Ops, on-call; EU' }, CLI_ACTOR, ALL_USERS);
  const petr = await users.create({ login: 'sheet-petr', email: 'sheet-petr@example.com', givenName: 'Петр' },
    CLI_ACTOR, ALL_USERS);
  const sean = await users.create({ login: 'sheet-sean', email: 'sheet-sean@example.com', givenName: 'Seán' },
    CLI_ACTOR, ALL_USERS);
  await groups.addMembers(oncall.id, [petr.id, sean.id], CLI_ACTOR, ALL_USERS);
  await users.create({ login: 'sheet-alice', email: 'sheet-alice@example.com' }, CLI_ACTOR, ALL_USERS);
  await users.create({ login: 'carol@example.org' }, CLI_ACTOR, ALL_USERS);
  page = await consolePage(browser, server.issuer, 'root', 'console password 1', { acceptDownloads: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens the export form for the users matching `q`, ticks exactly `columns`, and saves the download. */
async function exportFile(q: string, columns: string[], encoding?: RegExp): Promise<Buffer> {
  await page.goto(`${server.issuer}/admin/users?q=${q}`);
  await page.getByRole('link', { name: 'Export CSV' }).click();
  await page.getByRole('heading', { name: /^Export \d+ users? as CSV$/ }).waitFor();
  for (const box of await page.locator('input[name=column]').all()) {
    await box.setChecked(columns.includes((await box.getAttribute('value'))!));
  }
  if (encoding) await page.getByRole('radio', { name: encoding }).check();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download CSV' }).click(),
  ]);
  return readFile((await download.path())!);
}

async function upload(name: string, csv: string | Buffer): Promise<void> {
  await page.goto(`${server.issuer}/admin/users/import`);
  await page.getByLabel(/^CSV file/).setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Upload and check' }).click();
  await page.waitForLoadState('load');
}

async function dryRunOf(name: string, csv: string | Buffer): Promise<void> {
  await upload(name, csv);
  await page.waitForURL(/\/admin\/imports\/\d+$/);
  await server.foyer.importWorker.wake();
  await page.getByRole('heading', { name: 'Dry run: nothing has been written yet' }).waitFor({ timeout: 30_000 });
}

describe('CSV files for and from spreadsheets', () => {
  it('exports for a spreadsheet by default: the byte-order mark first, groups with separators escaped', async () => {
    await page.goto(`${server.issuer}/admin/users/export`);
    await expect(page.getByRole('radio', { name: /A spreadsheet/ }).isChecked()).resolves.toBe(true);
    const file = await exportFile('sheet-', ['login', 'given_name', 'groups']);
    expect([...file.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(file.subarray(3).toString('utf8')).toBe('login,given_name,groups\r\n'
      + 'sheet-petr,Петр,"Ops, on-call\\; EU"\r\nsheet-sean,Seán,"Ops, on-call\\; EU"\r\nsheet-alice,,\r\n');

    const plain = await exportFile('sheet-', ['login', 'given_name'], /A script or another system/);
    expect(plain.toString('utf8')).toBe('login,given_name\r\nsheet-petr,Петр\r\nsheet-sean,Seán\r\nsheet-alice,\r\n');
  });

  it('imports that file back: the group stays one group', async () => {
    const file = await exportFile('sheet-', ['login', 'email', 'given_name', 'groups']);
    await dryRunOf('users-export.csv', file);
    await expect(text('#import-summary')).resolves.toContain('0 users will be created');
    await expect(text('#import-summary')).resolves.toContain('3 match a user and change nothing');
    // Before, the cell read as two groups to make, "Ops, on-call" and "EU".
    await expect(page.locator('#import-summary').getByText('New groups').count()).resolves.toBe(0);
  });

  it('imports a semicolon-separated file', async () => {
    await dryRunOf('semicolons.csv', '\uFEFFlogin;email;nickname;groups\r\n'
      + 'sheet-new;sheet-new@example.com;"Nový, Jr.";"Ops, on-call\\; EU;Sheet readers"\r\n');
    await expect(text('#import-summary')).resolves.toContain('1 user will be created');
    await expect(text('#import-summary')).resolves.toContain('New groups: Sheet readers');
    await page.getByRole('button', { name: 'Import 1 row' }).click();
    await server.foyer.importWorker.wake();
    await page.getByText(/1 created,\s*0 updated,\s*0 unchanged,\s*0 failed\./).waitFor({ timeout: 30_000 });
    const [user] = await server.db.dataSource.query('SELECT id::text AS id, nickname FROM users WHERE login = '
      + "'sheet-new'");
    expect(user.nickname).toBe('Nový, Jr.');
    expect((await server.foyer.services.groups.groupsOf(user.id)).map((g) => g.name).sort())
      .toEqual(['Ops, on-call; EU', 'Sheet readers']);
  });

  it('refuses a file that mixes separators, saying so next to the file field', async () => {
    await upload('mixed.csv', 'login,email,nickname\r\n"sheet-x";"sheet-x@example.com";"X"\r\n');
    const error = page.locator('#file-error');
    await error.waitFor();
    await expect(page.getByLabel(/^CSV file/).getAttribute('aria-describedby')).resolves.toBe('file-error');
    await expect(error.textContent()).resolves.toBe('The file could not be read as CSV at line 2: a quoted cell is '
      + 'followed by ";", but this file separates its cells with commas (,), as its first line does. Use the same '
      + 'separator on every line');
  });

  it('shows in the dry run, at their cells, the refusals applying would make', async () => {
    await dryRunOf('refusals.csv', [
      'login,email,role',
      'root,root@example.com,Member', // the last active Administrator
      'sheet-alicia,sheet-alice@example.com,', // Alice's email address with another login
      'sheet-alice@example.com,sheet-other@example.com,', // a login that is Alice's email address
      'sheet-zoe,carol@example.org,', // an email address that is Carol's login
      'sheet-yan,sheet-yan@example.com,',
    ].join('\r\n'));
    await expect(text('#import-summary')).resolves.toContain('4 rows with errors will be skipped');
    await expect(text('#import-rows tr[data-row="2"]')).resolves.toContain('role: This is the last active '
      + 'Administrator. Make someone else an Administrator first.');
    await expect(text('#import-rows tr[data-row="3"]')).resolves.toContain('login: Conflict: this email address '
      + 'belongs to the user with login "sheet-alice", not "sheet-alicia". An import never renames a user');
    await expect(text('#import-rows tr[data-row="4"]')).resolves.toContain("login: This login is another user's "
      + 'email address');
    await expect(text('#import-rows tr[data-row="5"]')).resolves.toContain('email: This email address is another '
      + "user's login");
    await expect(text('#import-rows tr[data-row="6"]')).resolves.toContain('Create');
  });
});
