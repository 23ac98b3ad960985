// The pages' scripts work under the Content-Security-Policy (no inline script allowed), in
// headless Chromium: the console's users list (row links, select-page), a profile's privacy
// level in place, the set-password page, the applications list, a client secret's copy
// button, the account page's privacy levels; and the provider's own pages: response_mode
// form_post (its inline script allowed by hash) and RP-initiated logout. The browser reports
// no CSP violation on any of them.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ALL_USERS } from '../../src/platform/access.js';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { launchBrowser, submitLogin } from '../support/browser.js';
import { authorizationRequest, discover, oidc, startCallbackServer,
  type CallbackServer } from '../support/relying-party.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'csp test password 1';
let server: TestServer;
let browser: Browser;
let rp: CallbackServer;
let context: BrowserContext;
let violations: string[];
let clientId: string;
let clientSecret: string;
let memberId: string;

beforeAll(async () => {
  [server, browser, rp] = await Promise.all([startTestServer(), launchBrowser(), startCallbackServer()]);
  const { users, applications } = server.foyer.services;
  await users.create({ login: 'csp-root', email: 'csp-root@example.com', password: PASSWORD, role: 'ADMIN' }, CLI_ACTOR,
    ALL_USERS);
  memberId = (await users.create({ login: 'csp-member', email: 'csp-member@example.com', password: PASSWORD,
    nickname: 'Cosmo', birthdate: '1990-05-04' }, CLI_ACTOR, ALL_USERS)).id;
  const created = await applications.create({
    name: 'CSP app', redirectUris: [`${rp.url}/cb`], postLogoutRedirectUris: [`${rp.url}/bye`],
    grantTypes: ['authorization_code'], isPublic: false,
  }, CLI_ACTOR);
  clientId = created.client_id;
  clientSecret = created.client_secret!;
});

afterAll(async () => {
  await browser?.close();
  await rp?.close();
  await server?.close();
});

beforeEach(async () => {
  violations = [];
  context = await browser.newContext();
  // Injected by the browser's tooling, not by the page: the CSP does not apply to it.
  await context.addInitScript({
    content: "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + "
      + "e.violatedDirective + ' ' + e.blockedURI));",
  });
  context.on('console', (msg) => {
    if (/CSP violation|Content Security Policy|Refused to (execute|load|apply)/i.test(msg.text())) {
      violations.push(msg.text());
    }
  });
});

afterEach(async () => {
  await context?.close();
});

async function signedInPage(path: string, login: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${server.issuer}${path}`);
  await submitLogin(page, login, PASSWORD);
  return page;
}

it('the browser reports an inline script the policy blocks (so the checks below can fail)', async () => {
  const page = await context.newPage();
  await page.goto(`${server.issuer}/`);
  await page.evaluate("const s = document.createElement('script'); s.textContent = 'window.ran = true'; "
    + 'document.body.append(s);');
  await page.waitForTimeout(200);
  expect(await page.evaluate('window.ran === true')).toBe(false);
  expect(violations.join('\n')).toMatch(/script-src/);
});

it('the console: users list, a profile, set password, applications and a secret', async () => {
  const page = await signedInPage('/admin/users', 'csp-root');
  await page.getByRole('heading', { name: 'Users' }).waitFor();

  // select-page ticks every row's box.
  await page.locator('#select-page').check();
  const boxes = page.locator('input[name=user]');
  expect(await boxes.count()).toBeGreaterThan(1);
  for (const box of await boxes.all()) expect(await box.isChecked()).toBe(true);

  // A click anywhere on a row opens the profile.
  await page.locator('table.users tbody tr', { hasText: 'csp-member' }).locator('td').nth(2).click();
  await page.waitForURL((u) => u.pathname === `/admin/users/${memberId}`);

  // The privacy level saves in place.
  await page.getByLabel('Privacy of Email address').selectOption('public');
  await page.locator('tr[data-field="email"] .privacy-saved').getByText('Saved').waitFor();

  // Set password: show/hide and the suggestion.
  await page.goto(`${server.issuer}/admin/users/${memberId}/password`);
  const password = page.locator('#password');
  await page.locator('#suggest').click();
  expect(await password.getAttribute('type')).toBe('text');
  expect((await password.inputValue()).length).toBeGreaterThan(8);
  await page.locator('#toggle').click();
  expect(await password.getAttribute('type')).toBe('password');

  // The applications list's rows, and a new secret's copy button (the clipboard may be refused headless: then it
  // selects).
  await page.goto(`${server.issuer}/admin/apps`);
  await page.locator('tr[data-href]', { hasText: 'CSP app' }).locator('td').last().click();
  await page.waitForURL((u) => u.pathname.startsWith(`/admin/apps/${clientId}`));
  expect(violations).toEqual([]);
});

it('a client secret page copies (or selects) the secret', async () => {
  const other = await server.foyer.services.applications.create({
    name: 'Secret app', redirectUris: [`${rp.url}/cb`], postLogoutRedirectUris: [], grantTypes: ['authorization_code'],
    isPublic: false,
  }, CLI_ACTOR);
  const page = await signedInPage(`/admin/apps/${other.client_id}/secret`, 'csp-root');
  await page.getByRole('button', { name: 'Regenerate secret' }).click();
  const secret = page.locator('#client-secret');
  await secret.waitFor();
  expect((await secret.inputValue()).length).toBeGreaterThan(20);
  // Headless Chromium may refuse the clipboard: then the secret is selected instead. Either way the script ran.
  await page.locator('#copy-secret').click();
  await page.locator('#copy-status').filter({ hasText: /Copied|Selected/ }).waitFor();
  expect(violations).toEqual([]);
});

it('the account page saves a privacy level in place', async () => {
  const page = await signedInPage('/account', 'csp-member');
  await page.getByLabel('Privacy of Date of birth').selectOption('public');
  await page.locator('tr[data-field="birthdate"] .privacy-saved').getByText('Saved').waitFor();
  expect(violations).toEqual([]);
});

it('response_mode=form_post and RP-initiated logout work', async () => {
  const client = await discover(server.issuer, clientId, clientSecret);
  const request = await authorizationRequest(client, `${rp.url}/cb`, 'openid', { response_mode: 'form_post' });
  const page = await context.newPage();
  const posted = page.waitForRequest((r) => r.url().startsWith(`${rp.url}/cb`) && r.method() === 'POST',
    { timeout: 15_000 });
  await page.goto(request.url.href);
  await submitLogin(page, 'csp-member', PASSWORD);
  const allow = page.getByRole('button', { name: 'Allow' });
  if (await allow.isVisible().catch(() => false)) await allow.click();
  const callback = await posted;
  const form = new URLSearchParams(callback.postData() ?? '');
  expect(form.get('code')).toBeTruthy();
  expect(form.get('state')).toBe(request.state);
  await page.waitForURL((u) => u.href.startsWith(`${rp.url}/cb`));

  const logoutUrl = oidc.buildEndSessionUrl(client, { client_id: clientId, post_logout_redirect_uri: `${rp.url}/bye` });
  await page.goto(logoutUrl.href);
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await page.waitForURL((u) => u.href.startsWith(`${rp.url}/bye`));
  expect(violations).toEqual([]);
});
