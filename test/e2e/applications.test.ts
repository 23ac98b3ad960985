// Applications from the console to the relying party: an Administrator creates one in the
// browser, openid-client uses its credentials for a real sign-in and for client credentials,
// and every console action (new secret, deactivate, delete with its sole owner, application
// administrators) is checked where it matters: at the provider's endpoints.
import type { Browser, Page } from 'playwright-core';
import { ALL_USERS } from '../../src/platform/access.js';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { consolePage, launchBrowser, submitLogin } from '../support/browser.js';
import { eventually } from '../support/eventually.js';
import { authorizationRequest, discover, finishAtCallback, oidc, startCallbackServer,
  type CallbackServer } from '../support/relying-party.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'console password 1';
const APP = 'Lighthouse';

let server: TestServer;
let rp: CallbackServer;
let browser: Browser;
/** The Administrator's console, signed in once for the whole file. */
let admin: Page;
/** A confidential client of a resource server, to introspect the app's tokens. */
let introspector: oidc.Configuration;
let introspectorId: string;
let miaId: string;

// What the tests learn as they go, in order.
let clientId: string;
let firstSecret: string;
let currentSecret: string;
let userTokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;

beforeAll(async () => {
  [server, rp, browser] = await Promise.all([startTestServer(), startCallbackServer(), launchBrowser()]);
  const { users, applications } = server.foyer.services;
  await users.create({ login: 'root', email: 'root@example.com', password: PASSWORD, role: 'ADMIN' }, CLI_ACTOR,
    ALL_USERS);
  miaId = (await users.create({ login: 'mia', email: 'mia@example.com', password: PASSWORD, nickname: 'Mia' },
    CLI_ACTOR, ALL_USERS)).id;
  await users.create({ login: 'helper', email: 'helper@example.com', password: PASSWORD }, CLI_ACTOR, ALL_USERS);
  const resourceServer = await applications.create({
    name: 'Resource Server', redirectUris: [], postLogoutRedirectUris: [], grantTypes: ['client_credentials'],
    isPublic: false,
  }, CLI_ACTOR);
  introspectorId = resourceServer.client_id;
  introspector = await discover(server.issuer, resourceServer.client_id, resourceServer.client_secret);
  admin = await consolePage(browser, server.issuer, 'root', PASSWORD);
});

afterAll(async () => {
  await browser?.close();
  await rp?.close();
  await server?.close();
});

const appUrl = () => `${server.issuer}/admin/apps/${clientId}`;
const accepts = (secret: string) => discover(server.issuer, clientId, secret).then((c) => oidc.clientCredentialsGrant(c,
  {})).then(() => true, () => false);
const refusedWith = (promise: Promise<unknown>) => promise.then(() => 'accepted',
  (err: { error?: string }) => err.error ?? String(err));

describe('applications in the console, used by a real relying party', () => {
  it('creates a confidential app whose credentials sign a user in and get client-credentials tokens', async () => {
    await admin.goto(`${server.issuer}/admin/apps`);
    await admin.getByRole('link', { name: 'New application' }).click();
    await admin.getByRole('heading', { name: 'New application' }).waitFor();
    await admin.getByLabel('Name', { exact: true }).fill(APP);
    await admin.getByRole('radio', { name: /^Confidential/ }).check();
    await admin.getByLabel('Token endpoint authentication').selectOption('client_secret_basic');
    for (const label of ['Authorization code (users sign in)', 'Refresh token',
      'Client credentials (machine access)']) {
      await admin.getByLabel(label).check();
    }
    await admin.getByLabel('Redirect URIs (one per line)').fill(`${rp.url}/cb`);
    await admin.getByRole('button', { name: 'Create application' }).click();

    await admin.getByText('Copy the secret now: it is shown only once').waitFor();
    clientId = (await admin.locator('#client-id').textContent())!.trim();
    firstSecret = await admin.locator('#client-secret').inputValue();
    currentSecret = firstSecret;
    expect(clientId).toMatch(/^[\w-]{10,}$/);
    expect(firstSecret.length).toBeGreaterThanOrEqual(32);
    await expect(admin.locator('#client-secret').getAttribute('readonly')).resolves.not.toBeNull();
    await expect(admin.getByRole('button', { name: 'Copy secret' }).isVisible()).resolves.toBe(true);

    // A full sign-in as a Member, in a browser of their own, through the real sign-in and consent pages.
    const rpConfig = await discover(server.issuer, clientId, firstSecret);
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const request = await authorizationRequest(rpConfig, `${rp.url}/cb`, 'openid email offline_access');
      await page.goto(request.url.href);
      await expect(page.getByText(APP).first().isVisible()).resolves.toBe(true);
      await submitLogin(page, 'mia', PASSWORD);
      await page.getByRole('heading', { name: `Share with ${APP}?` }).waitFor();
      await expect(page.getByLabel(/email/i).first().isChecked()).resolves.toBe(true);
      await page.getByRole('button', { name: 'Allow' }).click();
      userTokens = await finishAtCallback(page, rpConfig, `${rp.url}/cb`, request);
    } finally {
      await context.close();
    }
    expect(userTokens.claims()).toMatchObject({ sub: miaId, email: 'mia@example.com', aud: clientId });
    expect(userTokens.refresh_token).toBeTruthy();
    await expect(oidc.fetchUserInfo(rpConfig, userTokens.access_token, miaId)).resolves.toMatchObject({ sub: miaId,
      email: 'mia@example.com' });

    const machine = await oidc.clientCredentialsGrant(rpConfig, {});
    expect(machine.token_type.toLowerCase()).toBe('bearer');
    await expect(oidc.tokenIntrospection(introspector, machine.access_token)).resolves.toMatchObject({ active: true,
      client_id: clientId });

    // The app's page lists the person who granted it.
    await admin.getByRole('link', { name: 'I have saved it: open the application' }).click();
    await admin.getByRole('heading', { name: APP }).waitFor();
    expect(new URL(admin.url()).pathname).toBe(`/admin/apps/${clientId}`);
    const row = admin.locator('table.app-users tbody tr', { hasText: 'mia' });
    await expect(row.count()).resolves.toBe(1);
    await expect(row.getAttribute('data-user-id')).resolves.toBe(miaId);
    await expect(row.textContent()).resolves.toContain('mia@example.com');
    await row.getByLabel(/^Actions for/).click();
    await expect(row.getByRole('link', { name: 'Open profile' }).isVisible()).resolves.toBe(true);
    await expect(row.locator(`a[href^="/admin/users/${miaId}/actions/block"]`).count()).resolves.toBe(1);
    await expect(row.locator(`a[href^="/admin/users/${miaId}/actions/end-sessions"]`).count()).resolves.toBe(1);
  });

  it('regenerates the secret: the old one is refused and the new one works', async () => {
    await admin.goto(appUrl());
    await admin.getByRole('link', { name: 'Regenerate secret' }).click();
    await admin.getByRole('heading', { name: `Regenerate the secret of ${APP}?` }).waitFor();
    await admin.getByRole('button', { name: 'Regenerate secret' }).click();
    await admin.getByText('Copy the secret now: it is shown only once').waitFor();
    await expect(admin.getByText('The previous secret no longer works.').isVisible()).resolves.toBe(true);
    await expect(admin.locator('#client-id').textContent()).resolves.toBe(clientId);
    const secret = await admin.locator('#client-secret').inputValue();
    expect(secret).not.toBe(firstSecret);
    currentSecret = secret;

    await eventually(async () => !(await accepts(firstSecret)));
    const old = await discover(server.issuer, clientId, firstSecret);
    await expect(refusedWith(oidc.clientCredentialsGrant(old, {}))).resolves.toBe('invalid_client');
    await expect(accepts(secret)).resolves.toBe(true);
    // A new secret is about authenticating the app; the tokens it already holds keep working.
    const config = await discover(server.issuer, clientId, secret);
    await expect(oidc.fetchUserInfo(config, userTokens.access_token, miaId)).resolves.toMatchObject({ sub: miaId });
  });

  it('deactivates the app: its tokens stop working and it gets no new ones; activating brings it back', async () => {
    const config = await discover(server.issuer, clientId, currentSecret);
    expect((await oidc.tokenIntrospection(introspector, userTokens.access_token)).active).toBe(true);

    await admin.goto(appUrl());
    await admin.getByRole('link', { name: 'Deactivate' }).click();
    await admin.getByRole('heading', { name: `Deactivate ${APP}?` }).waitFor();
    await admin.getByRole('button', { name: 'Deactivate' }).click();
    await admin.getByText('The application is deactivated').waitFor();
    await expect(admin.locator('h1 .badge').first().textContent()).resolves.toBe('Inactive');

    await eventually(async () => !(await oidc.tokenIntrospection(introspector, userTokens.access_token)).active);
    await expect(oidc.fetchUserInfo(config, userTokens.access_token, miaId)).rejects.toMatchObject({ status: 401 });
    await expect(refusedWith(oidc.refreshTokenGrant(config, userTokens.refresh_token!))).resolves.toMatch(/^invalid_(client|grant)$/);
    await expect(refusedWith(oidc.clientCredentialsGrant(config, {}))).resolves.toBe('invalid_client');
    // It is not on offer to users either.
    const authorize = await authorizationRequest(config, `${rp.url}/cb`, 'openid');
    const response = await fetch(authorize.url, { redirect: 'manual' });
    expect(response.status).toBe(400);

    await admin.getByRole('link', { name: 'Activate' }).click();
    await admin.getByRole('button', { name: 'Activate' }).click();
    await admin.getByText('The application is active again.').waitFor();
    await eventually(() => accepts(currentSecret));
    // Deactivating ended the tokens for good: activating again revives none of them.
    expect((await oidc.tokenIntrospection(introspector, userTokens.access_token)).active).toBe(false);
    await expect(oidc.fetchUserInfo(config, userTokens.access_token, miaId)).rejects.toMatchObject({ status: 401 });
    await expect(refusedWith(oidc.refreshTokenGrant(config, userTokens.refresh_token!))).resolves.toBe('invalid_grant');
  });

  it('deletes an app with its sole owner, and its credentials stop working', async () => {
    const { users, applications } = server.foyer.services;
    const solo = await users.create({ login: 'solo', email: 'solo@example.com', password: PASSWORD }, CLI_ACTOR,
      ALL_USERS);
    const owned = await applications.create({
      name: 'Solo Batch', redirectUris: [], postLogoutRedirectUris: [], grantTypes: ['client_credentials'],
      isPublic: false,
    }, CLI_ACTOR, solo.id);
    const soloConfig = await discover(server.issuer, owned.client_id, owned.client_secret);
    const soloToken = (await oidc.clientCredentialsGrant(soloConfig, {})).access_token;
    expect((await oidc.tokenIntrospection(introspector, soloToken)).active).toBe(true);

    await admin.goto(`${server.issuer}/admin/users/${solo.id}/actions/delete`);
    await admin.getByRole('heading', { name: /^Delete .*\?$/ }).waitFor();
    await expect(admin.locator('#applications-deleted').textContent()).resolves.toMatch(/^These applications have no other owner and are deleted with /);
    const listed = admin.getByRole('list', { name: /These applications have no other owner/ });
    await expect(listed.getByRole('listitem').allTextContents()).resolves.toEqual(['Solo Batch']);
    await expect(listed.getByRole('link',
      { name: 'Solo Batch' }).getAttribute('href')).resolves.toBe(`/admin/apps/${owned.client_id}`);
    // An app with another owner is not listed (the Administrator owns Lighthouse).
    await expect(admin.getByText(APP).count()).resolves.toBe(0);
    await admin.getByRole('button', { name: 'Delete for good' }).click();
    await admin.waitForURL((u) => u.pathname === '/admin/users');

    await admin.goto(`${server.issuer}/admin/apps`);
    await admin.locator(`tr[data-app-id="${clientId}"]`).waitFor();
    await expect(admin.locator(`tr[data-app-id="${owned.client_id}"]`).count()).resolves.toBe(0);
    await expect(admin.getByText('Solo Batch').count()).resolves.toBe(0);
    expect(await server.db.dataSource.query('SELECT 1 FROM clients WHERE client_id = $1',
      [owned.client_id])).toEqual([]);
    expect((await admin.goto(`${server.issuer}/admin/apps/${owned.client_id}`))?.status()).toBe(404);

    await eventually(async () => (await refusedWith(oidc.clientCredentialsGrant(soloConfig, {}))) === 'invalid_client');
    expect((await oidc.tokenIntrospection(introspector, soloToken)).active).toBe(false);
  });

  it('lets an application administrator edit their app, and nothing else', async () => {
    await admin.goto(appUrl());
    await admin.getByLabel('Login, email or phone').fill('helper');
    await admin.getByLabel('Role').selectOption({ label: 'Application administrator' });
    await admin.getByRole('button', { name: 'Add' }).click();
    await admin.getByText('The person was added to the application.').waitFor();
    const memberRow = admin.locator('table.members tbody tr', { hasText: 'helper' });
    await expect(memberRow.textContent()).resolves.toContain('Application administrator');

    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${server.issuer}/admin`);
      await submitLogin(page, 'helper', PASSWORD);
      await page.getByRole('heading', { name: 'Applications' }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/admin/apps');
      const nav = page.getByRole('navigation', { name: 'Console' });
      await expect(nav.getByRole('link').allTextContents()).resolves.toEqual(['Applications', 'Sign out']);
      await expect(page.getByRole('link', { name: 'New application' }).count()).resolves.toBe(0);
      await expect(page.locator('table.apps tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-app-id')))).resolves.toEqual([clientId]);

      // The app's page: Edit and the secret, no Deactivate, Delete or people controls.
      await page.getByRole('link', { name: APP }).click();
      await page.getByText('You look after this application as an application administrator.').waitFor();
      for (const gone of ['Deactivate', 'Delete']) {
        await expect(page.getByRole('link', { name: gone, exact: true }).count()).resolves.toBe(0);
      }
      await expect(page.getByRole('button', { name: 'Add' }).count()).resolves.toBe(0);
      await expect(page.getByRole('button', { name: /^Remove / }).count()).resolves.toBe(0);
      await expect(page.getByRole('link', { name: 'Regenerate secret' }).count()).resolves.toBe(1);

      await page.getByRole('link', { name: 'Edit' }).click();
      await page.getByRole('heading', { name: `Edit ${APP}` }).waitFor();
      await expect(page.getByText(/First-party/).count()).resolves.toBe(0);
      const csrf = await page.locator('input[name=_csrf]').first().inputValue();
      expect(csrf).toBeTruthy();
      await page.getByLabel('Name', { exact: true }).fill('Lighthouse Two');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Your changes were saved.').waitFor();
      await expect(page.getByRole('heading', { name: 'Lighthouse Two' }).isVisible()).resolves.toBe(true);
      expect(await server.db.dataSource.query('SELECT name FROM clients WHERE client_id = $1',
        [clientId])).toEqual([{ name: 'Lighthouse Two' }]);
      // Saving the form kept every other setting: the app still works with its secret and redirect URI.
      await eventually(() => accepts(currentSecret));

      // Nothing else: other console sections, other apps, the owners' actions.
      expect((await page.goto(`${server.issuer}/admin/users`))?.status()).toBe(403);
      expect((await page.goto(`${server.issuer}/admin/events`))?.status()).toBe(403);
      expect((await page.goto(`${server.issuer}/admin/apps/${introspectorId}`))?.status()).toBe(404);
      expect((await page.goto(`${appUrl()}/delete`))?.status()).toBe(403);
      for (const action of ['delete', 'deactivate']) {
        const answer = await page.request.post(`${appUrl()}/${action}`, { form: { _csrf: csrf }, maxRedirects: 0 });
        expect(answer.status()).toBe(403);
      }
      const addOwner = await page.request.post(`${appUrl()}/members`,
        { form: { _csrf: csrf, user: 'helper', role: 'owner' }, maxRedirects: 0 });
      expect(addOwner.status()).toBe(403);
      // The CSRF token was a good one: the same request to what they may do is accepted.
      const save = await page.request.post(appUrl(), {
        form: { _csrf: csrf, name: 'Lighthouse', client_type: 'confidential', auth_method: 'client_secret_basic',
          redirect_uri: `${rp.url}/cb`,
          grant_type: 'authorization_code' }, maxRedirects: 0 });
      expect(save.status()).toBe(303);
    } finally {
      await context.close();
    }
    const stored = await server.db.dataSource.query('SELECT name, active FROM clients WHERE client_id = $1',
      [clientId]);
    expect(stored).toEqual([{ name: 'Lighthouse', active: true }]);
    expect((await server.foyer.services.applications.members(clientId)).find((m) => m.label === 'helper')?.role)
      .toBe('admin');
  });

  it('names an application administrator as such in the console header', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${server.issuer}/admin`);
      await submitLogin(page, 'helper', PASSWORD);
      const who = page.locator('header.console .who');
      await expect(who.textContent()).resolves.toContain('Signed in as helper');
      // helper owns no application: calling them an owner tells them they may do what they may not.
      await expect(who.textContent()).resolves.not.toContain('Application owner');
    } finally {
      await context.close();
    }
  });

  it("lays out the application page's cards without text running into the next card", async () => {
    for (const width of [1024, 1280, 1600]) {
      await admin.setViewportSize({ width, height: 900 });
      await admin.goto(appUrl());
      const overflowing = await admin.locator('.grid > .card').evaluateAll((cards) => cards
        .filter((card) => card.scrollWidth > card.clientWidth + 1)
        .map((card) => `${card.querySelector('h2')?.textContent}: ${card.scrollWidth}px of content in `
          + `${card.clientWidth}px`));
      expect({ width, overflowing }).toEqual({ width, overflowing: [] });
    }
  });
});
