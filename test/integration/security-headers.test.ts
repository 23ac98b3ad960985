// Security headers on every page, set in one place: a CSP without inline scripts, no framing,
// a referrer policy, nosniff, HSTS with an https issuer. The provider's form_post page keeps
// working (its one inline script is allowed by hash); the templates carry no inline script.
import { createHash, randomBytes } from 'node:crypto';
import { ALL_USERS } from '../../src/platform/access.js';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { consoleSession } from '../support/console-session.js';
import { csrfTokenIn, HttpSession } from '../support/http-session.js';
import { ROOT } from '../support/processes.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let clientId: string;
const REDIRECT = 'http://127.0.0.1:9/cb';

beforeAll(async () => {
  server = await startTestServer();
  const { users, applications } = server.foyer.services;
  await users.create({ login: 'hdr-root', email: 'hdr-root@example.com', password: 'headers admin 1', role: 'ADMIN' },
    CLI_ACTOR, ALL_USERS);
  const member = await users.create({ login: 'hdr-member', email: 'hdr-member@example.com',
    password: 'headers member 1', nickname: 'Hedda' }, CLI_ACTOR, ALL_USERS);
  // A claim released only with consent: the app's sign-in shows the consent page.
  await users.setPrivacy(member.id, 'nickname', 'on_request', CLI_ACTOR, ALL_USERS);
  const created = await applications.create({ name: 'Header app', redirectUris: [REDIRECT], postLogoutRedirectUris: [],
    grantTypes: ['authorization_code'], isPublic: false }, CLI_ACTOR);
  clientId = created.client_id;
});
afterAll(() => server?.close());

function directives(res: Response): Map<string, string[]> {
  const csp = res.headers.get('content-security-policy') ?? '';
  return new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...values]) => [name,
    values]));
}

function expectPageHeaders(res: Response): void {
  const csp = directives(res);
  expect(csp.get('default-src')).toEqual(["'self'"]);
  expect(csp.get('script-src')?.[0]).toBe("'self'");
  expect(csp.get('script-src')).not.toContain("'unsafe-inline'");
  expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
  expect(csp.get('base-uri')).toEqual(["'none'"]);
  expect(csp.get('object-src')).toEqual(["'none'"]);
  // Forms post to the provider, which redirects to the apps' redirect_uris: no form-action limit.
  expect(csp.has('form-action')).toBe(false);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('referrer-policy')).toMatch(/^(same-origin|no-referrer)$/);
}

async function follow(session: HttpSession, res: Response): Promise<Response> {
  let current = res;
  for (let hops = 0; hops < 20 && current.status >= 300 && current.status < 400; hops += 1) {
    const location = current.headers.get('location')!;
    if (location.startsWith(REDIRECT)) return current;
    current = await session.get(location);
  }
  return current;
}

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

function authorizePath(extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({
    client_id: clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid profile', state: 'st',
    nonce: 'nn',
    code_challenge: pkce().challenge, code_challenge_method: 'S256', ...extra,
  });
  return `/auth?${params}`;
}

it('the sign-in page and the consent page carry them', async () => {
  const session = new HttpSession(server.issuer);
  const signIn = await follow(session, await session.get(authorizePath()));
  const html = await signIn.text();
  expect(html).toContain('name="identifier"');
  expectPageHeaders(signIn);

  const action = /action="(\/interaction\/[^"]+\/login)"/.exec(html)![1];
  const consent = await follow(session,
    await session.postForm(action,
      { identifier: 'hdr-member', password: 'headers member 1', _csrf: csrfTokenIn(html) }));
  const consentHtml = await consent.text();
  expect(consentHtml).toContain('/consent"');
  expectPageHeaders(consent);
});

it('form_post still works: the provider allows its own inline script by hash, nothing else inline', async () => {
  const session = new HttpSession(server.issuer);
  const signIn = await follow(session, await session.get(authorizePath({ response_mode: 'form_post' })));
  const html = await signIn.text();
  const action = /action="(\/interaction\/[^"]+\/login)"/.exec(html)![1];
  let page = await follow(session,
    await session.postForm(action,
      { identifier: 'hdr-member', password: 'headers member 1', _csrf: csrfTokenIn(html) }));
  let body = await page.text();
  const consentAction = /action="(\/interaction\/[^"]+\/consent)"/.exec(body)?.[1];
  if (consentAction) {
    page = await follow(session, await session.postForm(consentAction, { _csrf: csrfTokenIn(body) }));
    body = await page.text();
  }
  expect(body).toContain(`action="${REDIRECT}"`);
  const script = /<script>([^]*?)<\/script>/.exec(body)![1];
  const hash = `'sha256-${createHash('sha256').update(script).digest('base64')}'`;
  const scriptSrc = directives(page).get('script-src')!;
  expect(scriptSrc).toContain(hash);
  expect(scriptSrc).not.toContain("'unsafe-inline'");
  expect(directives(page).get('frame-ancestors')).toEqual(["'none'"]);
});

it('the account page, the console and the provider logout page carry them', async () => {
  const account = await consoleSession(server.issuer, 'hdr-member', 'headers member 1', '/account');
  expectPageHeaders(await account.get('/account'));
  const admin = await consoleSession(server.issuer, 'hdr-root', 'headers admin 1');
  expectPageHeaders(await admin.get('/admin/users'));
  expectPageHeaders(await admin.get('/admin/apps'));
  const logout = await account.get('/session/end');
  expect(logout.status).toBe(200);
  expectPageHeaders(logout);
  // A JSON API answer carries them too (nothing to frame there, but one place sets them all).
  expectPageHeaders(await fetch(`${server.issuer}/.well-known/openid-configuration`));
});

it('sends no HSTS over an http issuer', async () => {
  const res = await fetch(`${server.issuer}/`);
  expect(res.headers.get('strict-transport-security')).toBeNull();
});

it('sends HSTS when the issuer is https', async () => {
  const https = await startTestServer({ ISSUER: 'https://id.example.test' });
  try {
    const res = await fetch(`${https.issuer}/`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(res.headers.get('strict-transport-security')).toMatch(/^max-age=\d{7,}/);
    expectPageHeaders(res);
  } finally {
    await https.close();
  }
});

it('serves the pages\' scripts from a fixed list, with their type and cache headers', async () => {
  for (const file of ['row-links.js', 'privacy-forms.js', 'copy-field.js', 'set-password.js']) {
    const res = await fetch(`${server.issuer}/static/${file}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toBe(await fs.readFile(path.join(ROOT, 'public', file), 'utf8'));
  }
  for (const bad of ['nope.js', '..%2Fpackage.json', '%2e%2e%2fsrc%2fapp.ts', 'row-links.js.map']) {
    expect((await fetch(`${server.issuer}/static/${bad}`)).status).toBe(404);
  }
});

it('no template has an inline script or an inline event handler (the CSP would block them)', async () => {
  const offenders: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(file);
      else if (file.endsWith('.njk') && !file.includes(`${path.sep}mail${path.sep}`)) {
        const text = await fs.readFile(file, 'utf8');
        if (/<script(?![^>]*\ssrc=)[^>]*>/i.test(text)) offenders.push(`${file}: inline <script>`);
        if (/<[^>]+\son[a-z]+\s*=/i.test(text)) offenders.push(`${file}: inline event handler`);
        if (/javascript:/i.test(text)) offenders.push(`${file}: javascript: URL`);
      }
    }
  }
  await walk(path.join(ROOT, 'views'));
  expect(offenders).toEqual([]);
});
