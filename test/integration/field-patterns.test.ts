// Issue 14, finding 9: an Administrator's custom-field pattern must never stall Foyer. With
// `([A-Za-z]+ ?)+` a backtracking engine needs ~2^n steps for n letters and a `!`: 35 letters
// held the event loop about twenty minutes. Patterns now run on a linear-time engine (re2js);
// a pattern it cannot run is refused when saved, with the reason; a stored one it cannot run
// is ignored (never enforced, never a crash) and the settings page says so.
//
// Foyer runs as its own process (`npm start`): a stalled event loop there shows as a request
// that does not answer in time, while this test's own timers keep running.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import { loadConfig } from '../../src/config/config.js';
import { createServices } from '../../src/services.js';
import { consoleSession, formToken } from '../support/console-session.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import type { HttpSession } from '../support/http-session.js';
import { freePort, startFoyerProcess, type FoyerProcess } from '../support/processes.js';
import { testEnv } from '../support/server.js';

const EVIL = '([A-Za-z]+ ?)+';
const EVIL_INPUT = `${'a'.repeat(35)}!`;
/** Far more than a linear-time check needs, far less than the backtracking one takes. */
const FAST_MS = 2000;

let db: TestDatabase;
let foyer: FoyerProcess;
let member: HttpSession;
let admin: HttpSession;
let memberId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  const services = createServices(loadConfig(testEnv({ DATABASE_URL: db.url })), db.database);
  await services.users.create({ login: 'pattern-root', password: 'pattern admin pass 1', role: 'ADMIN' }, CLI_ACTOR,
    ALL_USERS);
  memberId = (await services.users.create({ login: 'pattern-member', email: 'pm@example.com',
    password: 'pattern member pass 1' }, CLI_ACTOR, ALL_USERS)).id;
  await services.settings.addCustomField({ key: 'motto', label: 'Motto', type: 'text', pattern: EVIL }, CLI_ACTOR);
  await services.settings.addCustomField({ key: 'badge', label: 'Badge', type: 'text', pattern: '[A-Z]{2}-\\d{3}' },
    CLI_ACTOR);
  // Saved before patterns were checked at save time: JavaScript runs it, the linear-time engine cannot (a lookahead).
  await db.dataSource.query(
    `INSERT INTO custom_fields (key, label, type, required, pattern, options, default_privacy, position)
     VALUES ('legacy', 'Legacy', 'text', false, '(?=[A-Z])\\w+', '[]'::jsonb, 'private', 9)`);
  foyer = await startFoyerProcess({ DATABASE_URL: db.url, PORT: String(await freePort()), LOG_LEVEL: 'warn' });
  member = await consoleSession(foyer.issuer, 'pattern-member', 'pattern member pass 1', '/account');
  admin = await consoleSession(foyer.issuer, 'pattern-root', 'pattern admin pass 1');
}, 120_000);

afterAll(async () => {
  // SIGKILL: before the fix the process is stuck in a regular expression and would not hear SIGTERM.
  await foyer?.stop('SIGKILL');
  await db?.drop();
});

/** Times `send`; a request that does not answer within FAST_MS fails the test at once. */
async function answersFast(send: (signal: AbortSignal) => Promise<Response>): Promise<Response> {
  const started = Date.now();
  const res = await send(AbortSignal.timeout(FAST_MS));
  await res.clone().arrayBuffer();
  expect(Date.now() - started).toBeLessThan(FAST_MS);
  const health = await fetch(`${foyer.issuer}/healthz`, { signal: AbortSignal.timeout(FAST_MS) });
  expect(health.status).toBe(200);
  return res;
}

const accountForm = (custom: Record<string, string>, token: string) =>
  ({ login: 'pattern-member', email: 'pm@example.com', nickname: '', given_name: '', family_name: '', birthdate: '',
    picture: '', ...custom, _csrf: token });

/** A form POST with this browser's cookies that gives up after FAST_MS. */
function postWithin(session: HttpSession, path: string, fields: Record<string, string>) {
  return answersFast((signal) => {
    const body = new URLSearchParams(fields).toString();
    return Promise.race([
      session.post(path, body, { 'content-type': 'application/x-www-form-urlencoded' }),
      new Promise<never>((_,
        reject) => signal.addEventListener('abort',
        () => reject(new Error(`${path} did not answer within ${FAST_MS} ms`)))),
    ]);
  });
}

it('the account page answers the evil input at once, and says it does not match', async () => {
  const res = await postWithin(member, '/account/profile',
    accountForm({ 'custom.motto': EVIL_INPUT }, await formToken(member, '/account')));
  expect(res.status).toBe(422);
  expect(await res.text()).toContain('Does not match the expected format');
}, 15_000);

it('the console answers the evil input at once', async () => {
  const token = await formToken(admin, `/admin/users/${memberId}/edit`);
  const res = await postWithin(admin, `/admin/users/${memberId}`,
    { ...accountForm({ 'custom.motto': EVIL_INPUT }, token) });
  expect(res.status).toBe(422);
}, 15_000);

it('a CSV import row with the evil input is judged at once and the process keeps serving', async () => {
  const html = await (await admin.get('/admin/users/import')).text();
  const token = decodeURIComponent(/action="\/admin\/users\/import\?_csrf=([^"]+)"/.exec(html)![1]);
  const form = new FormData();
  form.append('mode', 'invite');
  form.append('file',
    new Blob([`login,email,custom.motto\r\ncsv-evil,csv-evil@example.com,${EVIL_INPUT}\r\n`
      + 'csv-fine,csv-fine@example.com,Hello World\r\n'], { type: 'text/csv' }), 'users.csv');
  const res = await answersFast(() => admin.post(`/admin/users/import?_csrf=${encodeURIComponent(token)}`, form));
  expect(res.status).toBe(303);
  const id = /\/admin\/imports\/(\d+)$/.exec(res.headers.get('location')!)![1];
  const started = Date.now();
  let status = '';
  while (Date.now() - started < 10_000) {
    [{ status }] = await db.dataSource.query('SELECT status FROM import_jobs WHERE id = $1', [id]);
    if (status !== 'uploading' && status !== 'analyzing') break;
    const health = await fetch(`${foyer.issuer}/healthz`, { signal: AbortSignal.timeout(FAST_MS) });
    expect(health.status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(status).toBe('ready');
  const page = await (await admin.get(`/admin/imports/${id}`)).text();
  expect(page).toContain('Does not match the expected format');
}, 30_000);

it('valid values still pass their patterns and wrong ones are still refused', async () => {
  let res = await postWithin(member, '/account/profile',
    accountForm({ 'custom.motto': 'Curiouser and curiouser', 'custom.badge': 'AB-123' },
      await formToken(member, '/account')));
  expect(res.status).toBe(303);
  res = await postWithin(member, '/account/profile',
    accountForm({ 'custom.badge': 'ab-12' }, await formToken(member, '/account')));
  expect(res.status).toBe(422);
}, 15_000);

it('a pattern the linear-time engine cannot run is refused when saved, with the reason by the field', async () => {
  const token = await formToken(admin, '/admin/settings');
  let res = await admin.postForm('/admin/settings/custom-fields',
    { key: 'twice', label: 'Twice', type: 'text', pattern: '(ab)\\1', defaultPrivacy: 'private', _csrf: token });
  expect(res.status).toBe(422);
  let html = await res.text();
  expect(html).toMatch(/id="pattern-error">[^<]*[Bb]ackreference/);
  res = await admin.postForm('/admin/settings/custom-fields/badge',
    { label: 'Badge', type: 'text', pattern: '(?=[A-Z])\\w+', defaultPrivacy: 'private', _csrf: token });
  expect(res.status).toBe(422);
  html = await res.text();
  expect(html).toMatch(/id="pattern-error">[^<]*[Ll]ookaround/);
  const [{ n }] = await db.dataSource.query("SELECT count(*)::int AS n FROM custom_fields WHERE key = 'twice' OR "
    + "pattern LIKE '(?=%' AND key = 'badge'");
  expect(n).toBe(0);
});

it('a stored pattern the engine cannot run is ignored, never a crash, and the settings page says so', async () => {
  const res = await postWithin(member, '/account/profile',
    accountForm({ 'custom.legacy': 'Zed' }, await formToken(member, '/account')));
  expect(res.status).toBe(303);
  const settings = await (await admin.get('/admin/settings')).text();
  expect(settings).toMatch(/Legacy[^]*?not enforced/);
  const edit = await (await admin.get('/admin/settings/custom-fields/legacy')).text();
  expect(edit).toMatch(/id="pattern-error">[^<]*[Ll]ookaround/);
}, 15_000);
