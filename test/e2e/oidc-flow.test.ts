// The whole sign-in path as a relying party and a person see it: openid-client against
// the real server, headless Chromium typing into the real pages.
import type { Browser, Page } from 'playwright-core';
import { ALL_USERS } from '../../src/platform/access.js';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { launchBrowser, submitLogin, freshPageForEachTest } from '../support/browser.js';
import { authorizationRequest, discover, finishAtCallback, oidc, startCallbackServer,
  type CallbackServer } from '../support/relying-party.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'correct horse battery';

let server: TestServer;
let rp: CallbackServer;
let browser: Browser;
let page: Page;
let client: oidc.Configuration;
let aliceId: string;

beforeAll(async () => {
  [server, rp, browser] = await Promise.all([startTestServer({ LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    startCallbackServer(), launchBrowser()]);
  const { users, applications } = server.foyer.services;
  const alice = await users.create({
    login: 'alice', email: 'alice@example.com', password: PASSWORD, phoneNumber: '+14155550123',
    givenName: 'Alice', familyName: 'Liddell', nickname: 'Wonder', birthdate: '1990-05-04', emailVerified: true,
  }, CLI_ACTOR, ALL_USERS);
  aliceId = alice.id;
  const created = await applications.create({
    name: 'Tea Party', redirectUris: [`${rp.url}/cb`], postLogoutRedirectUris: [`${rp.url}/bye`],
    grantTypes: ['authorization_code', 'refresh_token'], isPublic: false,
  }, CLI_ACTOR);
  client = await discover(server.issuer, created.client_id, created.client_secret);
});

freshPageForEachTest(() => browser, (p) => { page = p; });

afterAll(async () => {
  await browser?.close();
  await rp?.close();
  await server?.close();
});

async function signInThroughConsent(scope: string, uncheck: string[] = []) {
  const request = await authorizationRequest(client, `${rp.url}/cb`, scope);
  await page.goto(request.url.href);
  await expect(page.getByRole('heading', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
  await expect(page.getByText('Tea Party').isVisible()).resolves.toBe(true);
  await submitLogin(page, 'alice@example.com', PASSWORD);
  await page.getByRole('heading', { name: 'Share with Tea Party?' }).waitFor();
  const asked = await page.locator('input[name=approve]')
    .evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
  for (const label of uncheck) await page.getByLabel(label).uncheck();
  await page.getByRole('button', { name: 'Allow' }).click();
  const tokens = await finishAtCallback(page, client, `${rp.url}/cb`, request);
  return { tokens, asked };
}

describe('authorization code + PKCE through the real pages', () => {
  it('asks only for on-request claims, releases exactly what privacy levels and consent allow, refreshes, revokes '
    + 'and logs out', async () => {
    // Defaults: nickname and picture public; names and email on request; birthdate and phone private.
    const { tokens, asked } = await signInThroughConsent('openid profile email phone offline_access', ['Last name']);
    expect(asked.sort()).toEqual(['email', 'family_name', 'given_name']);

    const idClaims = tokens.claims()!;
    expect(idClaims.sub).toBe(aliceId);
    expect(idClaims).toMatchObject({ nickname: 'Wonder', given_name: 'Alice', name: 'Alice', email: 'alice@example.com',
      email_verified: true });
    for (const hidden of ['family_name', 'birthdate', 'phone_number', 'phone_number_verified']) {
      expect(idClaims).not.toHaveProperty(hidden);
    }

    const userinfo = await oidc.fetchUserInfo(client, tokens.access_token, aliceId);
    expect(userinfo).toMatchObject({ sub: aliceId, nickname: 'Wonder', given_name: 'Alice',
      email: 'alice@example.com' });
    for (const hidden of ['family_name', 'birthdate', 'phone_number']) expect(userinfo).not.toHaveProperty(hidden);

    // A level change applies at the next call: birthdate made public appears, email made private goes.
    await server.foyer.services.users.setPrivacy(aliceId, 'birthdate', 'public', CLI_ACTOR, ALL_USERS);
    await server.foyer.services.users.setPrivacy(aliceId, 'email', 'private', CLI_ACTOR, ALL_USERS);
    const after = await oidc.fetchUserInfo(client, tokens.access_token, aliceId);
    expect(after.birthdate).toBe('1990-05-04');
    expect(after).not.toHaveProperty('email');
    expect(after).not.toHaveProperty('email_verified');
    await server.foyer.services.users.setPrivacy(aliceId, 'birthdate', 'private', CLI_ACTOR, ALL_USERS);
    await server.foyer.services.users.setPrivacy(aliceId, 'email', 'on_request', CLI_ACTOR, ALL_USERS);

    // Refresh with rotation: a new refresh token, and the old one is spent.
    expect(tokens.refresh_token).toBeTruthy();
    const refreshed = await oidc.refreshTokenGrant(client, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.claims()?.given_name).toBe('Alice');
    expect(refreshed.claims()).not.toHaveProperty('family_name');

    // Revocation takes effect at once, and takes the tokens issued under the same grant with it.
    expect((await oidc.tokenIntrospection(client, refreshed.access_token)).active).toBe(true);
    await oidc.tokenRevocation(client, refreshed.access_token);
    expect((await oidc.tokenIntrospection(client, refreshed.access_token)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(client,
      refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.refreshTokenGrant(client,
      tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });

    // RP-initiated logout, then the next authorization request shows the sign-in page again.
    const logoutUrl = oidc.buildEndSessionUrl(client,
      { id_token_hint: refreshed.id_token!, post_logout_redirect_uri: `${rp.url}/bye` });
    await page.goto(logoutUrl.href);
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL((u) => u.href.startsWith(`${rp.url}/bye`));
    const again = await authorizationRequest(client, `${rp.url}/cb`, 'openid');
    await page.goto(again.url.href);
    await expect(page.getByRole('heading', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
  });

  it('shows no consent page when nothing is on request', async () => {
    const { users } = server.foyer.services;
    const carol = await users.create({ login: 'carol', password: PASSWORD, nickname: 'Carol', givenName: 'Carol' },
      CLI_ACTOR, ALL_USERS);
    await users.setPrivacy(carol.id, 'given_name', 'public', CLI_ACTOR, ALL_USERS);
    await users.setPrivacy(carol.id, 'family_name', 'private', CLI_ACTOR, ALL_USERS);
    const request = await authorizationRequest(client, `${rp.url}/cb`, 'openid profile');
    await page.goto(request.url.href);
    await submitLogin(page, 'carol', PASSWORD);
    const tokens = await finishAtCallback(page, client, `${rp.url}/cb`, request);
    expect(tokens.claims()).toMatchObject({ sub: carol.id, nickname: 'Carol', given_name: 'Carol', name: 'Carol' });
  });

  it('asks again when an on-request field gains a value after the app was granted', async () => {
    const { users } = server.foyer.services;
    const gail = await users.create({ login: 'gail', password: PASSWORD, nickname: 'Gail' }, CLI_ACTOR, ALL_USERS);
    const first = await authorizationRequest(client, `${rp.url}/cb`, 'openid profile email');
    await page.goto(first.url.href);
    await submitLogin(page, 'gail', PASSWORD);
    // No email and no names yet: nothing on request to ask about, so no consent page.
    const before = await finishAtCallback(page, client, `${rp.url}/cb`, first);
    expect(before.claims()).not.toHaveProperty('email');

    await server.db.dataSource.query("UPDATE users SET email = 'gail@example.com' WHERE id = $1", [gail.id]);
    const second = await authorizationRequest(client, `${rp.url}/cb`, 'openid profile email');
    await page.goto(second.url.href);
    await page.getByRole('heading', { name: 'Share with Tea Party?' }).waitFor();
    const asked = await page.locator('input[name=approve]')
      .evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
    expect(asked).toEqual(['email']);
    await page.getByRole('button', { name: 'Allow' }).click();
    const after = await finishAtCallback(page, client, `${rp.url}/cb`, second);
    expect(after.claims()?.email).toBe('gail@example.com');
  });

  it('releases custom profile fields in custom_fields, each by its own privacy level', async () => {
    const { users, settings } = server.foyer.services;
    await settings.addCustomField({ key: 'country', label: 'Country', type: 'text', defaultPrivacy: 'public' },
      CLI_ACTOR);
    await settings.addCustomField({ key: 'badge', label: 'Badge number', type: 'text', defaultPrivacy: 'on_request' },
      CLI_ACTOR);
    await settings.addCustomField({ key: 'salary', label: 'Salary', type: 'number', defaultPrivacy: 'private' },
      CLI_ACTOR);
    const hugo = await users.create({
      login: 'hugo', password: PASSWORD, nickname: 'Hugo',
      custom: { 'custom.country': 'France', 'custom.badge': 'B-7', 'custom.salary': '5000' },
    }, CLI_ACTOR, ALL_USERS);
    const request = await authorizationRequest(client, `${rp.url}/cb`, 'openid profile');
    await page.goto(request.url.href);
    await submitLogin(page, 'hugo', PASSWORD);
    await page.getByRole('heading', { name: 'Share with Tea Party?' }).waitFor();
    await expect(page.getByLabel('Badge number').isChecked()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Allow' }).click();
    const tokens = await finishAtCallback(page, client, `${rp.url}/cb`, request);
    expect(tokens.claims()?.custom_fields).toEqual({ country: 'France', badge: 'B-7' });
    const userinfo = await oidc.fetchUserInfo(client, tokens.access_token, hugo.id);
    expect(userinfo.custom_fields).toEqual({ country: 'France', badge: 'B-7' });

    await users.setPrivacy(hugo.id, 'custom_fields.badge', 'private', CLI_ACTOR, ALL_USERS);
    await users.setPrivacy(hugo.id, 'custom_fields.salary', 'public', CLI_ACTOR, ALL_USERS);
    expect((await oidc.fetchUserInfo(client, tokens.access_token, hugo.id)).custom_fields).toEqual({ country: 'France',
      salary: 5000 });
    for (const key of ['country', 'badge', 'salary']) await settings.removeCustomField(key, CLI_ACTOR);
    expect(await oidc.fetchUserInfo(client, tokens.access_token, hugo.id)).not.toHaveProperty('custom_fields');
  });

  it('releases group names to an app granted the groups scope', async () => {
    const { users, groups } = server.foyer.services;
    const gus = await users.create({ login: 'gus', password: PASSWORD }, CLI_ACTOR, ALL_USERS);
    for (const name of ['Readers', 'Writers']) {
      const group = await groups.create({ name }, CLI_ACTOR, { kind: 'all' });
      await groups.addMembers(group.id, [gus.id], CLI_ACTOR, { kind: 'all' });
    }
    const request = await authorizationRequest(client, `${rp.url}/cb`, 'openid groups');
    await page.goto(request.url.href);
    await submitLogin(page, 'gus', PASSWORD);
    const tokens = await finishAtCallback(page, client, `${rp.url}/cb`, request);
    expect(tokens.claims()?.groups).toEqual(['Readers', 'Writers']);
    expect((await oidc.fetchUserInfo(client, tokens.access_token, gus.id)).groups).toEqual(['Readers', 'Writers']);

    const without = await authorizationRequest(client, `${rp.url}/cb`, 'openid');
    await page.goto(without.url.href);
    const plain = await finishAtCallback(page, client, `${rp.url}/cb`, without);
    expect(plain.claims()).not.toHaveProperty('groups');
  });

  it('refuses a blocked account everywhere: its page, refresh, userinfo and introspection', async () => {
    const { users } = server.foyer.services;
    const bob = await users.create({ login: 'bob', email: 'bob@example.com', password: PASSWORD, nickname: 'Bob' },
      CLI_ACTOR, ALL_USERS);
    const request = await authorizationRequest(client, `${rp.url}/cb`, 'openid profile offline_access');
    await page.goto(request.url.href);
    await submitLogin(page, 'bob', PASSWORD);
    const tokens = await finishAtCallback(page, client, `${rp.url}/cb`, request);
    expect((await oidc.tokenIntrospection(client, tokens.access_token)).active).toBe(true);

    await server.foyer.services.lifecycle.block(bob.id, CLI_ACTOR, ALL_USERS);

    expect((await oidc.tokenIntrospection(client, tokens.access_token)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(client,
      tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.fetchUserInfo(client, tokens.access_token, bob.id)).rejects.toBeDefined();

    // The right password shows the blocked page; a wrong one the usual message, revealing nothing.
    const next = await authorizationRequest(client, `${rp.url}/cb`, 'openid');
    await page.goto(next.url.href);
    await expect(page.getByRole('heading', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
    await submitLogin(page, 'bob', 'not the password');
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/Wrong login, email, phone number or password/);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Your account is blocked' }).waitFor();

    // Returning to the app ends the attempt with access_denied at the app.
    await page.getByRole('button', { name: 'Return to the application' }).click();
    await page.waitForURL((u) => u.href.startsWith(`${rp.url}/cb`));
    expect(new URL(page.url()).searchParams.get('error')).toBe('access_denied');

    await server.foyer.services.lifecycle.unblock(bob.id, CLI_ACTOR, ALL_USERS);
  });

  it('shows a locked account its own page with the end of the lock', async () => {
    const { users } = server.foyer.services;
    const dave = await users.create({ login: 'dave', password: PASSWORD }, CLI_ACTOR, ALL_USERS);
    const until = new Date(Date.now() + 3600_000);
    await server.db.dataSource.query('UPDATE users SET locked_at = now(), locked_until = $2 WHERE id = $1',
      [dave.id, until]);
    const request = await authorizationRequest(client, `${rp.url}/cb`, 'openid');
    await page.goto(request.url.href);
    await submitLogin(page, 'dave', PASSWORD);
    await page.getByRole('heading', { name: 'Your account is locked' }).waitFor();
    await expect(page.locator('time').getAttribute('datetime')).resolves.toBe(until.toISOString());
  });
});

describe('other clients', () => {
  it('lets a public client sign in with PKCE and no secret', async () => {
    const created = await server.foyer.services.applications.create({
      name: 'Single Page', redirectUris: [`${rp.url}/spa`], postLogoutRedirectUris: [], grantTypes: [], isPublic: true,
    }, CLI_ACTOR);
    expect(created).not.toHaveProperty('client_secret');
    const spa = await discover(server.issuer, created.client_id);
    const request = await authorizationRequest(spa, `${rp.url}/spa`, 'openid profile');
    await page.goto(request.url.href);
    await submitLogin(page, 'alice', PASSWORD);
    await page.getByRole('heading', { name: 'Share with Single Page?' }).waitFor();
    await page.getByRole('button', { name: 'Allow' }).click();
    const tokens = await finishAtCallback(page, spa, `${rp.url}/spa`, request);
    expect(tokens.claims()?.sub).toBe(aliceId);
  });

  it('issues client-credentials tokens that introspect as active, and refuses a wrong secret', async () => {
    const created = await server.foyer.services.applications.create({
      name: 'Nightly Job', redirectUris: [], postLogoutRedirectUris: [], grantTypes: ['client_credentials'],
      isPublic: false,
    }, CLI_ACTOR);
    const machine = await discover(server.issuer, created.client_id, created.client_secret);
    const tokens = await oidc.clientCredentialsGrant(machine, {});
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    const introspection = await oidc.tokenIntrospection(machine, tokens.access_token);
    expect(introspection).toMatchObject({ active: true, client_id: created.client_id });
    expect(introspection).not.toHaveProperty('sub');

    const impostor = await discover(server.issuer, created.client_id, `${created.client_secret}x`);
    await expect(oidc.clientCredentialsGrant(impostor, {})).rejects.toMatchObject({ error: 'invalid_client' });
  });
});
