// /u/<login>: off until the user turns it on (the same 404 as an unknown login for every
// account without one), then the public built-in and custom fields only, and a per-IP limit.
import { ALL_USERS } from '../../src/platform/access.js';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { consoleSession, formToken } from '../support/console-session.js';
import { startTestServer, type TestServer } from '../support/server.js';

const LIMIT = 40;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ FOYER_PUBLIC_PROFILE_REQUESTS_PER_IP: String(LIMIT) });
  const { settings } = server.foyer.services;
  await settings.addCustomField({ key: 'country', label: 'Country', type: 'text', defaultPrivacy: 'public' },
    CLI_ACTOR);
  await settings.addCustomField({ key: 'badge', label: 'Badge number', type: 'text', defaultPrivacy: 'on_request' },
    CLI_ACTOR);
  await settings.addCustomField({ key: 'salary', label: 'Salary', type: 'number', defaultPrivacy: 'private' },
    CLI_ACTOR);
});

afterAll(async () => {
  await server?.close();
});

async function createUser(login: string) {
  return server.foyer.services.users.create({
    login, email: `${login}@example.com`, password: 'looking glass 7', nickname: `${login} nick`,
    givenName: 'Alice', familyName: 'Liddell',
    custom: { 'custom.country': 'France', 'custom.badge': 'B-7', 'custom.salary': '5000' },
  }, CLI_ACTOR, ALL_USERS);
}

async function get(path: string, json = false) {
  const res = await fetch(`${server.issuer}${path}`, json ? { headers: { accept: 'application/json' } } : {});
  // Error pages carry a per-request reference: the same page apart from it.
  const body = (await res.text()).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'REF');
  return { status: res.status, body, retryAfter: res.headers.get('retry-after') };
}

it('is off by default: the same 404 page as an unknown login', async () => {
  await createUser('ivy');
  const unknown = await get('/u/nobody-at-all');
  const off = await get('/u/ivy');
  expect(unknown.status).toBe(404);
  expect(off.status).toBe(404);
  expect(off.body).toBe(unknown.body.replaceAll('nobody-at-all', 'ivy'));
  expect(off.body).not.toContain('ivy nick');
  expect((await get('/u/ivy', true)).status).toBe(404);
  expect((await get('/u/ivy', true)).body).toBe((await get('/u/nobody-at-all', true)).body);
});

it('when on, shows nickname and public custom fields, never private or on-request ones', async () => {
  const user = await createUser('jade');
  await server.foyer.services.users.setPublicProfile(user.id, true, CLI_ACTOR, ALL_USERS);
  const json = await get('/u/jade', true);
  expect(json.status).toBe(200);
  expect(JSON.parse(json.body)).toEqual({ login: 'jade', nickname: 'jade nick', custom_fields: { country: 'France' } });
  const html = await get('/u/jade');
  expect(html.status).toBe(200);
  expect(html.body).toContain('jade nick');
  expect(html.body).toContain('Country');
  expect(html.body).toContain('France');
  for (const hidden of ['B-7', 'Badge number', '5000', 'Salary', 'Liddell', 'jade@example.com']) {
    expect(html.body).not.toContain(hidden);
  }
  const [event] = await server.db.dataSource.query(
    "SELECT action FROM audit_events WHERE target_user_id = $1 AND action LIKE 'user.public_profile%'", [user.id]);
  expect(event).toEqual({ action: 'user.public_profile_on' });
});

it('answers the same 404 for blocked, locked and deleted accounts with the profile on', async () => {
  const { users, lifecycle } = server.foyer.services;
  const unknown = await get('/u/nobody-at-all');
  const blocked = await createUser('kira');
  await users.setPublicProfile(blocked.id, true, CLI_ACTOR, ALL_USERS);
  await lifecycle.block(blocked.id, CLI_ACTOR, ALL_USERS);
  const locked = await createUser('lena');
  await users.setPublicProfile(locked.id, true, CLI_ACTOR, ALL_USERS);
  await server.db.dataSource.query('UPDATE users SET locked_at = now() WHERE id = $1', [locked.id]);
  const deleted = await createUser('mona');
  await users.setPublicProfile(deleted.id, true, CLI_ACTOR, ALL_USERS);
  await lifecycle.scheduleDeletion(deleted.id, 14, CLI_ACTOR);
  for (const login of ['kira', 'lena', 'mona']) {
    const res = await get(`/u/${login}`);
    expect(res.status).toBe(404);
    expect(res.body).toBe(unknown.body.replaceAll('nobody-at-all', login));
  }
});

it('turned off again, answers 404 again', async () => {
  const user = await createUser('nell');
  await server.foyer.services.users.setPublicProfile(user.id, true, CLI_ACTOR, ALL_USERS);
  expect((await get('/u/nell')).status).toBe(200);
  await server.foyer.services.users.setPublicProfile(user.id, false, CLI_ACTOR, ALL_USERS);
  expect((await get('/u/nell')).status).toBe(404);
});

it('is turned on from /account with CSRF, a repeated post changes nothing, and the console shows it', async () => {
  const user = await createUser('opal');
  await server.foyer.services.users.create({ login: 'root', password: 'looking glass 7', role: 'ADMIN' }, CLI_ACTOR,
    ALL_USERS);
  const admin = await consoleSession(server.issuer, 'root', 'looking glass 7');
  const before = await (await admin.get(`/admin/users/${user.id}`)).text();
  expect(before).toMatch(/Public profile[^.]*<strong>off<\/strong>/);

  const session = await consoleSession(server.issuer, 'opal', 'looking glass 7', '/account');
  expect((await session.postForm('/account/public-profile', { public_profile: 'on' })).status).toBe(403);
  const bad = await session.postForm('/account/public-profile',
    { public_profile: 'maybe', _csrf: await formToken(session, '/account') });
  expect(bad.status).toBeGreaterThanOrEqual(400);
  expect(bad.status).toBeLessThan(500);
  for (let i = 0; i < 2; i++) {
    const res = await session.postForm('/account/public-profile',
      { public_profile: 'on', _csrf: await formToken(session, '/account') });
    expect(res.status).toBe(303);
  }
  expect((await get('/u/opal')).status).toBe(200);
  const events = await server.db.dataSource.query(
    "SELECT action, actor_type FROM audit_events WHERE target_user_id = $1 AND action LIKE 'user.public_profile%'",
    [user.id]);
  expect(events).toEqual([{ action: 'user.public_profile_on', actor_type: 'user' }]);
  const after = await (await admin.get(`/admin/users/${user.id}`)).text();
  expect(after).toMatch(/Public profile[^.]*<strong>on<\/strong>/);
});

it('refuses an address over the limit with a 429 page and Retry-After', async () => {
  let last = await get('/u/nobody-at-all');
  for (let i = 0; i < LIMIT + 1 && last.status !== 429; i++) last = await get(`/u/guess-${i}`);
  expect(last.status).toBe(429);
  expect(Number(last.retryAfter)).toBeGreaterThan(0);
  expect(last.body).toContain('Too many profile pages');
  const json = await get('/u/jade', true);
  expect(json.status).toBe(429);
  expect(JSON.parse(json.body)).toMatchObject({ error: 'too_many_requests' });
});
