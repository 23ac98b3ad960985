// Requests that cannot be read never take Foyer down nor get a 500: truncated multipart on
// both uploads, an upload refused early, gzip that is not gzip, unknown encodings, malformed
// and oversized bodies on forms and SCIM. Foyer runs as its own process (`npm start`), so a
// crash shows as a dead process, exactly as an operator would see it.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import { loadConfig } from '../../src/config/config.js';
import { createServices } from '../../src/services.js';
import { consoleSession } from '../support/console-session.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { csrfTokenIn, type HttpSession } from '../support/http-session.js';
import { freePort, startFoyerProcess, type FoyerProcess } from '../support/processes.js';
import { testEnv } from '../support/server.js';

let db: TestDatabase;
let foyer: FoyerProcess;
let member: HttpSession;
let admin: HttpSession;
let scimKey: string;

beforeAll(async () => {
  db = await createTestDatabase();
  const services = createServices(loadConfig(testEnv({ DATABASE_URL: db.url })), db.database);
  const root = await services.users.create({ login: 'robust-root', email: 'robust-root@example.com',
    password: 'robust admin pass 1', role: 'ADMIN' }, CLI_ACTOR, ALL_USERS);
  await services.users.create({ login: 'robust-member', email: 'robust-member@example.com',
    password: 'robust member pass 1' }, CLI_ACTOR, ALL_USERS);
  scimKey = await services.apiKeys.generate(root, CLI_ACTOR);
  foyer = await startFoyerProcess({ DATABASE_URL: db.url, PORT: String(await freePort()), LOG_LEVEL: 'warn' });
  member = await consoleSession(foyer.issuer, 'robust-member', 'robust member pass 1', '/account');
  admin = await consoleSession(foyer.issuer, 'robust-root', 'robust admin pass 1');
}, 120_000);

afterAll(async () => {
  await foyer?.stop('SIGKILL');
  await db?.drop();
});

/** The process still serves: its health check and a page answer. */
async function expectAlive(): Promise<void> {
  const health = await fetch(`${foyer.issuer}/healthz`, { signal: AbortSignal.timeout(5000) });
  expect(health.status).toBe(200);
  const home = await fetch(`${foyer.issuer}/`, { signal: AbortSignal.timeout(5000) });
  expect(home.status).toBe(200);
}

function expectNoStack(text: string): void {
  expect(text).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);
  expect(text).not.toMatch(/node_modules|incorrect header check/);
}

/** A multipart body for one file part whose closing boundary never comes. */
function truncatedMultipart(field: string, fileName: string, type: string,
  bytes: number): { body: string; contentType: string } {
  const boundary = '----foyer-truncated-boundary';
  const body = `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="`
    + `${fileName}"\r\nContent-Type: ${type}\r\n\r\n${'x'.repeat(bytes)}`;
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

const tokenFromAction = (html: string, path: string) =>
  decodeURIComponent(new RegExp(`action="${path.replace(/[/?]/g, '\\$&')}\\?_csrf=([^"]+)"`).exec(html)![1]);

describe('truncated multipart', () => {
  it('answers the photo upload with a 4xx or a notice, and the process keeps serving', async () => {
    const token = tokenFromAction(await (await member.get('/account')).text(), '/account/photo');
    const { body, contentType } = truncatedMultipart('photo', 'me.png', 'image/png', 4000);
    const res = await member.post(`/account/photo?_csrf=${encodeURIComponent(token)}`, body,
      { 'content-type': contentType });
    // The photo form answers with its notice on the account page (303) or a 400: never a 5xx, never silence.
    expect(res.status === 303 || (res.status >= 400 && res.status < 500)).toBe(true);
    if (res.status === 303) expect(res.headers.get('location')).toMatch(/^\/account\?photo_error=/);
    await res.arrayBuffer();
    await expectAlive();
  });

  it('answers the CSV import upload with a 4xx, and the process keeps serving', async () => {
    const html = await (await admin.get('/admin/users/import')).text();
    const token = tokenFromAction(html, '/admin/users/import');
    const { body, contentType } = truncatedMultipart('file', 'users.csv', 'text/csv', 4000);
    const res = await admin.post(`/admin/users/import?_csrf=${encodeURIComponent(token)}`, body,
      { 'content-type': contentType });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const text = await res.text();
    expect(text).toContain('The upload could not be read');
    expectNoStack(text);
    await expectAlive();
  });

  it('survives a truncated multipart whose file part has only just begun', async () => {
    const token = tokenFromAction(await (await member.get('/account')).text(), '/account/photo');
    const boundary = 'b0undary';
    const res = await member.post(`/account/photo?_csrf=${encodeURIComponent(token)}`,
      `--${boundary}\r\nContent-Disposition: form-data; name="photo"; filename="a.png"\r\nContent-Type: `
        + `image/png\r\n\r\n`,
      { 'content-type': `multipart/form-data; boundary=${boundary}` });
    expect(res.status).toBeLessThan(500);
    await res.arrayBuffer();
    await expectAlive();
  });
});

describe('an upload refused early', () => {
  it('gets its answer at once, not after the request timeout', async () => {
    const html = await (await admin.get('/admin/users/import')).text();
    const token = tokenFromAction(html, '/admin/users/import');
    const rows: string[] = ['login,email,no_such_column'];
    for (let i = 0; rows.length < 70_000; i += 1) rows.push(`bulk-user-${i},bulk-user-${i}@example.com,x`);
    const csv = `${rows.join('\r\n')}\r\n`;
    expect(csv.length).toBeGreaterThan(3_000_000);
    const form = new FormData();
    form.append('mode', 'invite');
    form.append('file', new Blob([csv], { type: 'text/csv' }), 'users.csv');
    const started = Date.now();
    const res = await fetch(`${foyer.issuer}/admin/users/import?_csrf=${encodeURIComponent(token)}`, {
      method: 'POST', body: form, redirect: 'manual', signal: AbortSignal.timeout(15_000),
      headers: { cookie: (admin as unknown as { cookieHeader(): string }).cookieHeader() },
    });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('no_such_column');
    expect(Date.now() - started).toBeLessThan(10_000);
    await expectAlive();
  }, 30_000);
});

describe('bodies that cannot be read', () => {
  async function forgotPasswordForm(): Promise<string> {
    return csrfTokenIn(await (await member.get('/forgot-password')).text());
  }

  it.each([
    ['gzip that is not gzip', { 'content-encoding': 'gzip' }, 400],
    ['deflate that is not deflate', { 'content-encoding': 'deflate' }, 400],
    ['an unknown content encoding', { 'content-encoding': 'rot13' }, 415],
  ])('a form with %s gets a 4xx page', async (_, headers, status) => {
    const token = await forgotPasswordForm();
    for (const path of ['/forgot-password', '/account/profile']) {
      const res = await member.post(path,
        new URLSearchParams({ _csrf: token, identifier: 'someone', nickname: 'x' }).toString(),
        { 'content-type': 'application/x-www-form-urlencoded', ...headers });
      expect(res.status).toBe(status);
      const text = await res.text();
      expect(text).toContain('could not be read');
      expectNoStack(text);
    }
    await expectAlive();
  });

  it('malformed JSON and an oversized form get a 4xx', async () => {
    const json = await member.post('/forgot-password', '{"identifier": ',
      { 'content-type': 'application/json', accept: 'application/json' });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: 'unreadable_body' });
    const big = await member.post('/forgot-password', `identifier=${'a'.repeat(200_000)}`,
      { 'content-type': 'application/x-www-form-urlencoded' });
    expect(big.status).toBe(413);
    expectNoStack(await big.text());
    await expectAlive();
  });

  async function scim(body: string,
    headers: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${foyer.issuer}/scim/v2/Users`, {
      method: 'POST', body,
      headers: { authorization: `Bearer ${scimKey}`, 'content-type': 'application/scim+json', ...headers },
    });
    expect(res.headers.get('content-type')).toContain('application/scim+json');
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  it.each([
    ['gzip that is not gzip', '{"userName":"x"}', { 'content-encoding': 'gzip' }, 400],
    ['an unknown content encoding', '{"userName":"x"}', { 'content-encoding': 'br2' }, 415],
    ['malformed JSON', '{"userName": ', {}, 400],
    ['a body over the limit', JSON.stringify({ userName: 'x', displayName: 'y'.repeat(1_200_000) }), {}, 413],
  ])('SCIM answers %s with a SCIM error', async (_, body, headers, status) => {
    const res = await scim(body, headers);
    expect(res.status).toBe(status);
    expect(res.json).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: String(status) });
    expectNoStack(JSON.stringify(res.json));
    await expectAlive();
  });
});
