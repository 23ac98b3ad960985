// What a person or an app gets for bad input: clear pages and standard errors, never a 500.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import { HttpSession } from '../support/http-session.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let clientId: string;
const redirectUri = 'http://127.0.0.1:9/cb';

beforeAll(async () => {
  server = await startTestServer();
  const client = await server.foyer.services.applications.create({
    name: 'Public App', redirectUris: [redirectUri], postLogoutRedirectUris: [], grantTypes: [], isPublic: true,
  }, CLI_ACTOR);
  clientId = client.client_id;
});

afterAll(async () => {
  await server?.close();
});

function authUrl(params: Record<string, string>): string {
  return `/auth?${new URLSearchParams({
    client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: redirectUri, ...params,
  })}`;
}

describe('bad requests get clear answers', () => {
  it('explains an unknown or expired interaction on a page, with a way back', async () => {
    const res = await new HttpSession(server.issuer).get('/interaction/does-not-exist');
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('This sign-in has expired');
    expect(html).toContain('href="/"');
    expect(html).not.toMatch(/at .*\.ts:\d+/);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('answers JSON clients with a machine-readable error', async () => {
    const res = await new HttpSession(server.issuer).get('/interaction/does-not-exist', { accept: 'application/json' });
    expect(res.status).toBe(400);
    await expect(res.json()).resolves.toMatchObject({ error: 'interaction_expired' });
  });

  it('refuses a form post without a valid CSRF token and changes nothing', async () => {
    const session = new HttpSession(server.issuer);
    const start = await session.get(authUrl({ code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' }));
    const interaction = start.headers.get('location')!;
    expect(interaction).toMatch(/^\/interaction\//);
    await session.get(interaction);
    const before = await server.db.dataSource.query('SELECT count(*)::int AS n FROM oidc_payloads');
    const res = await session.postForm(`${interaction}/login`,
      { identifier: 'someone', password: 'whatever1', _csrf: 'forged' });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('This form has expired');
    const after = await server.db.dataSource.query('SELECT count(*)::int AS n FROM oidc_payloads');
    expect(after[0].n).toBe(before[0].n);
  });

  it('renders the provider error page for a malformed authorization request', async () => {
    const res = await new HttpSession(server.issuer).get('/auth?response_type=code');
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('This sign-in cannot continue');
    expect(html).toContain('invalid_request');
  });

  it('requires PKCE from public clients', async () => {
    const res = await new HttpSession(server.issuer).get(authUrl({}));
    expect(res.status).toBe(303);
    const back = new URL(res.headers.get('location')!);
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('error_description')).toMatch(/PKCE/i);
  });

  it('never answers 500 to odd input on the sign-in form', async () => {
    await server.foyer.services.users.create({ login: 'erin', password: 'correct horse' }, CLI_ACTOR, ALL_USERS);
    const session = new HttpSession(server.issuer);
    const start = await session.get(authUrl({ code_challenge: 'y'.repeat(43), code_challenge_method: 'S256' }));
    const interaction = start.headers.get('location')!;
    const page = await (await session.get(interaction)).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1];
    const oddForms: Record<string, string>[] = [{}, { identifier: '' }, { identifier: 'x'.repeat(5000), password: 'p' },
      { identifier: '+', password: 'p'.repeat(5000) },
      { identifier: 'erin', password: '\u0000\u0001' }, { 'identifier[]': 'a', password: 'b' }];
    for (const fields of oddForms) {
      const res = await session.postForm(`${interaction}/login`, { ...fields, _csrf: csrf });
      expect([400, 401]).toContain(res.status);
      expect(await res.text()).toMatch(/Sign in/);
    }
  });
});

describe('unknown addresses', () => {
  it('get a 404 page, or JSON for JSON clients', async () => {
    const page = await fetch(`${server.issuer}/no/such/page`);
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('There is no page at this address.');
    const json = await fetch(`${server.issuer}/no/such/page`, { headers: { accept: 'application/json' } });
    expect(json.status).toBe(404);
    await expect(json.json()).resolves.toEqual({ error: 'not_found', error_description: 'Nothing is here.' });
  });
});

describe('health', () => {
  it('answers 200 while the database answers', async () => {
    const res = await fetch(`${server.issuer}/healthz`);
    expect(res.status).toBe(200);
    await expect(res.json()).resolves.toEqual({ status: 'ok', database: 'up' });
  });
});

describe('health when the database is gone', () => {
  it('answers 503', async () => {
    const broken = await startTestServer();
    try {
      await broken.db.database.close();
      const res = await fetch(`${broken.issuer}/healthz`);
      expect(res.status).toBe(503);
      await expect(res.json()).resolves.toEqual({ status: 'unavailable', database: 'down' });
    } finally {
      await broken.close();
    }
  });
});
