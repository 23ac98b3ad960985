// The account pages: only for the signed-in user, every change behind the CSRF check
// (the photo upload's token travels in its action URL), nothing changed by a refused request.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import { consoleSession, formToken } from '../support/console-session.js';
import { directoryState } from '../support/directory-state.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  await server.foyer.services.users.create({ login: 'jade', email: 'jade@example.com', password: 'emerald city 4' },
    CLI_ACTOR, ALL_USERS);
});
afterAll(() => server?.close());

const POSTS: [string, Record<string, string>][] = [
  ['/account/profile', { login: 'jade', email: 'stolen@example.com' }],
  ['/account/privacy', { field: 'email', level: 'public' }],
  ['/account/public-profile', { public_profile: 'on' }],
  ['/account/identifiers/remove', { kind: 'login' }],
  ['/account/sessions/sign-out-others', {}],
  ['/account/password',
    { current_password: 'emerald city 4', password: 'hijacked pass 1', password_confirm: 'hijacked pass 1' }],
  ['/account/delete', { password: 'emerald city 4' }],
  ['/account/photo/remove', {}],
];

it('sends a signed-out browser to sign in, for pages and posts alike', async () => {
  for (const path of ['/account', '/account/export', '/account/delete']) {
    const res = await fetch(`${server.issuer}${path}`, { redirect: 'manual' });
    expect([path, res.status, res.headers.get('location')]).toEqual([path, 302,
      `/account/login?next=${encodeURIComponent(path)}`]);
  }
  const res = await fetch(`${server.issuer}/account/profile`,
    { method: 'POST', redirect: 'manual', body: new URLSearchParams({ nickname: 'x' }) });
  expect(res.status).toBe(302);
});

it.each(POSTS)('refuses %s without a valid CSRF token and changes nothing', async (path, form) => {
  const session = await consoleSession(server.issuer, 'jade', 'emerald city 4', '/account');
  const other = await consoleSession(server.issuer, 'jade', 'emerald city 4', '/account');
  const before = await directoryState(server.db.dataSource);
  for (const token of [undefined, 'x'.repeat(43), await formToken(other, '/account')]) {
    const res = await session.postForm(path, token ? { ...form, _csrf: token } : form);
    expect([path, res.status]).toEqual([path, 403]);
  }
  expect(await directoryState(server.db.dataSource)).toEqual(before);
});

it('refuses a photo upload without the token in its action URL', async () => {
  const session = await consoleSession(server.issuer, 'jade', 'emerald city 4', '/account');
  const body = '--b\r\nContent-Disposition: form-data; name="photo"; filename="a.png"\r\nContent-Type: '
    + 'image/png\r\n\r\nxx\r\n--b--\r\n';
  const res = await session.post('/account/photo', body, { 'content-type': 'multipart/form-data; boundary=b' });
  expect(res.status).toBe(403);
});
