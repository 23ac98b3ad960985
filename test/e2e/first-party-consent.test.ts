// Applications as the consent step and the token endpoint treat them: first-party apps
// skip the consent page (private fields still stay out), logos on the sign-in and consent
// pages, allowed scopes, and client_secret_jwt with sealed secrets. Real browser, real
// openid-client, real PostgreSQL.
import http from 'node:http';
import { ALL_USERS } from '../../src/platform/access.js';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ValidationError } from '../../src/platform/errors.js';
import type { ApplicationInput } from '../../src/applications/client-metadata.js';
import { launchBrowser, submitLogin, freshPageForEachTest } from '../support/browser.js';
import { authorizationRequest, discover, finishAtCallback, oidc, startCallbackServer,
  type CallbackServer } from '../support/relying-party.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'correct horse battery';
// A 1x1 PNG: proves the browser really loads the logo, not only that an <img> is there.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64');

let server: TestServer;
let rp: CallbackServer;
let logoServer: http.Server;
let logoUrl: string;
let browser: Browser;
let page: Page;
let aliceId: string;

const appInput = (name: string, extra: Partial<ApplicationInput> = {}): ApplicationInput => ({
  name, redirectUris: [`${rp.url}/cb`], postLogoutRedirectUris: [], grantTypes: ['authorization_code'], isPublic: false,
  ...extra,
});

async function createApp(name: string, extra: Partial<ApplicationInput> = {},
  firstParty = false): Promise<oidc.Configuration> {
  const created = await server.foyer.services.applications.create(appInput(name, extra), CLI_ACTOR, undefined,
    { firstParty });
  return discover(server.issuer, created.client_id, created.client_secret);
}

/** Every Foyer page the browser was shown (an HTML page under /interaction/, not a redirect). */
function watchInteractionPages(target: Page): string[] {
  const shown: string[] = [];
  target.on('response', (response) => {
    const { pathname } = new URL(response.url());
    if (response.request().resourceType() === 'document' && response.status() === 200
      && pathname.startsWith('/interaction/')) shown.push(pathname);
  });
  return shown;
}

beforeAll(async () => {
  logoServer = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(PNG));
  await new Promise<void>((resolve) => logoServer.listen(0, '127.0.0.1', resolve));
  logoUrl = `http://127.0.0.1:${(logoServer.address() as AddressInfo).port}/logo.png`;
  [server, rp, browser] = await Promise.all([startTestServer({ LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    startCallbackServer(), launchBrowser()]);
  // Defaults: nickname public, email on request, phone number private.
  const alice = await server.foyer.services.users.create({
    login: 'alice', email: 'alice@example.com', password: PASSWORD, phoneNumber: '+14155550123', nickname: 'Wonder',
    emailVerified: true,
  }, CLI_ACTOR, ALL_USERS);
  aliceId = alice.id;
});

freshPageForEachTest(() => browser, (p) => { page = p; });

afterAll(async () => {
  await browser?.close();
  await rp?.close();
  await new Promise((resolve) => { logoServer?.closeAllConnections(); logoServer?.close(resolve); });
  await server?.close();
});

describe('first-party applications', () => {
  const scope = 'openid profile email phone';

  it('a normal app asks on the consent page for the on-request email', async () => {
    const app = await createApp('Tea Party');
    const shown = watchInteractionPages(page);
    const request = await authorizationRequest(app, `${rp.url}/cb`, scope);
    await page.goto(request.url.href);
    await submitLogin(page, 'alice', PASSWORD);
    await page.getByRole('heading', { name: 'Share with Tea Party?' }).waitFor();
    const asked = await page.locator('input[name=approve]')
      .evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
    expect(asked).toEqual(['email']);
    await page.getByRole('button', { name: 'Allow' }).click();
    const tokens = await finishAtCallback(page, app, `${rp.url}/cb`, request);
    expect(shown).toHaveLength(2); // sign-in, then consent
    expect(tokens.claims()).toMatchObject({ sub: aliceId, email: 'alice@example.com' });
    expect(tokens.claims()).not.toHaveProperty('phone_number');
  });

  it('a first-party app lands straight back at the app with the on-request email, never the private phone number',
    async () => {
      const app = await createApp('Staff Portal', {}, true);
      const shown = watchInteractionPages(page);
      const request = await authorizationRequest(app, `${rp.url}/cb`, scope);
      await page.goto(request.url.href);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await submitLogin(page, 'alice', PASSWORD);
      const tokens = await finishAtCallback(page, app, `${rp.url}/cb`, request);
      // The sign-in page and nothing else: no consent page between it and the app.
      expect(shown).toHaveLength(1);

      const idClaims = tokens.claims()!;
      expect(idClaims).toMatchObject({ sub: aliceId, nickname: 'Wonder', email: 'alice@example.com',
        email_verified: true });
      for (const hidden of ['phone_number', 'phone_number_verified']) expect(idClaims).not.toHaveProperty(hidden);
      const userinfo = await oidc.fetchUserInfo(app, tokens.access_token, aliceId);
      expect(userinfo).toMatchObject({ sub: aliceId, email: 'alice@example.com' });
      for (const hidden of ['phone_number', 'phone_number_verified']) expect(userinfo).not.toHaveProperty(hidden);

      // Even prompt=consent, which asks again elsewhere, shows no page to a first-party app.
      const again = await authorizationRequest(app, `${rp.url}/cb`, scope, { prompt: 'consent' });
      await page.goto(again.url.href);
      const second = await finishAtCallback(page, app, `${rp.url}/cb`, again);
      expect(shown).toHaveLength(1);
      expect(second.claims()?.email).toBe('alice@example.com');
      expect(second.claims()).not.toHaveProperty('phone_number');
    });
});

describe('application logos', () => {
  it('shows the logo, named after the app, on the sign-in and consent pages', async () => {
    const app = await createApp('Mad Hatter', { logoUri: logoUrl });
    const request = await authorizationRequest(app, `${rp.url}/cb`, 'openid email');
    await page.goto(request.url.href);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const logo = page.getByRole('img', { name: 'Mad Hatter' });
    await expect(logo.getAttribute('src')).resolves.toBe(logoUrl);
    await expect(logo.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).resolves.toBe(1);
    // Shown small whatever the image's own size.
    const box = await logo.boundingBox();
    expect(box!.width).toBeLessThanOrEqual(64);
    expect(box!.height).toBeLessThanOrEqual(64);

    await submitLogin(page, 'alice', PASSWORD);
    await page.getByRole('heading', { name: 'Share with Mad Hatter?' }).waitFor();
    await expect(page.getByRole('img', { name: 'Mad Hatter' }).getAttribute('src')).resolves.toBe(logoUrl);
  });

  it('shows no image for an app without a logo', async () => {
    const app = await createApp('Plain App');
    const request = await authorizationRequest(app, `${rp.url}/cb`, 'openid');
    await page.goto(request.url.href);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expect(page.locator('img').count()).resolves.toBe(0);
  });
});

describe('allowed scopes', () => {
  it('sends an app back with invalid_scope when it asks for a scope outside its list', async () => {
    const app = await createApp('Narrow App', { scopes: ['openid', 'profile'] });
    const allowed = await authorizationRequest(app, `${rp.url}/cb`, 'openid profile');
    await page.goto(allowed.url.href);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();

    const refused = await authorizationRequest(app, `${rp.url}/cb`, 'openid email');
    await page.goto(refused.url.href);
    await page.waitForURL((u) => u.href.startsWith(`${rp.url}/cb`));
    const params = new URL(page.url()).searchParams;
    expect(params.get('error')).toBe('invalid_scope');
    expect(params.get('state')).toBe(refused.state);
    expect(params.has('code')).toBe(false);
  });
});

describe('client_secret_jwt', () => {
  const jwtApp: ApplicationInput = { name: 'Signed Job', redirectUris: [], postLogoutRedirectUris: [],
    grantTypes: ['client_credentials'], isPublic: false, authMethod: 'client_secret_jwt' };

  it('cannot be chosen while no key to seal secrets is configured', async () => {
    const attempt = server.foyer.services.applications.create(jwtApp, CLI_ACTOR);
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toMatchObject({ fields: { auth_method: expect.stringMatching(/FOYER_CLIENT_SECRET_KEY/) } });
  });

  describe('with FOYER_CLIENT_SECRET_KEY', () => {
    let keyed: TestServer;

    beforeAll(async () => {
      keyed = await startTestServer({ FOYER_CLIENT_SECRET_KEY: '7f'.repeat(32),
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' });
    });

    afterAll(async () => {
      await keyed?.close();
    });

    it('issues a token to a client signing its assertion with the secret, which is stored sealed', async () => {
      const created = await keyed.foyer.services.applications.create(jwtApp, CLI_ACTOR);
      const secret = created.client_secret!;
      expect(secret).toBeTruthy();
      const [row] = await keyed.db.dataSource.query('SELECT client_secret_hash FROM clients WHERE client_id = $1',
        [created.client_id]);
      expect(row.client_secret_hash.startsWith('aes256gcm$')).toBe(true);
      expect(row.client_secret_hash).not.toContain(secret);

      const machine = await oidc.discovery(new URL(keyed.issuer), created.client_id, {}, oidc.ClientSecretJwt(secret), {
        execute: [oidc.allowInsecureRequests],
      });
      const tokens = await oidc.clientCredentialsGrant(machine, {});
      expect(tokens.token_type.toLowerCase()).toBe('bearer');
      expect(tokens.access_token).toBeTruthy();

      const impostor = await oidc.discovery(new URL(keyed.issuer), created.client_id, {},
        oidc.ClientSecretJwt(`${secret}x`), {
          execute: [oidc.allowInsecureRequests],
        });
      await expect(oidc.clientCredentialsGrant(impostor, {})).rejects.toMatchObject({ error: 'invalid_client' });
    });
  });
});
