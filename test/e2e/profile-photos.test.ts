// Profile photos in the browser (issue 17, item 6): after an upload the profile still saves,
// on the account page and in the console's edit form; an admin uploads a photo on the create
// and edit forms and removes it on the edit form, audited as the admin; the profile page shows
// the picture, not its address.
import type { Browser, Page } from 'playwright-core';
import { ALL_USERS } from '../../src/platform/access.js';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { consolePage, launchBrowser, submitLogin } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'console password 1';
const PHOTO_LABEL = /Upload a photo/;
let server: TestServer;
let browser: Browser;
let admin: Page;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  await server.foyer.services.users.create({ login: 'root', email: 'root@example.com', password: PASSWORD,
    role: 'ADMIN' }, CLI_ACTOR, ALL_USERS);
  admin = await consolePage(browser, server.issuer, 'root', PASSWORD);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function tinyPng(): Buffer {
  return Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000'
    + '1f15c4890000000d4944415478da63f8cfc0f01f0005000201cbb2c0e70000000049454e44ae426082', 'hex');
}
const png = (name = 'me.png') => ({ name, mimeType: 'image/png', buffer: tinyPng() });

const query = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> =>
  server.db.dataSource.query(sql, params);
const stored = async (login: string) => (await query<{ id: string; picture: string | null; nickname: string | null;
  photos: number; }>(`SELECT u.id, u.picture, u.nickname,
    (SELECT count(*)::int FROM profile_photos p WHERE p.user_id = u.id) AS photos FROM users u WHERE login = $1`,
[login]))[0];
const eventsOf = async (userId: string) => (await query<{ action: string; actor: string }>(
  'SELECT action, actor_label AS actor FROM audit_events WHERE target_user_id = $1 ORDER BY id', [userId]));
/** The picture on a console profile page: the <img> in the Profile photo row, if any. */
const profileImage = (page: Page) => page.locator('#privacy tr[data-field="picture"] img');

describe('the account page', () => {
  it('saves the profile after a photo upload', async () => {
    await server.foyer.services.users.create({ login: 'ines', email: 'ines@example.com', password: PASSWORD,
      nickname: 'Ines' }, CLI_ACTOR, ALL_USERS);
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.issuer}/account`);
    await submitLogin(page, 'ines', PASSWORD);
    await page.getByRole('heading', { name: 'Your account' }).waitFor();

    await page.getByLabel(PHOTO_LABEL).setInputFiles(png());
    await page.getByRole('button', { name: 'Upload photo' }).click();
    await page.getByText('Your photo was updated.').waitFor();
    const { picture } = await stored('ines');
    expect(picture).toMatch(/^public\/images\/profile\/[\w-]{22}\.png$/);
    // The form does not offer the photo's own address as a URL to edit.
    await expect(page.getByLabel('Profile photo URL').count()).resolves.toBe(0);
    await page.getByText('Your uploaded photo is used').waitFor();

    await page.getByLabel('Public name', { exact: true }).fill('Ines B');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByText('Your profile was saved.').waitFor();
    await expect(page.getByText('Enter an http(s) URL').count()).resolves.toBe(0);
    expect(await stored('ines')).toMatchObject({ nickname: 'Ines B', picture, photos: 1 });
    // The privacy table shows the picture, not its address.
    await expect(page.locator('#privacy tr[data-field="picture"] img').getAttribute('src')).resolves
      .toBe(`${server.issuer}/${picture}`);
    await page.context().close();
  });
});

describe('the console', () => {
  it('creates a user with a photo; a file that is no image is refused by its field and nothing is made', async () => {
    await admin.goto(`${server.issuer}/admin/users/new`);
    await admin.getByLabel('Login').fill('pia');
    await admin.getByLabel('Public name', { exact: true }).fill('Pia');
    await admin.getByLabel(PHOTO_LABEL).setInputFiles({ name: 'pia.png', mimeType: 'image/png',
      buffer: Buffer.from('this is not a picture at all') });
    const [refused] = await Promise.all([admin.waitForResponse((r) => r.request().method() === 'POST'),
      admin.getByRole('button', { name: 'Create user' }).click()]);
    expect(refused.status()).toBe(422);
    await expect(admin.locator('#photo-error').textContent()).resolves.toBe('Choose a PNG, JPEG or WebP image');
    await expect(admin.getByLabel('Login').inputValue()).resolves.toBe('pia');
    expect(await stored('pia')).toBeUndefined();

    await admin.getByLabel(PHOTO_LABEL).setInputFiles(png('pia.png'));
    await admin.getByRole('button', { name: 'Create user' }).click();
    await admin.getByText('The user was created.').waitFor();
    const pia = await stored('pia');
    expect(pia.picture).toMatch(/^public\/images\/profile\/[\w-]{22}\.png$/);
    expect(pia.photos).toBe(1);
    await expect(profileImage(admin).getAttribute('src')).resolves.toBe(`${server.issuer}/${pia.picture}`);
    await expect(admin.locator('#privacy tr[data-field="picture"]').textContent()).resolves.not.toContain('public/');
    const served = await fetch(`${server.issuer}/${pia.picture}`);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(await eventsOf(pia.id)).toEqual([{ action: 'user.created', actor: 'root' },
      { action: 'user.photo_uploaded', actor: 'root' }]);
  });

  it('edits a user with a photo: saves, replaces the photo, removes it, then takes a URL', async () => {
    const pia = await stored('pia');
    await admin.goto(`${server.issuer}/admin/users/${pia.id}/edit`);
    await expect(admin.getByLabel('Profile photo URL').count()).resolves.toBe(0);
    await expect(admin.getByRole('img', { name: 'Current photo of Pia' }).getAttribute('src')).resolves
      .toBe(`${server.issuer}/${pia.picture}`);
    await admin.getByLabel('Public name', { exact: true }).fill('Pia P');
    await admin.getByRole('button', { name: 'Save changes' }).click();
    await admin.getByText('Your changes were saved.').waitFor();
    expect(await stored('pia')).toMatchObject({ nickname: 'Pia P', picture: pia.picture, photos: 1 });

    await admin.getByRole('link', { name: 'Edit' }).click();
    await admin.getByLabel(PHOTO_LABEL).setInputFiles(png('new.png'));
    await admin.getByRole('button', { name: 'Save changes' }).click();
    await admin.getByText('Your changes were saved.').waitFor();
    const replaced = await stored('pia');
    expect(replaced.picture).toMatch(/^public\/images\/profile\/[\w-]{22}\.png$/);
    expect(replaced.picture).not.toBe(pia.picture);
    expect(replaced.photos).toBe(1);
    await expect(profileImage(admin).getAttribute('src')).resolves.toBe(`${server.issuer}/${replaced.picture}`);
    expect((await fetch(`${server.issuer}/${pia.picture}`)).status).toBe(404);

    await admin.getByRole('link', { name: 'Edit' }).click();
    await admin.getByLabel('Remove the photo').check();
    await admin.getByRole('button', { name: 'Save changes' }).click();
    await admin.getByText('Your changes were saved.').waitFor();
    expect(await stored('pia')).toMatchObject({ picture: null, photos: 0 });
    await expect(profileImage(admin).count()).resolves.toBe(0);
    expect((await fetch(`${server.issuer}/${replaced.picture}`)).status).toBe(404);
    expect((await eventsOf(pia.id)).slice(-3)).toEqual([{ action: 'user.updated', actor: 'root' },
      { action: 'user.photo_uploaded', actor: 'root' }, { action: 'user.photo_removed', actor: 'root' }]);

    // Without an uploaded photo the form takes an address again; the profile shows that picture too.
    await admin.getByRole('link', { name: 'Edit' }).click();
    await admin.getByLabel('Profile photo URL').fill('http://127.0.0.1:9/pia.png');
    await admin.getByRole('button', { name: 'Save changes' }).click();
    await admin.getByText('Your changes were saved.').waitFor();
    await expect(profileImage(admin).getAttribute('src')).resolves.toBe('http://127.0.0.1:9/pia.png');
  });

  it('saves the edit form of a user who uploaded their own photo on the account page', async () => {
    const user = await server.foyer.services.users.create({ login: 'olga', password: PASSWORD }, CLI_ACTOR,
      ALL_USERS);
    await server.foyer.services.photos.upload(user.id, tinyPng(), { type: 'user', id: user.id, label: 'olga' },
      ALL_USERS);
    await admin.goto(`${server.issuer}/admin/users/${user.id}/edit`);
    await admin.getByLabel('Public name', { exact: true }).fill('Olga');
    await admin.getByRole('button', { name: 'Save changes' }).click();
    await admin.getByText('Your changes were saved.').waitFor();
    expect(await stored('olga')).toMatchObject({ nickname: 'Olga', photos: 1 });
    await profileImage(admin).waitFor();
  });
});
