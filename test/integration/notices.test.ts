// Issue 14, finding 7: pages show notices chosen by a code from a fixed set, never text taken
// from the URL. A crafted link cannot put words on Foyer's own pages (a phishing lure on a
// trusted origin); the real flows still say the right thing.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import { consoleSession, formToken } from '../support/console-session.js';
import type { HttpSession } from '../support/http-session.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'console password 1';
const LURE = 'Your account is suspended, call +1 555 0100 now';
let server: TestServer;
let admin: HttpSession;
let member: HttpSession;
let memberId: string;

beforeAll(async () => {
  server = await startTestServer();
  const { users } = server.foyer.services;
  await users.create({ login: 'root', password: PASSWORD, role: 'ADMIN' }, CLI_ACTOR, ALL_USERS);
  memberId = (await users.create({ login: 'mia', email: 'mia@example.com', password: PASSWORD }, CLI_ACTOR,
    ALL_USERS)).id;
  [admin, member] = await Promise.all([consoleSession(server.issuer, 'root', PASSWORD),
    consoleSession(server.issuer, 'mia', PASSWORD, '/account')]);
});

afterAll(async () => {
  await server?.close();
});

const page = async (session: HttpSession, path: string) => {
  const res = await session.get(path);
  expect(res.status).toBe(200);
  return res.text();
};

it('text from the URL never appears as a notice', async () => {
  const lure = encodeURIComponent(LURE);
  const crafted: [HttpSession, string][] = [
    [member, `/account?photo_error=${lure}`],
    [member, `/account?done=${lure}`],
    [admin, `/admin/users?deleted=${lure}`],
    [admin, `/admin/apps?deleted=${lure}`],
    [admin, `/admin/users/${memberId}?done=${lure}&problem=${lure}`],
  ];
  for (const [session, path] of crafted) expect(await page(session, path)).not.toContain('call +1 555 0100');
});

it('a code that names a property of every object shows no notice', async () => {
  const paths: [HttpSession, string][] = [];
  for (const code of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    paths.push([member, `/account?done=${code}&photo_error=${code}`],
      [admin, `/admin/users/${memberId}?done=${code}&problem=${code}`],
      [admin, `/admin/groups?done=${code}`], [admin, `/admin/settings?done=${code}`],
      [admin, `/admin/organizations?done=${code}`]);
  }
  for (const [session, path] of paths) {
    const html = await page(session, path);
    expect(html).not.toMatch(/native code|\[object Object\]|function /);
    expect(html).not.toContain('class="notice"');
  }
});

it('a refused photo upload still says why', async () => {
  const form = new FormData();
  form.append('photo', new Blob([Buffer.from('not an image at all')], { type: 'image/png' }), 'fake.png');
  const token = await formToken(member, '/account');
  const res = await member.post(`/account/photo?_csrf=${encodeURIComponent(token)}`, form);
  expect(res.status).toBe(303);
  const location = res.headers.get('location')!;
  expect(location).not.toContain('Choose');
  expect(await page(member, location)).toContain('Choose a PNG, JPEG or WebP image');
});

it('deleting a user names who was deleted; deleting an application says so', async () => {
  const eve = await server.foyer.services.users.create({ login: 'eve', password: PASSWORD }, CLI_ACTOR, ALL_USERS);
  const res = await admin.postForm(`/admin/users/${eve.id}/actions/delete`,
    { _csrf: await formToken(admin, `/admin/users/${eve.id}/actions/delete`) });
  expect(res.status).toBe(303);
  const location = res.headers.get('location')!;
  expect(location).not.toContain('eve');
  expect(await page(admin, location)).toContain('eve was deleted.');

  const app = await server.foyer.services.applications.create({
    name: 'Croquet Ground', redirectUris: ['https://croquet.example.com/cb'], postLogoutRedirectUris: [], grantTypes: ['authorization_code'], isPublic: false,
  }, CLI_ACTOR);
  const deleted = await admin.postForm(`/admin/apps/${app.client_id}/delete`,
    { _csrf: await formToken(admin, `/admin/apps/${app.client_id}/delete`) });
  expect(deleted.status).toBe(303);
  expect(deleted.headers.get('location')).not.toContain('Croquet');
  expect(await page(admin,
    deleted.headers.get('location')!)).toContain('was deleted, with every grant and token issued to it.');
});

it('cancelling an invitation says so', async () => {
  const invited = await server.foyer.services.links.invite({ email: 'hare@example.com' }, CLI_ACTOR, { kind: 'all' });
  const res = await admin.postForm(`/admin/users/${invited.id}/actions/cancel-invitation`,
    { _csrf: await formToken(admin, `/admin/users/${invited.id}/actions/cancel-invitation`) });
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).not.toContain('hare');
  expect(await page(admin,
    res.headers.get('location')!)).toContain('The invitation was cancelled and the pending account removed.');
});
