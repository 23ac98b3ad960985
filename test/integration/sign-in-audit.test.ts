// Sign-ins in the audit log (issue 17 item 13): through the real sign-in page, every success,
// failure and refusal is recorded with the address and the application; an unknown identifier
// only as a hash; automatic lockouts and the unlock of a lapsed lock; and a self-service reset
// request names the account when it exists, though the page answers the same either way.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import { CONSOLE_CLIENT_ID } from '../../src/oidc/console-client.js';
import { identifierHash } from '../../src/users/sign-in-audit.js';
import { consoleSession } from '../support/console-session.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const PASSWORD = 'audited sign in 1';

beforeAll(async () => {
  server = await startTestServer();
  await server.foyer.services.settings.updateLockout({ maxFailures: 3, windowMinutes: 15, lockMinutes: 30 }, CLI_ACTOR);
});
afterAll(() => server?.close());

interface Event { action: string; target_user_id: string | null; details: Record<string, unknown> }
const eventsSince = async (id: number): Promise<Event[]> => server.db.dataSource.query(
  'SELECT action, target_user_id::text, details FROM audit_events WHERE id > $1 ORDER BY id', [id]);
const lastId = async () => Number((await server.db.dataSource.query(
  'SELECT coalesce(max(id), 0) AS n FROM audit_events'))[0].n);
const signInEvents = (events: Event[]) => events.filter((e) => /sign|locked|unlocked/.test(e.action));

it('records a sign-in with its address and application, and a wrong password against the account', async () => {
  const { users } = server.foyer.services;
  const ann = await users.create({ login: 'audit-ann', password: PASSWORD, role: 'ADMIN' }, CLI_ACTOR, ALL_USERS);
  const since = await lastId();
  await consoleSession(server.issuer, 'audit-ann', PASSWORD);
  await expect(consoleSession(server.issuer, 'audit-ann', 'not the password 1')).rejects.toThrow();
  const events = signInEvents(await eventsSince(since));
  expect(events).toEqual([
    { action: 'user.signed_in', target_user_id: ann.id,
      details: { ip: expect.stringMatching(/127\.0\.0\.1/), application: CONSOLE_CLIENT_ID } },
    { action: 'user.sign_in_failed', target_user_id: ann.id,
      details: { ip: expect.any(String), application: CONSOLE_CLIENT_ID, reason: 'wrong_password' } },
  ]);
  expect(JSON.stringify(events)).not.toContain('not the password');
});

it('records an unknown identifier only as a hash', async () => {
  const since = await lastId();
  await expect(consoleSession(server.issuer, 'Nobody@Example.com', PASSWORD)).rejects.toThrow();
  const [event] = signInEvents(await eventsSince(since));
  expect(event).toEqual({ action: 'sign_in.failed', target_user_id: null, details: { ip: expect.any(String),
    application: CONSOLE_CLIENT_ID, identifier: identifierHash('nobody@example.com'), reason: 'unknown_account' } });
  expect(JSON.stringify(event)).not.toMatch(/nobody/i);
});

it('records a refusal by status, the automatic lockout, and the unlock when a lapsed lock is cleared', async () => {
  const { users, lifecycle } = server.foyer.services;
  const bea = await users.create({ login: 'audit-bea', password: PASSWORD }, CLI_ACTOR, ALL_USERS);
  await lifecycle.block(bea.id, CLI_ACTOR, ALL_USERS);
  let since = await lastId();
  await consoleSession(server.issuer, 'audit-bea', PASSWORD, '/account');
  expect(signInEvents(await eventsSince(since)).map((e) => [e.action, e.details.reason]))
    .toEqual([['user.sign_in_refused', 'blocked']]);
  await lifecycle.unblock(bea.id, CLI_ACTOR, ALL_USERS);

  since = await lastId();
  for (let i = 0; i < 3; i += 1) {
    await expect(consoleSession(server.issuer, 'audit-bea', 'wrong password 1', '/account')).rejects.toThrow();
  }
  expect(signInEvents(await eventsSince(since)).map((e) => e.action)).toEqual(['user.sign_in_failed',
    'user.sign_in_failed', 'user.sign_in_failed', 'user.locked']);
  // The lock runs out; the next sign-in clears it, and says so.
  await server.db.dataSource.query("UPDATE users SET locked_until = now() - interval '1 minute' WHERE id = $1",
    [bea.id]);
  since = await lastId();
  await consoleSession(server.issuer, 'audit-bea', PASSWORD, '/account');
  expect(signInEvents(await eventsSince(since)).map((e) => [e.action, e.details.automatic ?? null]))
    .toEqual([['user.signed_in', null], ['user.unlocked', true]]);
});

it('names the account of a self-service reset request when it exists, answering the same either way', async () => {
  const { users, links } = server.foyer.services;
  const cid = await users.create({ login: 'audit-cid', email: 'cid@example.com', password: PASSWORD }, CLI_ACTOR,
    ALL_USERS);
  const since = await lastId();
  await links.requestPasswordReset('cid@example.com', '203.0.113.5');
  await links.requestPasswordReset('nobody-here@example.com', '203.0.113.5');
  const events = (await eventsSince(since)).filter((e) => e.action === 'user.password_reset_requested');
  expect(events.map((e) => e.target_user_id)).toEqual([cid.id, null]);
});

it('shows the details of events as words on the Events page, not JSON', async () => {
  const { users } = server.foyer.services;
  await users.create({ login: 'audit-reader', password: PASSWORD, role: 'ADMIN' }, CLI_ACTOR, ALL_USERS);
  await expect(consoleSession(server.issuer, 'audit-reader', 'not it at all 1')).rejects.toThrow();
  const session = await consoleSession(server.issuer, 'audit-reader', PASSWORD);
  const html = await (await session.get('/admin/events?action=user.sign_in_failed')).text();
  expect(html).toContain('reason wrong password');
  expect(html).toContain(`application ${CONSOLE_CLIENT_ID}`);
  expect(html).not.toMatch(/\{&quot;|\{"ip"/);
});
