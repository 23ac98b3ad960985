// No request can get a 500 or a stack trace: every registered route (Foyer's routers and the
// provider's endpoints), every method, a bounded corpus of bad input, signed out, as a
// Member and as an Administrator with a valid CSRF token. The failures are written to
// /tmp/foyer/bad-input-report.txt; BAD_INPUT_ONLY=/admin,/scim runs the routes under those prefixes.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import {
  answeredSummary, fillPath, formatFailures, formsIn, GENERIC_FIELDS, pool, routeRegExp, routesOfProvider,
  routesOfRouters, send, variantsOf,
  type Failure, type Identity, type PageForm, type RouteSpec, type Variant,
} from '../support/bad-input.js';
import { consoleSession } from '../support/console-session.js';
import { csrfTokenIn, HttpSession } from '../support/http-session.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'Quite long secret 1';
const REDIRECT_URI = 'http://127.0.0.1:9/cb';
const REPORT = '/tmp/foyer/bad-input-report.txt';

let server: TestServer;
let clientId: string;
let memberKey: string;
let adminKey: string;
const ids: Record<string, string> = {};
/** Per identity: its session and the interaction it is in. */
const sessions: Record<string, { session: HttpSession; identity: Identity; interaction: string }> = {};

const cookieOf = (session: HttpSession) => (session as unknown as { cookieHeader(): string }).cookieHeader();

async function startInteraction(session: HttpSession): Promise<string> {
  const verifier = randomBytes(32).toString('base64url');
  const res = await session.get(`/auth?${new URLSearchParams({
    client_id: clientId, response_type: 'code', scope: 'openid profile email', redirect_uri: REDIRECT_URI,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  })}`);
  const location = res.headers.get('location') ?? '';
  const uid = /^\/interaction\/([^/?]+)/.exec(location)?.[1];
  if (!uid) throw new Error(`no interaction (${res.status} ${location})`);
  await (await session.get(location)).arrayBuffer();
  return uid;
}

async function identity(name: string, session: HttpSession, csrfPage: string, key?: string): Promise<void> {
  const interaction = await startInteraction(session);
  const csrf = csrfTokenIn(await (await session.get(csrfPage === 'interaction'
    ? `/interaction/${interaction}` : csrfPage)).text());
  sessions[name] = {
    session, interaction,
    identity: { name, cookie: cookieOf(session), csrf,
      headers: (path): Record<string, string> => (key && path.startsWith('/scim/') ? { authorization: `Bearer ${key}` }
      : {}) },
  };
}

/** The corpus saves settings forms too (`a=1&a=2` is a valid lockout of 1): set again before each phase. */
const relaxLockout = () => server.foyer.services.settings.updateLockout({ maxFailures: 100, windowMinutes: 1,
  lockMinutes: 1 }, CLI_ACTOR);

beforeAll(async () => {
  // The corpus is thousands of failures from one address: the brute-force limits (tested in
  // brute-force.test.ts) would answer 429 and hide what the routes themselves do.
  server = await startTestServer(Object.fromEntries(['FOYER_SIGN_IN_FAILURES_PER_IDENTIFIER',
    'FOYER_SIGN_IN_FAILURES_PER_IP', 'FOYER_CLIENT_AUTH_FAILURES_PER_IP',
    'FOYER_SCIM_AUTH_FAILURES_PER_IP', 'FOYER_PASSWORD_RESET_REQUESTS_PER_IDENTIFIER',
    'FOYER_PASSWORD_RESET_REQUESTS_PER_IP'].map((name) => [name, '1000000'])));
  const { users, organizations, groups, applications, apiKeys, settings } = server.foyer.services;
  const org = await organizations.create('Bad Input Org', CLI_ACTOR, { kind: 'all' });
  const admin = await users.create({ login: 'root', email: 'root@example.com', password: PASSWORD, role: 'ADMIN' },
    CLI_ACTOR, ALL_USERS);
  const member = await users.create({ login: 'mia', email: 'mia@example.com', password: PASSWORD,
    organizationId: org.id }, CLI_ACTOR, ALL_USERS);
  const target = await users.create({ login: 'target', email: 'target@example.com', password: PASSWORD,
    organizationId: org.id }, CLI_ACTOR, ALL_USERS);
  const group = await groups.create({ name: 'Bad Input Group' }, CLI_ACTOR, ALL_USERS);
  clientId = (await applications.create({ name: 'Public App', redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [],
    grantTypes: [], isPublic: true }, CLI_ACTOR, admin.id)).client_id;
  const machine = await applications.create({ name: 'Machine App', redirectUris: [], postLogoutRedirectUris: [],
    grantTypes: ['client_credentials'], isPublic: false }, CLI_ACTOR, admin.id);
  await settings.addCustomField({ key: 'team', label: 'Team', type: 'text' }, CLI_ACTOR);
  // Wrong passwords in the corpus (the account deletion form asks for one) would lock the
  // Member and the Administrator, which ends their sessions: the most the lockout allows.
  await relaxLockout();
  adminKey = await apiKeys.generate(admin, CLI_ACTOR);
  memberKey = await apiKeys.generate(member, CLI_ACTOR);
  const serviceAccount = (await server.foyer.services.serviceAccounts.create({ name: 'bad-input-bot' }, CLI_ACTOR,
    ALL_USERS)).account;
  Object.assign(ids, { user: target.id, member: member.id, org: String(org.id), group: group.id,
    app: machine.client_id, serviceAccount: serviceAccount.id });

  await identity('signed-out', new HttpSession(server.issuer), 'interaction');
  await identity('member', await consoleSession(server.issuer, 'mia', PASSWORD, '/account'), '/account', memberKey);
  await identity('admin', await consoleSession(server.issuer, 'root', PASSWORD, '/admin'), '/admin/users/new',
    adminKey);
}, 120_000);

afterAll(async () => {
  await server?.close();
});

/** A value for a path parameter that names something that exists, so the corpus reaches the route's input parsing. */
function goodParam(identityName: string, route: RouteSpec, name: string): string {
  const path = route.path;
  if (name === 'uid') return sessions[identityName].interaction;
  if (name === 'login') return 'mia';
  if (name === 'key') return 'team';
  if (name === 'action') return 'lock';
  if (name === 'file') return 'none.jpg';
  if (name === 'token') return 'not-a-token';
  if (path.startsWith('/scim/')) {
    return path.includes('/Groups') ? ids.group : path.includes('/Users') ? ids.user : 'User';
  }
  if (/\/organizations\//.test(path)) return ids.org;
  if (/\/service-accounts\//.test(path)) return ids.serviceAccount;
  if (/\/groups\//.test(path)) return ids.group;
  if (/\/apps\//.test(path)) return ids.app;
  if (/\/users\//.test(path)) return ids.user;
  return '1';
}

/** Whether the Member and the Administrator are still signed in (200 on their home pages). */
async function signedInStatuses(): Promise<{ who: string; page: string; status: number }[]> {
  return Promise.all(([['member', '/account'], ['admin', '/admin/users']] as const).map(async ([who, page]) => {
    const res = await fetch(`${server.issuer}${page}`,
      { headers: { cookie: sessions[who].identity.cookie }, redirect: 'manual' });
    await res.arrayBuffer();
    return { who, page, status: res.status };
  }));
}

/** Routes that end something (an interaction, a resource), then those that end sessions: run after the others. */
const ENDS_SOMETHING = /abort|delete|remove|revoke|sign-out|cancel|logout|confirm|actions/;
const ENDS_SESSIONS = /^\/session\/end/;

/** A fresh browser at the sign-in page of a new interaction: its path and CSRF token. */
async function signInPage(): Promise<{ session: HttpSession; uid: string; csrf: string }> {
  const session = new HttpSession(server.issuer);
  const uid = await startInteraction(session);
  const csrf = csrfTokenIn(await (await session.get(`/interaction/${uid}`)).text());
  return { session, uid, csrf };
}

const NO_CONTROL = 'Remove control characters';

describe('finding 2: a NUL byte, year 0000 or a number past its column gets a 4xx, never a 500', () => {
  it('refuses a NUL in the sign-in identifier on the sign-in page, by the field', async () => {
    const { session, uid, csrf } = await signInPage();
    const res = await session.postForm(`/interaction/${uid}/login`,
      { identifier: 'mi\u0000a', password: PASSWORD, _csrf: csrf });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain(NO_CONTROL);
    expect(html).toContain(`action="/interaction/${uid}/login"`);
  });

  it('refuses a NUL in the forgot-password identifier on its form', async () => {
    const session = new HttpSession(server.issuer);
    const csrf = csrfTokenIn(await (await session.get('/forgot-password')).text());
    const res = await session.postForm('/forgot-password', { identifier: 'mia\u0000@example.com', _csrf: csrf });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain(NO_CONTROL);
  });

  it.each(['login_hint', 'state', 'nonce',
    'ui_locales'])('answers /auth with a NUL in %s with invalid_request, without redirecting', async (param) => {
    const res = await fetch(`${server.issuer}/auth?${new URLSearchParams({
      client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI,
      code_challenge: 'x'.repeat(43), code_challenge_method: 'S256',
      [param]: 'a\u0000b',
    })}`, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('invalid_request');
  });

  it('reads a pushed authorization request once: a NUL in state is refused, a clean one is stored for the sign-in',
    async () => {
      const form = (state: string) => new URLSearchParams({
        client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI,
        code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', state,
      }).toString();
      const post = (body: string,
        path = '/auth') => fetch(`${server.issuer}${path}`,
        { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, redirect: 'manual' });
      const pushed = await post(form('a\u0000b'), '/request');
      expect(pushed.status).toBe(400);
      await expect(pushed.json()).resolves.toMatchObject({ error: 'invalid_request' });
      const pushedFine = await post(form('fine'), '/request');
      expect(pushedFine.status).toBe(201);
      const { request_uri: requestUri } = await pushedFine.json() as { request_uri: string };
      const started = await fetch(`${server.issuer}/auth?`
      + `${new URLSearchParams({ client_id: clientId, request_uri: requestUri })}`, { redirect: 'manual' });
      expect(started.status).toBe(303);
      expect(started.headers.get('location')).toMatch(/^\/interaction\//);
    });

  it.each(['/token', '/token/introspection',
    '/token/revocation'])('answers %s with a NUL in client_id with a JSON invalid_request', async (path) => {
    const res = await fetch(`${server.issuer}${path}`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&token=abc&client_id=a%00b&client_secret=s',
    });
    expect(res.status).toBe(400);
    await expect(res.json()).resolves.toMatchObject({ error: 'invalid_request' });
  });

  it('answers a NUL in a code, refresh token or token of a real client with an OAuth error, not a 500', async () => {
    const post = (path: string, fields: Record<string, string>) => fetch(`${server.issuer}${path}`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: clientId, ...fields }).toString(),
    });
    const code = await post('/token',
      { grant_type: 'authorization_code', code: 'a\u0000b', redirect_uri: REDIRECT_URI,
        code_verifier: 'v'.repeat(43) });
    expect(code.status).toBe(400);
    await expect(code.json()).resolves.toMatchObject({ error: 'invalid_grant' });
    const refresh = await post('/token', { grant_type: 'refresh_token', refresh_token: 'a\u0000b' });
    expect(refresh.status).toBe(400);
    const introspected = await post('/token/introspection', { token: 'a\u0000b' });
    expect(introspected.status).toBeLessThan(500);
    const revoked = await post('/token/revocation', { token: 'a\u0000b' });
    expect(revoked.status).toBeLessThan(500);
  });

  it('answers /u/%00 with 404', async () => {
    const res = await fetch(`${server.issuer}/u/%00`);
    expect(res.status).toBe(404);
    const json = await fetch(`${server.issuer}/u/a%00b`, { headers: { accept: 'application/json' } });
    expect(json.status).toBe(404);
  });

  it('refuses a NUL in an account profile field by the field', async () => {
    const { session, identity } = sessions.member;
    const res = await session.postForm('/account/profile',
      { login: 'mia', email: 'mia@example.com', nickname: 'Mi\u0000a', _csrf: identity.csrf });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain(NO_CONTROL);
  });

  it('refuses birthdate 0000-01-01 on the account profile by the field', async () => {
    const { session, identity } = sessions.member;
    const res = await session.postForm('/account/profile',
      { login: 'mia', email: 'mia@example.com', birthdate: '0000-01-01', _csrf: identity.csrf });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('Enter a date between 1900 and 2100.');
  });

  const scim = (method: string, path: string, body?: unknown) => fetch(`${server.issuer}/scim/v2${path}`, {
    method, headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/scim+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

  it('answers a SCIM displayName with a NUL with a SCIM invalidValue error', async () => {
    const res = await scim('POST', '/Users',
      { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'nul-user', displayName: 'Nul\u0000User' });
    expect(res.status).toBe(400);
    await expect(res.json()).resolves.toMatchObject({ status: '400', scimType: 'invalidValue' });
    const group = await scim('POST', '/Groups',
      { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Nul\u0000Group' });
    expect(group.status).toBe(400);
    await expect(group.json()).resolves.toMatchObject({ status: '400', scimType: 'invalidValue' });
  });

  it('clamps a SCIM startIndex or count past every integer type, and refuses a non-integer one', async () => {
    const far = await scim('GET', '/Users?startIndex=9223372036854775808&count=99999999999999999999999999');
    expect(far.status).toBe(200);
    const body = await far.json() as { Resources: unknown[]; totalResults: number };
    expect(body.Resources).toEqual([]);
    expect(body.totalResults).toBeGreaterThan(0);
    const low = await scim('GET', '/Users?startIndex=-5&count=1');
    expect(low.status).toBe(200);
    await expect(low.json()).resolves.toMatchObject({ startIndex: 1, itemsPerPage: 1 });
    const odd = await scim('GET', '/Groups?startIndex=1e3');
    expect(odd.status).toBe(400);
    await expect(odd.json()).resolves.toMatchObject({ scimType: 'invalidValue' });
  });

  it('answers a SCIM filter value with a NUL with a SCIM error', async () => {
    const res = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "a\u0000b"')}`);
    expect(res.status).toBe(400);
    await expect(res.json()).resolves.toMatchObject({ status: '400' });
  });
});

describe('every route, every bad input', () => {
  it('answers without a 5xx, a stack trace or a dropped connection', async () => {
    const only = process.env.BAD_INPUT_ONLY?.split(',').filter(Boolean);
    const providerRoutes = await routesOfProvider(server.issuer);
    const all = [...routesOfRouters(server.foyer.routers), ...providerRoutes];
    expect(all.length).toBeGreaterThan(50);
    const routes = all.filter((r) => !only || only.some((p) => r.path.startsWith(p)));

    // The field names the routes' own forms use, read from every GET page as every identity.
    const fieldsOf = new Map<RouteSpec, Set<string>>(routes.map((r) => [r, new Set(GENERIC_FIELDS)]));
    /** Per identity and route, the forms as rendered to that identity (one per action). */
    const formsOf = new Map<string, PageForm[]>();
    const pages = Object.keys(sessions).flatMap((who) => all.filter((r) => r.method === 'GET').map((r) => ({ who,
      r })));
    await pool(pages, 6, async ({ who, r }) => {
      const path = fillPath(r, (n) => goodParam(who, r, n));
      const res = await fetch(`${server.issuer}${path}`,
        { headers: { cookie: sessions[who].identity.cookie }, redirect: 'manual' });
      const html = await res.text();
      if (!res.headers.get('content-type')?.includes('html')) return;
      for (const form of formsIn(html, path)) {
        for (const route of routes) {
          if (route.method !== form.method || !routeRegExp(route).test(form.action)) continue;
          form.fields.forEach((f) => fieldsOf.get(route)!.add(f));
          const key = `${who} ${route.method} ${route.path}`;
          const known = formsOf.get(key) ?? [];
          if (!known.some((k) => k.fields.join() === form.fields.join())) formsOf.set(key, [...known, form]);
        }
      }
    });

    // The provider's endpoints have no forms of their own: a valid request of the public client
    // stands in, so a bad value in one parameter gets past the client lookup and the checks before storage.
    const authorization = {
      client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI,
      code_challenge: 'x'.repeat(43), code_challenge_method: 'S256',
      state: 's', nonce: 'n', login_hint: 'mia', ui_locales: 'en', max_age: '60', acr_values: 'a', prompt: 'login',
    };
    const requests: Record<string, Record<string, string>> = {
      '/token': { client_id: clientId, grant_type: 'authorization_code', code: 'c', redirect_uri: REDIRECT_URI,
        code_verifier: 'v'.repeat(43) },
      '/token/introspection': { client_id: clientId, token: 't', token_type_hint: 'access_token' },
      '/token/revocation': { client_id: clientId, token: 't', token_type_hint: 'refresh_token' },
      '/session/end': { client_id: clientId, post_logout_redirect_uri: REDIRECT_URI, state: 's', ui_locales: 'en',
        logout_hint: 'mia' },
    };
    for (const route of providerRoutes) {
      const values = Object.entries(requests[route.path] ?? authorization);
      const request: PageForm = { action: route.path, method: route.method, fields: values.map(([name]) => name),
        values, dates: [], numbers: [] };
      for (const who of Object.keys(sessions)) formsOf.set(`${who} ${route.method} ${route.path}`, [request]);
    }

    const variants = (routeList: RouteSpec[]): Variant[] => routeList.flatMap((route) =>
      Object.entries(sessions).flatMap(([who, { identity }]) =>
        variantsOf(route, identity, [...fieldsOf.get(route)!], (n) => goodParam(who, route, n),
          formsOf.get(`${who} ${route.method} ${route.path}`))));
    const phases = [
      variants(routes.filter((r) => !ENDS_SOMETHING.test(r.path) && !ENDS_SESSIONS.test(r.path))),
      variants(routes.filter((r) => ENDS_SOMETHING.test(r.path) && !ENDS_SESSIONS.test(r.path))),
      variants(routes.filter((r) => ENDS_SESSIONS.test(r.path))),
    ];
    const failures: Failure[] = [];
    const started = Date.now();
    // BAD_INPUT_TRACE=1: one route at a time, to find the route after which an identity is no longer signed in.
    if (process.env.BAD_INPUT_TRACE) {
      const byRoute = new Map<string, Variant[]>();
      for (const v of phases.flat()) {
        byRoute.set(`${v.method} ${v.route.path}`, [...(byRoute.get(`${v.method} ${v.route.path}`) ?? []), v]);
      }
      for (const [key, vs] of byRoute) {
        await relaxLockout();
        await pool(vs, 8, (v) => send(server.issuer, v));
        const lost = (await signedInStatuses()).find((s) => s.status !== 200);
        if (lost) {
          const [row] = await server.db.dataSource.query('SELECT locked_at, locked_reason, blocked, '
            + 'deletion_scheduled_at FROM users WHERE login = $1', [lost.who === 'member' ? 'mia' : 'root']);
          throw new Error(`${lost.who} is signed out after ${key}: ${JSON.stringify(row)}`);
        }
      }
    }
    for (const [i, batch] of phases.entries()) {
      await relaxLockout();
      for (const failure of await pool(batch, 8, (v) => send(server.issuer, v))) if (failure) failures.push(failure);
      if (i === 1) {
        // Until the logout endpoints' turn, every identity must still be signed in, or the corpus tested less than it
        // says.
        for (const { who, page, status } of await signedInStatuses()) {
          if (status !== 200) {
            failures.push({ method: 'GET', url: page, route: page, identity: who,
              variant: 'still signed in before the logout endpoints', status });
          }
        }
      }
    }
    const health = await fetch(`${server.issuer}/healthz`).then((r) => r.status, (err) => String(err));
    if (health !== 200) {
      failures.push({ method: 'GET', url: '/healthz', route: '/healthz', identity: 'signed-out',
        variant: 'after the corpus', status: health });
    }

    mkdirSync('/tmp/foyer', { recursive: true });
    writeFileSync(REPORT,
      `# ${new Date().toISOString()} ${phases.flat().length} requests over ${routes.length} routes in `
        + `${Date.now() - started} ms${only ? ` (only ${only.join(',')})` : ''}\n`
      + `# answers: ${answeredSummary()}\n`
      + `# ${failures.length} failures: status, method route, [identity] variant, url, detail\n`
      + `${formatFailures(failures)}\n`);
    expect(formatFailures(failures)).toBe('');
  }, 180_000);
});
