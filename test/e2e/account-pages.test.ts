// The user's own account pages in Chromium, with a real app (openid-client) watching what it
// may see: privacy levels, revoking the app, data download, deletion with a grace period.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ALL_USERS } from '../../src/platform/access.js';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { launchBrowser, submitLogin } from '../support/browser.js';
import { authorizationRequest, discover, finishAtCallback, oidc, startCallbackServer,
  type CallbackServer } from '../support/relying-party.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'looking glass 7';
let server: TestServer;
let rp: CallbackServer;
let browser: Browser;
let client: oidc.Configuration;
const contexts: BrowserContext[] = [];

const EXPORT_USER_KEYS = ['id', 'email', 'birthdate', 'family_name', 'given_name', 'nickname', 'login', 'phone_number',
  'picture',
  'public_profile_claims_oauth', 'public_profile_claims_gravatar', 'blocked', 'deleted', 'custom_fields',
  'password_updated_at'];

beforeAll(async () => {
  [server, rp, browser] = await Promise.all([startTestServer(), startCallbackServer(), launchBrowser()]);
  const created = await server.foyer.services.applications.create({
    name: 'Tea Party', redirectUris: [`${rp.url}/cb`], postLogoutRedirectUris: [],
    grantTypes: ['authorization_code', 'refresh_token'], isPublic: false,
  }, CLI_ACTOR);
  client = await discover(server.issuer, created.client_id, created.client_secret);
});

afterAll(async () => {
  await browser?.close();
  await rp?.close();
  await server?.close();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ acceptDownloads: true });
  contexts.push(context);
  return context.newPage();
}

async function createUser(login: string, extra: Record<string, unknown> = {}) {
  return server.foyer.services.users.create({
    login, email: `${login}@example.com`, password: PASSWORD, givenName: 'Alice', familyName: 'Liddell',
    nickname: `${login} nick`,
    birthdate: '1990-05-04', emailVerified: true, ...extra,
  }, CLI_ACTOR, ALL_USERS);
}

/** Signs in to the app (consenting to what is asked) in this browser; returns the tokens. */
async function appSignIn(page: Page, login: string, scope = 'openid profile email offline_access') {
  const request = await authorizationRequest(client, `${rp.url}/cb`, scope);
  await page.goto(request.url.href);
  if (await page.getByRole('heading', { name: 'Sign in' }).isVisible().catch(() => false)) {
    await submitLogin(page, login, PASSWORD);
  }
  if (await page.getByRole('button', { name: 'Allow' }).isVisible().catch(() => false)) {
    await page.getByRole('button', { name: 'Allow' }).click();
  }
  return finishAtCallback(page, client, `${rp.url}/cb`, request);
}

async function openAccount(page: Page, login: string) {
  await page.goto(`${server.issuer}/account`);
  if (await page.getByRole('heading', { name: 'Sign in' }).isVisible().catch(() => false)) {
    await submitLogin(page, login, PASSWORD);
  }
  await page.getByRole('heading', { name: 'Your account' }).waitFor();
}

it('a privacy level changed on /account shows in the next userinfo call', async () => {
  const user = await createUser('amy');
  const page = await newPage();
  const tokens = await appSignIn(page, 'amy', 'openid profile');
  const userinfo = () => oidc.fetchUserInfo(client, tokens.access_token, user.id);
  expect(await userinfo()).not.toHaveProperty('birthdate');

  await openAccount(page, 'amy');
  await page.getByLabel('Privacy of Date of birth').selectOption('public');
  await page.locator('tr[data-field="birthdate"] .privacy-saved').getByText('Saved').waitFor();
  expect((await userinfo()).birthdate).toBe('1990-05-04');

  await page.getByLabel('Privacy of Public name').selectOption('private');
  await page.locator('tr[data-field="nickname"] .privacy-saved').getByText('Saved').waitFor();
  expect(await userinfo()).not.toHaveProperty('nickname');
});

it('revoking an app on /account stops its tokens', async () => {
  await createUser('bea');
  const page = await newPage();
  const tokens = await appSignIn(page, 'bea');
  await openAccount(page, 'bea');
  const app = page.locator('#apps tbody tr', { hasText: 'Tea Party' });
  await expect(app.textContent()).resolves.toContain('openid profile email');
  await app.getByRole('button', { name: 'Revoke Tea Party' }).click();
  await page.getByText('The app lost its access').waitFor();
  expect((await oidc.tokenIntrospection(client, tokens.access_token)).active).toBe(false);
  await expect(oidc.refreshTokenGrant(client, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
});

it('downloads the data in the agreed structure, and the admin export matches it key for key', async () => {
  const user = await createUser('cleo', { custom: {} });
  await server.foyer.services.users.setPrivacy(user.id, 'email', 'public', CLI_ACTOR, ALL_USERS);
  const page = await newPage();
  await openAccount(page, 'cleo');
  const [download] = await Promise.all([page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download my data' }).click()]);
  const mine = JSON.parse(await (await download.createReadStream()).toArray()
    .then((c) => Buffer.concat(c).toString('utf8')));
  expect(Object.keys(mine).slice(0, 2)).toEqual(['user', 'role']);
  expect(Object.keys(mine.user)).toEqual(EXPORT_USER_KEYS);
  expect(mine.user).toMatchObject({
    id: Number(user.id), email: 'cleo@example.com', birthdate: '1990-05-04T00:00:00.000Z', login: 'cleo',
    blocked: false, deleted: null,
    public_profile_claims_oauth: 'id nickname picture email', public_profile_claims_gravatar: 'nickname picture email',
    password_updated_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/), custom_fields: {},
  });
  expect(mine.role).toBe('MEMBER');
  expect(JSON.stringify(mine)).not.toMatch(/\$2[aby]\$|password_hash|passwordHash/);

  await server.foyer.services.users.create({ login: 'root', password: 'console password 1', role: 'ADMIN' }, CLI_ACTOR,
    ALL_USERS);
  const admin = await newPage();
  await admin.goto(`${server.issuer}/admin/users/${user.id}`);
  await submitLogin(admin, 'root', 'console password 1');
  const [adminDownload] = await Promise.all([admin.waitForEvent('download'),
    admin.getByRole('link', { name: 'Download data' }).click()]);
  const theirs = JSON.parse(await (await adminDownload.createReadStream()).toArray()
    .then((c) => Buffer.concat(c).toString('utf8')));
  expect(Object.keys(theirs.user)).toEqual(EXPORT_USER_KEYS);
  expect(theirs.user).toEqual(mine.user);
  expect(theirs.role).toBe(mine.role);
});

it('deleting the account: apps are refused, signing in offers to restore, restoring works', async () => {
  const user = await createUser('dana');
  const page = await newPage();
  const tokens = await appSignIn(page, 'dana');
  await openAccount(page, 'dana');
  await page.getByRole('link', { name: 'Delete my account…' }).click();
  await page.getByLabel('Your password, to confirm').fill('not my password');
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await expect(page.locator('#password-error').textContent()).resolves.toBe('This is not your password');
  await page.getByLabel('Your password, to confirm').fill(PASSWORD);
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await page.getByRole('heading', { name: 'Your account is scheduled for deletion' }).waitFor();

  expect((await oidc.tokenIntrospection(client, tokens.access_token)).active).toBe(false);
  await expect(oidc.refreshTokenGrant(client, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  expect((await server.foyer.services.users.findById(user.id))!.deletionScheduledAt!.getTime())
    .toBeGreaterThan(Date.now() + 13 * 86_400_000);

  const request = await authorizationRequest(client, `${rp.url}/cb`, 'openid');
  await page.goto(request.url.href);
  await submitLogin(page, 'dana', PASSWORD);
  await page.getByRole('heading', { name: 'Your account is scheduled for deletion' }).waitFor();
  await page.getByRole('button', { name: 'Restore my account and continue' }).click();
  await finishAtCallback(page, client, `${rp.url}/cb`, request);
  expect((await server.foyer.services.users.findById(user.id))!.deletionScheduledAt).toBeNull();
});

it('a scheduled deletion past its date is purged by the job', async () => {
  const user = await createUser('ezra');
  await server.foyer.services.lifecycle.scheduleDeletion(user.id, 14, CLI_ACTOR);
  await expect(server.foyer.deletionPurge.run()).resolves.toBe(0);
  await server.db.dataSource.query("UPDATE users SET deletion_scheduled_at = now() - interval '1 minute' WHERE id = $1",
    [user.id]);
  await expect(server.foyer.deletionPurge.run()).resolves.toBe(1);
  expect(await server.foyer.services.users.findById(user.id)).toBeNull();
  const [event] = await server.db.dataSource.query('SELECT actor_type, target_label FROM audit_events WHERE action = '
    + "'user.deleted' AND target_user_id = $1", [user.id]);
  expect(event).toEqual({ actor_type: 'system', target_label: 'ezra' });
});

it('removes a sign-in method but never the last one', async () => {
  await server.foyer.services.users.create({ login: 'finn', email: 'finn@example.com', password: PASSWORD }, CLI_ACTOR,
    ALL_USERS);
  const page = await newPage();
  await openAccount(page, 'finn');
  await page.getByRole('button', { name: 'Remove Login' }).click();
  await page.getByText('The sign-in method was removed.').waitFor();
  await expect(page.locator('tr[data-identifier="email"]').textContent())
    .resolves.toContain('Your only way to sign in');
  expect((await server.foyer.services.users.findBySignInIdentifier('finn@example.com'))!.login).toBeNull();
});

it('shows a public profile, once turned on, with only public fields, and 404 for a blocked account', async () => {
  const user = await createUser('gwen');
  // Off by default: the same 404 as an unknown login.
  expect((await fetch(`${server.issuer}/u/gwen`)).status).toBe(404);
  await server.foyer.services.users.setPublicProfile(user.id, true, CLI_ACTOR, ALL_USERS);
  const json = await fetch(`${server.issuer}/u/gwen`, { headers: { accept: 'application/json' } });
  expect(json.status).toBe(200);
  expect(await json.json()).toEqual({ login: 'gwen', nickname: 'gwen nick' });
  const html = await (await fetch(`${server.issuer}/u/gwen`)).text();
  expect(html).toContain('gwen nick');
  expect(html).not.toContain('Liddell');

  // Turned on with nothing public, the profile shows the login alone.
  await server.foyer.services.users.setPrivacy(user.id, 'nickname', 'private', CLI_ACTOR, ALL_USERS);
  const bare = await fetch(`${server.issuer}/u/gwen`, { headers: { accept: 'application/json' } });
  expect(await bare.json()).toEqual({ login: 'gwen' });
  await server.foyer.services.users.setPrivacy(user.id, 'nickname', 'public', CLI_ACTOR, ALL_USERS);
  await server.foyer.services.lifecycle.block(user.id, CLI_ACTOR, ALL_USERS);
  expect((await fetch(`${server.issuer}/u/gwen`)).status).toBe(404);
  expect((await fetch(`${server.issuer}/u/nobody-at-all`)).status).toBe(404);
});

it('turns the public profile on in Privacy and shows it; off again, its address is not found', async () => {
  const user = await createUser('iris');
  const page = await newPage();
  await openAccount(page, 'iris');
  await page.getByText('Your public profile is off').waitFor();
  await page.goto(`${server.issuer}/u/iris`);
  await page.getByRole('heading', { name: 'Not found' }).waitFor();

  await openAccount(page, 'iris');
  await page.getByRole('button', { name: 'Turn on public profile' }).click();
  await page.getByText('Your public profile is on: anyone with its address').waitFor();
  await page.getByRole('link', { name: '/u/iris' }).click();
  await page.getByRole('heading', { name: 'iris' }).waitFor();
  await expect(page.locator('main').textContent()).resolves.toContain('iris nick');
  await expect(page.locator('main').textContent()).resolves.not.toContain('Liddell');
  expect((await server.foyer.services.users.findById(user.id))!.claimPrivacy).toMatchObject({ public_profile: 'on' });

  await openAccount(page, 'iris');
  await page.getByRole('button', { name: 'Turn off public profile' }).click();
  await page.getByText('Your public profile is off: its address now answers').waitFor();
  await page.goto(`${server.issuer}/u/iris`);
  await page.getByRole('heading', { name: 'Not found' }).waitFor();
});

it('changing the password ends the other sessions but keeps this one', async () => {
  const user = await createUser('hana');
  const other = await newPage();
  const otherTokens = await appSignIn(other, 'hana');
  const page = await newPage();
  await openAccount(page, 'hana');
  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByLabel('New password', { exact: true }).fill('brand new secret 8');
  await page.getByLabel('Repeat the new password').fill('brand new secret 8');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('Your password was changed').waitFor();
  expect((await oidc.tokenIntrospection(client, otherTokens.access_token)).active).toBe(false);
  await page.goto(`${server.issuer}/account`);
  await page.getByRole('heading', { name: 'Your account' }).waitFor();
  await expect(server.foyer.services.users.signIn('hana', 'brand new secret 8')).resolves.toMatchObject({ outcome: 'ok',
    user: { id: user.id } });
});

// A 1×1 PNG, made here byte by byte so the test needs no fixture file.
function tinyPng(): Buffer {
  return Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d4944415478da63f8cfc0f01f0005000201cbb2c0e70000000049454e44ae426082', 'hex');
}

it('uploads a photo by content type; the picture claim serves it; non-images and big files are refused', async () => {
  const user = await createUser('ines');
  await server.foyer.services.users.setPrivacy(user.id, 'picture', 'public', CLI_ACTOR, ALL_USERS);
  const page = await newPage();
  const tokens = await appSignIn(page, 'ines', 'openid profile');
  await openAccount(page, 'ines');

  await page.getByLabel(/Upload a photo/).setInputFiles({ name: 'holiday.png', mimeType: 'image/png',
    buffer: Buffer.from('not really a picture at all') });
  await page.getByRole('button', { name: 'Upload photo' }).click();
  await expect(page.locator('#photo-error').textContent()).resolves.toBe('Choose a PNG, JPEG or WebP image');

  await page.getByLabel(/Upload a photo/).setInputFiles({ name: 'huge.jpg', mimeType: 'image/jpeg',
    buffer: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2 * 1024 * 1024)]) });
  await page.getByRole('button', { name: 'Upload photo' }).click();
  await expect(page.locator('#photo-error').textContent()).resolves.toBe('Choose an image of at most 2 MB');

  // The name says text; the content says PNG: content wins.
  await page.getByLabel(/Upload a photo/).setInputFiles({ name: 'avatar.txt', mimeType: 'text/plain',
    buffer: tinyPng() });
  await page.getByRole('button', { name: 'Upload photo' }).click();
  await page.getByText('Your photo was updated.').waitFor();

  const picture = (await oidc.fetchUserInfo(client, tokens.access_token, user.id)).picture as string;
  expect(picture).toMatch(new RegExp(`^${server.issuer}/public/images/profile/[A-Za-z0-9_-]{22}\\.png$`));
  const served = await fetch(picture);
  expect(served.status).toBe(200);
  expect(served.headers.get('content-type')).toBe('image/png');
  expect(Buffer.from(await served.arrayBuffer())).toEqual(tinyPng());
  expect((await server.foyer.services.users.findById(user.id))!.picture).toMatch(/^public\/images\/profile\//);

  await page.getByRole('button', { name: 'Remove photo' }).click();
  await page.getByText('Your photo was removed.').waitFor();
  expect((await fetch(picture)).status).toBe(404);
  expect(await oidc.fetchUserInfo(client, tokens.access_token, user.id)).not.toHaveProperty('picture');
});
