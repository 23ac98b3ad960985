// The emailed flows end to end: a real SMTP server receives what Foyer sends, the links are
// read out of the messages and followed in Chromium, and sign-in is proven with openid-client.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ALL_USERS } from '../../src/platform/access.js';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { launchBrowser, submitLogin } from '../support/browser.js';
import { authorizationRequest, discover, finishAtCallback, oidc, startCallbackServer,
  type CallbackServer } from '../support/relying-party.js';
import { eventually } from '../support/eventually.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { linksIn, startSmtpServer, type TestSmtp } from '../support/smtp.js';

const ADMIN_PASSWORD = 'console password 1';
let server: TestServer;
let smtp: TestSmtp;
let rp: CallbackServer;
let browser: Browser;
let admin: Page;
let client: oidc.Configuration;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [smtp, rp, browser] = await Promise.all([startSmtpServer(), startCallbackServer(), launchBrowser()]);
  server = await startTestServer({ SMTP_URL: smtp.url, MAIL_FROM: 'Foyer <foyer@example.test>',
    FOYER_MAIL_POLL_SECONDS: '1', FOYER_MAIL_MAX_ATTEMPTS: '50' });
  const { users, applications } = server.foyer.services;
  await users.create({ login: 'root', password: ADMIN_PASSWORD, role: 'ADMIN' }, CLI_ACTOR, ALL_USERS);
  const created = await applications.create({
    name: 'Tea Party', redirectUris: [`${rp.url}/cb`], postLogoutRedirectUris: [],
    grantTypes: ['authorization_code', 'refresh_token'], isPublic: false,
  }, CLI_ACTOR);
  client = await discover(server.issuer, created.client_id, created.client_secret);
  admin = await newPage();
  await admin.goto(`${server.issuer}/admin`);
  await submitLogin(admin, 'root', ADMIN_PASSWORD);
  await admin.getByRole('heading', { name: 'Foyer console' }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  await rp?.close();
  await server?.close();
  await smtp?.stop().catch(() => undefined);
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  return context.newPage();
}

/** Signs in to the app in a fresh browser; returns the tokens. */
async function signInToApp(login: string, password: string, page?: Page) {
  const user = page ?? await newPage();
  const request = await authorizationRequest(client, `${rp.url}/cb`, 'openid offline_access');
  await user.goto(request.url.href);
  await submitLogin(user, login, password);
  return { page: user, request };
}

async function finishSignIn(page: Page, request: Awaited<ReturnType<typeof authorizationRequest>>) {
  return finishAtCallback(page, client, `${rp.url}/cb`, request);
}

async function runAction(userId: string, link: string, button: string) {
  await admin.goto(`${server.issuer}/admin/users/${userId}`);
  await admin.locator('#other-actions').locator('..').getByRole('link', { name: link, exact: true }).click();
  await admin.getByRole('button', { name: button }).click();
}

it('invitation → choose a password → the address is confirmed, no second email → sign in to an app', async () => {
  await admin.goto(`${server.issuer}/admin/users`);
  await admin.getByRole('link', { name: 'Invite user' }).click();
  await admin.getByLabel('Email').fill('ivy@example.com');
  await admin.getByRole('button', { name: 'Send invitation' }).click();
  await admin.getByText('The invitation is on its way.').waitFor();
  await expect(admin.locator('h1 .badge', { hasText: 'Invited' }).count()).resolves.toBe(1);

  const mail = await smtp.waitFor('ivy@example.com', /invited to Foyer/);
  const [link] = linksIn(mail.text).filter((l) => l.includes('/invitation/'));
  expect(link.startsWith(`${server.issuer}/invitation/`)).toBe(true);
  const ivy = await newPage();
  await ivy.goto(link);
  await ivy.getByLabel('New password').fill('short');
  await ivy.getByLabel('Repeat the password').fill('short');
  await ivy.getByRole('button', { name: 'Set my password' }).click();
  await expect(ivy.locator('#password-error').textContent()).resolves.toMatch(/at least 8/);
  await ivy.getByLabel('New password').fill('garden party 2024');
  await ivy.getByLabel('Repeat the password').fill('garden party 2024');
  await ivy.getByRole('button', { name: 'Set my password' }).click();
  await ivy.getByText('Your password is set').waitFor();

  const { page, request } = await signInToApp('ivy@example.com', 'garden party 2024', ivy);
  const tokens = await finishSignIn(page, request);
  expect(tokens.claims()?.sub).toBeTruthy();

  // Opening the invitation proved the inbox: the address is confirmed, and no confirmation email follows.
  const user = (await server.foyer.services.users.findBySignInIdentifier('ivy@example.com'))!;
  expect(user).toMatchObject({ invitedAt: null, emailVerified: true });
  const queued: { n: number }[] = await server.db.dataSource.query(
    "SELECT count(*)::int AS n FROM mail_outbox WHERE user_id = $1 AND template = 'email-verification'", [user.id]);
  expect(queued[0].n).toBe(0);
  await ivy.goto(`${server.issuer}/account`);
  await expect(ivy.locator('tr[data-identifier="email"]').textContent()).resolves.not.toContain('unconfirmed');
  // The invitation link was single-use.
  await ivy.goto(link);
  await ivy.getByText('This link has already been used').waitFor();
});

/** Invites `email` from the console and returns the link of the invitation email that arrives. */
async function inviteFromConsole(email: string): Promise<{ link: string; userId: string }> {
  const before = smtp.messages.length;
  await admin.goto(`${server.issuer}/admin/users`);
  await admin.getByRole('link', { name: 'Invite user' }).click();
  await admin.getByLabel('Email').fill(email);
  await admin.getByRole('button', { name: 'Send invitation' }).click();
  await admin.getByText('The invitation is on its way.').waitFor();
  const mail = await smtp.waitFor(email, /invited to Foyer/, { after: before });
  const user = (await server.foyer.services.users.findBySignInIdentifier(email))!;
  return { link: linksIn(mail.text).find((l) => l.includes('/invitation/'))!, userId: user.id };
}

it('a link replaced by a resent invitation says a newer link was sent; the newer one works', async () => {
  const { link: first, userId } = await inviteFromConsole('iris@example.com');
  const before = smtp.messages.length;
  await runAction(userId, 'Resend invitation', 'Resend invitation');
  const resent = await smtp.waitFor('iris@example.com', /invited to Foyer/, { after: before });
  const second = linksIn(resent.text).find((l) => l.includes('/invitation/'))!;
  expect(second).not.toBe(first);

  const iris = await newPage();
  const old = await iris.goto(first);
  expect(old?.status()).toBe(410);
  await iris.getByText('A newer link was sent').waitFor();
  await expect(iris.getByText('already been used').count()).resolves.toBe(0);

  await iris.goto(second);
  await iris.getByLabel('New password').fill('rainbow bridge 7');
  await iris.getByLabel('Repeat the password').fill('rainbow bridge 7');
  await iris.getByRole('button', { name: 'Set my password' }).click();
  await iris.getByText('Your password is set').waitFor();
});

it('the link of a cancelled invitation says the invitation was cancelled', async () => {
  const { link, userId } = await inviteFromConsole('cass@example.com');
  await runAction(userId, 'Cancel invitation', 'Cancel invitation');
  await eventually(async () => (await server.foyer.services.users.findById(userId)) === null);

  const cass = await newPage();
  const opened = await cass.goto(link);
  expect(opened?.status()).toBe(410);
  await cass.getByRole('heading', { name: 'This invitation was cancelled' }).waitFor();
  await expect(cass.getByText('already been used').count()).resolves.toBe(0);
  await expect(cass.getByLabel('New password').count()).resolves.toBe(0);
});

it('forced reset → the old refresh token is dead at once → the sign-in page says a link was sent → reset → sign in',
  async () => {
    const { users } = server.foyer.services;
    const rose = await users.create({ login: 'rose', email: 'rose@example.com', password: 'crimson petals 9',
      emailVerified: true }, CLI_ACTOR, ALL_USERS);
    const first = await signInToApp('rose', 'crimson petals 9');
    const oldTokens = await finishSignIn(first.page, first.request);
    const before = smtp.messages.length;

    await runAction(rose.id, 'Force password reset', 'Force password reset');
    await admin.getByText('A password reset is pending').first().waitFor();
    // Forcing the reset ends every token at once (issue 14), not only choosing the new password.
    await expect(oidc.refreshTokenGrant(client,
      oldTokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });

    const blocked = await signInToApp('rose', 'crimson petals 9');
    await blocked.page.getByRole('heading', { name: 'Choose a new password first' }).waitFor();

    const mail = await smtp.waitFor('rose@example.com', /Choose a new Foyer password/, { after: before });
    await blocked.page.goto(linksIn(mail.text).find((l) => l.includes('/reset-password/'))!);
    await blocked.page.getByLabel('New password').fill('white petals 9');
    await blocked.page.getByLabel('Repeat the password').fill('white petals 9');
    await blocked.page.getByRole('button', { name: 'Set new password' }).click();
    await blocked.page.getByText('Your new password is set').waitFor();

    await expect(oidc.refreshTokenGrant(client,
      oldTokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const again = await signInToApp('rose', 'white petals 9');
    await finishSignIn(again.page, again.request);
    expect((await users.findById(rose.id))!.passwordResetRequired).toBe(false);
  });

it('a recovery link works once; an expired link gets a clear page', async () => {
  const sam = await server.foyer.services.users.create({ login: 'sam', password: 'hobbit hole 11' }, CLI_ACTOR,
    ALL_USERS);
  await admin.goto(`${server.issuer}/admin/users/${sam.id}`);
  await admin.getByRole('link', { name: 'View recovery link' }).click();
  await admin.getByRole('button', { name: 'Make recovery link' }).click();
  const url = await admin.getByLabel('Recovery link').inputValue();
  expect(url.startsWith(`${server.issuer}/reset-password/`)).toBe(true);

  const page = await newPage();
  await page.goto(url);
  await page.getByLabel('New password').fill('second breakfast');
  await page.getByLabel('Repeat the password').fill('second breakfast');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await page.getByText('Your new password is set').waitFor();
  const reused = await page.goto(url);
  expect(reused?.status()).toBe(410);
  await page.getByText('This link has already been used').waitFor();

  await admin.goto(`${server.issuer}/admin/users/${sam.id}/recovery-link`);
  await admin.getByRole('button', { name: 'Make recovery link' }).click();
  const second = await admin.getByLabel('Recovery link').inputValue();
  await server.db.dataSource.query("UPDATE one_time_tokens SET expires_at = now() - interval '1 minute' WHERE "
    + "purpose = 'recovery' AND used_at IS NULL");
  const expired = await page.goto(second);
  expect(expired?.status()).toBe(410);
  await page.getByText('This link has expired').waitFor();
  await page.getByRole('link', { name: 'ask for a new link' }).waitFor();
});

it('a temporary password is changed inside the sign-in, before the app gets a code', async () => {
  await admin.goto(`${server.issuer}/admin/users/new`);
  await admin.getByLabel('Login').fill('tina');
  await admin.getByLabel('Password', { exact: true }).fill('temporary pass 1');
  await admin.getByLabel('Must change password at first sign-in').check();
  await admin.getByRole('button', { name: 'Create user' }).click();
  await admin.getByText('The password is temporary').waitFor();

  const { page, request } = await signInToApp('tina', 'temporary pass 1');
  await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
  await page.getByLabel('New password').fill('temporary pass 1');
  await page.getByLabel('Repeat the password').fill('temporary pass 1');
  await page.getByRole('button', { name: 'Save and continue' }).click();
  await expect(page.locator('#password-error').textContent()).resolves.toMatch(/different from the temporary/);
  await page.getByLabel('New password').fill('permanent pass 2');
  await page.getByLabel('Repeat the password').fill('permanent pass 2');
  await page.getByRole('button', { name: 'Save and continue' }).click();
  await finishSignIn(page, request);
  const next = await signInToApp('tina', 'permanent pass 2');
  await finishSignIn(next.page, next.request);
});

it('forgot password: the same answer for anyone; a link only for a real account; limited per identifier', async () => {
  await server.foyer.services.users.create({ login: 'fiona', email: 'fiona@example.com', password: 'ogre swamp 1' },
    CLI_ACTOR, ALL_USERS);
  const page = await newPage();
  const ask = async (identifier: string) => {
    await page.goto(`${server.issuer}/forgot-password`);
    await page.getByLabel('Login, email or phone number').fill(identifier);
    await page.getByRole('button', { name: 'Send me a link' }).click();
    return page.locator('main').textContent();
  };
  const before = smtp.messages.length;
  const known = await ask('fiona');
  const unknown = await ask('nobody-here@example.com');
  expect(unknown).toBe(known);
  expect(known).toContain('If an account with that login, email or phone number exists');
  const mail = await smtp.waitFor('fiona@example.com', /Choose a new Foyer password/, { after: before });
  expect(linksIn(mail.text).some((l) => l.includes('/reset-password/'))).toBe(true);
  await new Promise((r) => setTimeout(r, 1500));
  expect(smtp.messages.slice(before).filter((m) => m.to.includes('nobody-here@example.com'))).toEqual([]);

  for (let i = 0; i < 4; i += 1) await ask('fiona');
  expect(await ask('fiona')).toContain('too many requests');
});

it('SMTP down for a while: the message waits, survives a restart, and goes out when the server is back', async () => {
  const { users } = server.foyer.services;
  const uma = await users.create({ login: 'uma', email: 'uma@example.com', password: 'umbrella corp 1',
    emailVerified: true }, CLI_ACTOR, ALL_USERS);
  await smtp.stop();
  await server.foyer.services.links.forcePasswordReset(uma.id, CLI_ACTOR, { kind: 'all' });
  // The first attempts fail and are recorded; nothing is lost.
  const row = async () => (await server.db.dataSource.query(
    `SELECT status, attempts, last_error FROM mail_outbox WHERE to_address = 'uma@example.com'
       ORDER BY id DESC LIMIT 1`))[0];
  for (let i = 0; i < 200 && !(await row())?.last_error; i += 1) await new Promise((r) => setTimeout(r, 100));
  expect(await row()).toMatchObject({ status: 'queued', attempts: expect.any(Number), last_error: expect.stringMatching(/ECONNREFUSED|connect/i) });
  await server.restart();
  await smtp.start();
  await server.foyer.mailWorker.wake();
  await server.db.dataSource.query('UPDATE mail_outbox SET next_attempt_at = now() WHERE to_address = '
    + "'uma@example.com' AND status = 'queued'");
  const mail = await smtp.waitFor('uma@example.com', /Choose a new Foyer password/, { timeoutMs: 30_000 });
  expect(linksIn(mail.text).some((l) => l.includes('/reset-password/'))).toBe(true);
  // The SMTP server has the message before the worker hears its 250 and records it.
  await eventually(async () => (await row()).status !== 'sending');
  expect((await row()).status).toBe('sent');
});
