// The outbox without a mail server (the dev outbox) and with a dead one, and the flows'
// bookkeeping: resend replaces the link, cancel removes the pending account, setting a
// password unlocks, changing an address asks for its confirmation.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { createViews } from '../../src/platform/views.js';
import { createMailDelivery } from '../../src/users/mail-worker.js';
import { createMailTransport } from '../../src/mail/transport.js';
import { createServices, type Services } from '../../src/services.js';
import { consoleSession } from '../support/console-session.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer, testEnv, type TestServer } from '../support/server.js';
import { linksIn } from '../support/smtp.js';

const ALL = { kind: 'all' } as const;
let db: TestDatabase;
let services: Services;

beforeAll(async () => {
  db = await createTestDatabase();
  services = createServices(loadConfig(testEnv({ DATABASE_URL: db.url })), db.database);
});

afterAll(async () => {
  await db?.drop();
});

function delivery(smtpUrl?: string, maxAttempts = 3) {
  const config = loadConfig(testEnv({ DATABASE_URL: db.url, ...(smtpUrl ? { SMTP_URL: smtpUrl } : {}),
    FOYER_MAIL_MAX_ATTEMPTS: String(maxAttempts) }));
  return createMailDelivery({
    outbox: services.outbox, tokens: services.tokens, users: services.users,
    transport: createMailTransport(config.mail),
    views: createViews(), config: config.mail, issuer: 'https://id.example.test', logger: createLogger('silent'),
  });
}

async function deliverAll(d: ReturnType<typeof delivery>) {
  for (const row of await services.outbox.queue.claim(100)) await d.deliver(row);
}

const outboxRows = (to: string) => db.dataSource.query(
  'SELECT template, status, attempts, last_error, text_body FROM mail_outbox WHERE to_address = $1 ORDER BY id', [to]);

it('without SMTP keeps the message readable in the dev outbox, with a working link', async () => {
  const user = await services.links.invite({ email: 'dev@example.com' }, CLI_ACTOR, ALL);
  await deliverAll(delivery());
  const [row] = await outboxRows('dev@example.com');
  expect(row).toMatchObject({ template: 'invitation', status: 'outbox' });
  const [link] = linksIn(row.text_body);
  expect(link).toMatch(/^https:\/\/id\.example\.test\/invitation\/[A-Za-z0-9_-]{43}$/);
  const token = link.split('/').pop()!;
  await expect(services.links.inspect('invitation', token)).resolves.toMatchObject({ state: 'valid',
    token: { user_id: user.id } });
  // Only the hash is stored.
  expect((await db.dataSource.query('SELECT count(*)::int AS n FROM one_time_tokens WHERE token_hash = $1',
    [token]))[0].n).toBe(0);
});

it('resending an invitation supersedes the old link; cancelling removes the pending account', async () => {
  const user = await services.links.invite({ email: 'twice@example.com' }, CLI_ACTOR, ALL);
  const d = delivery();
  await deliverAll(d);
  const first = linksIn((await outboxRows('twice@example.com'))[0].text_body)[0].split('/').pop()!;
  await services.links.resendInvitation(user.id, CLI_ACTOR, ALL);
  await expect(services.links.inspect('invitation', first)).resolves.toEqual({ state: 'superseded' });
  await deliverAll(d);
  const second = linksIn((await outboxRows('twice@example.com'))[1].text_body)[0].split('/').pop()!;
  await expect(services.links.inspect('invitation', second)).resolves.toMatchObject({ state: 'valid' });

  await services.links.cancelInvitation(user.id, CLI_ACTOR, ALL);
  expect(await services.users.findById(user.id)).toBeNull();
  // Both links say the invitation was cancelled; only their hashes stay, belonging to no one.
  await expect(services.links.inspect('invitation', second)).resolves.toEqual({ state: 'cancelled' });
  await expect(services.links.inspect('invitation', first)).resolves.toEqual({ state: 'cancelled' });
  await expect(services.links.acceptInvitation(second, 'a fine password 1', 'a fine password 1')).rejects
    .toMatchObject({ state: 'cancelled' });
  expect((await db.dataSource.query(
    "SELECT count(*)::int AS n FROM one_time_tokens WHERE purpose = 'invitation' AND user_id IS NULL"))[0].n).toBe(2);
});

it('accepting an invitation confirms the address it went to; an address changed since still needs its own link',
  async () => {
    const d = delivery();
    const kept = await services.links.invite({ email: 'kept@example.com' }, CLI_ACTOR, ALL);
    const moved = await services.links.invite({ email: 'before@example.com' }, CLI_ACTOR, ALL);
    await deliverAll(d);
    const linkOf = async (to: string) => linksIn((await outboxRows(to))[0].text_body)[0].split('/').pop()!;
    const [keptLink, movedLink] = [await linkOf('kept@example.com'), await linkOf('before@example.com')];

    await services.links.acceptInvitation(keptLink, 'garden gnome 41', 'garden gnome 41');
    expect(await services.users.findById(kept.id)).toMatchObject({ invitedAt: null, emailVerified: true });
    expect((await outboxRows('kept@example.com')).map((r: { template: string }) => r.template)).toEqual(['invitation']);
    const [accepted] = await db.dataSource.query('SELECT details FROM audit_events WHERE target_user_id = $1 AND '
      + "action = 'user.invitation_accepted'", [kept.id]);
    expect(accepted.details).toEqual({ emailVerified: true });

    // The link went to the old address: opening it proves nothing about the new one.
    await services.users.update(moved.id, { email: 'after@example.com' }, CLI_ACTOR, ALL);
    await services.links.acceptInvitation(movedLink, 'garden gnome 42', 'garden gnome 42');
    expect(await services.users.findById(moved.id)).toMatchObject({ invitedAt: null, emailVerified: false });
    expect(await outboxRows('after@example.com')).toContainEqual(expect.objectContaining({
      template: 'email-verification' }));
  });

it('a reset link replaced by a newer one says so', async () => {
  const user = await services.users.create({ login: 'twolinks', email: 'twolinks@example.com',
    password: 'old secret 1' }, CLI_ACTOR, ALL_USERS);
  const first = (await services.links.recoveryLink(user.id, CLI_ACTOR, ALL)).url.split('/').pop()!;
  const second = (await services.links.recoveryLink(user.id, CLI_ACTOR, ALL)).url.split('/').pop()!;
  await expect(services.links.inspect('reset', first)).resolves.toEqual({ state: 'superseded' });
  await expect(services.links.completeReset(first, 'new secret 22', 'new secret 22')).rejects
    .toMatchObject({ state: 'superseded', message: 'A newer link was sent; this one no longer works.' });
  await expect(services.links.inspect('reset', second)).resolves.toMatchObject({ state: 'valid' });
});

it('gives up after the last attempt and keeps the error for admins', async () => {
  await services.links.invite({ email: 'nowhere@example.com' }, CLI_ACTOR, ALL);
  const dead = delivery('smtp://127.0.0.1:1', 2);
  await deliverAll(dead);
  expect((await outboxRows('nowhere@example.com'))[0]).toMatchObject({ status: 'queued', attempts: 1, last_error: expect.stringMatching(/ECONNREFUSED/) });
  await db.dataSource.query("UPDATE mail_outbox SET next_attempt_at = now() WHERE to_address = 'nowhere@example.com'");
  await deliverAll(dead);
  expect((await outboxRows('nowhere@example.com'))[0]).toMatchObject({ status: 'failed', attempts: 2, last_error: expect.stringMatching(/ECONNREFUSED/) });
});

it('setting a password unlocks; a changed address is unverified and queued for confirmation', async () => {
  const user = await services.users.create({ login: 'locky', email: 'locky@example.com', password: 'first secret 1',
    emailVerified: true }, CLI_ACTOR, ALL_USERS);
  await services.lifecycle.lock(user.id, { reason: 'testing' }, CLI_ACTOR, ALL);
  await services.links.setPassword(user.id, 'second secret 2', { mustChange: true }, CLI_ACTOR, ALL);
  expect(await services.users.findById(user.id)).toMatchObject({ lockedAt: null, passwordChangeRequired: true });
  await expect(services.users.signIn('locky',
    'second secret 2')).resolves.toMatchObject({ outcome: 'change_required' });

  await services.users.update(user.id, { login: 'locky', email: 'new-locky@example.com' }, CLI_ACTOR, ALL);
  expect(await services.users.findById(user.id)).toMatchObject({ emailVerified: false });
  expect(await outboxRows('new-locky@example.com')).toEqual([expect.objectContaining({ template: 'email-verification',
    status: 'queued' })]);
  const events: { action: string }[] = await db.dataSource.query('SELECT action FROM audit_events WHERE '
    + 'target_user_id = $1 ORDER BY id', [user.id]);
  expect(events.map((e) => e.action)).toEqual(['user.created', 'user.locked', 'user.password_set', 'user.updated']);
});

describe('/admin/outbox', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await server.foyer.services.users.create({ login: 'root', password: 'console password 1', role: 'ADMIN' },
      CLI_ACTOR, ALL_USERS);
  });
  afterAll(() => server?.close());

  it('shows an Administrator the dev outbox with the message and its link', async () => {
    await server.foyer.services.links.invite({ email: 'shown@example.com' }, CLI_ACTOR, ALL);
    await server.foyer.mailWorker.wake();
    const session = await consoleSession(server.issuer, 'root', 'console password 1');
    const list = await (await session.get('/admin/outbox')).text();
    expect(list).toContain('No SMTP server is configured');
    const id = /data-message-id="(\d+)"/.exec(list)![1];
    const message = await (await session.get(`/admin/outbox/${id}`)).text();
    expect(message).toContain('shown@example.com');
    expect(message).toMatch(/\/invitation\/[A-Za-z0-9_-]{43}/);
  });
});

it('lists an invitation whose link ran out as expired', async () => {
  const user = await services.links.invite({ email: 'late@example.com' }, CLI_ACTOR, ALL);
  const listed = async () => (await services.directory.list({ scope: ALL, q: 'late@example', sort: 'name', dir: 'asc',
    limit: 5 })).rows[0];
  expect(await listed()).toMatchObject({ invited: true, invitationExpired: false });
  await deliverAll(delivery());
  expect(await listed()).toMatchObject({ invitationExpired: false });
  await db.dataSource.query("UPDATE one_time_tokens SET expires_at = now() - interval '1 minute' WHERE user_id = $1",
    [user.id]);
  expect(await listed()).toMatchObject({ invitationExpired: true });
  await expect(services.links.invitationExpiry(user.id)).resolves.toBeInstanceOf(Date);
});
