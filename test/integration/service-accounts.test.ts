// Service accounts for provisioning (issue 16, item 9) on the real server and database: made by
// the service, the CLI and the console; their key works for SCIM whoever made it, and stops when
// it expires, is regenerated or the account is deleted; the account never signs in, gets no
// mail and does not count as an Administrator who can get back in; every change is audited in
// its transaction, and the events it causes through SCIM name it.
import { createHash } from 'node:crypto';
import bcrypt from 'bcrypt';
import { CLI_ACTOR, type Actor } from '../../src/audit/audit.service.js';
import type { User } from '../../src/db/entities/user.entity.js';
import { ALL_USERS, type StaffScope } from '../../src/platform/access.js';
import { NotFoundError, ValidationError } from '../../src/platform/errors.js';
import { ServiceAccountsForAdministratorsError } from '../../src/api-keys/api-key.policy.js';
import { AdministratorProtectedError, ServiceAccountError } from '../../src/users/user.policy.js';
import { LastAdministratorError } from '../../src/users/user.service.js';
import { consoleSession, formToken } from '../support/console-session.js';
import type { HttpSession } from '../support/http-session.js';
import { failAuditOf } from '../support/failing-audit.js';
import { runCli } from '../support/processes.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'service accounts 1';
let server: TestServer;
let orgA: number;
let root: User;
let manager: User;
const rootActor = (): Actor => ({ type: 'user', id: root.id, label: 'root' });
const managerScope = (): StaffScope => ({ kind: 'organization', organizationId: orgA });

const query = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> =>
  server.db.dataSource.query(sql, params);
const services = () => server.foyer.services;
const eventsSince = (id: number) => query<{ action: string; actorId: string | null; actorLabel: string | null;
  targetUserId: string | null; targetLabel: string | null; details: Record<string, unknown>; }>(
  `SELECT action, actor_id::text AS "actorId", actor_label AS "actorLabel", target_user_id::text AS "targetUserId",
     target_label AS "targetLabel", details FROM audit_events WHERE id > $1 ORDER BY id`, [id]);
const lastEventId = async () => Number((await query<{ id: string }>(
  'SELECT coalesce(max(id), 0)::text AS id FROM audit_events'))[0].id);

async function scim(key: string, method = 'GET', path = '/Users', body?: unknown) {
  const res = await fetch(`${server.issuer}/scim/v2${path}`, {
    method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/scim+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const scimUser = (userName: string) => ({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName,
  emails: [{ value: `${userName}@example.com`, primary: true }], active: true });

beforeAll(async () => {
  // Enough wrong passwords to lock any account, were they counted (the default lockout is 10).
  server = await startTestServer({ FOYER_SIGN_IN_FAILURES_PER_IDENTIFIER: '1000', FOYER_SIGN_IN_FAILURES_PER_IP: '1000',
    FOYER_SCIM_AUTH_FAILURES_PER_IP: '1000' });
  const { users, organizations } = services();
  orgA = (await organizations.create('Provisioned A', CLI_ACTOR, ALL_USERS)).id;
  root = await users.create({ login: 'root', email: 'root@example.com', password: PASSWORD, role: 'ADMIN' },
    CLI_ACTOR, ALL_USERS);
  manager = await users.create({ login: 'manager-a', email: 'manager-a@example.com', password: PASSWORD,
    role: 'MANAGER', organizationId: orgA }, CLI_ACTOR, ALL_USERS);
});
afterAll(() => server?.close());

describe('the service', () => {
  it('makes a non-human Administrator with one key, shown once and stored hashed, audited as it is made',
    async () => {
      const since = await lastEventId();
      const { account, key } = await services().serviceAccounts.create({ name: 'okta-scim' }, rootActor(), ALL_USERS);
      expect(key).toMatch(/^foyer_[A-Za-z0-9_-]{43}$/);
      expect(account).toMatchObject({ name: 'okta-scim', role: 'ADMIN', organizationId: null, stopped: false,
        key: { hint: `${key.slice(0, 10)}…`, lastUsedAt: null, expiresAt: null } });
      const [row] = await query('SELECT login, email, phone_number, password_hash, role, service_account, nickname '
        + 'FROM users WHERE id = $1', [account.id]);
      expect(row).toEqual({ login: 'okta-scim', email: null, phone_number: null, password_hash: null, role: 'ADMIN',
        service_account: true, nickname: null });
      expect(await query('SELECT key_hash, expires_at FROM api_keys WHERE user_id = $1', [account.id]))
        .toEqual([{ key_hash: createHash('sha256').update(key).digest('hex'), expires_at: null }]);
      const events = await eventsSince(since);
      expect(events).toEqual([expect.objectContaining({ action: 'service_account.created', actorId: root.id,
        targetUserId: account.id, targetLabel: 'okta-scim',
        details: { role: 'ADMIN', organizationId: null, keyExpiresAt: null } })]);
      expect(JSON.stringify(events)).not.toContain(key);
      expect((await services().serviceAccounts.list(ALL_USERS)).map((a) => a.name)).toContain('okta-scim');
    });

  it('makes a Manager of one organization, with a key that expires at 00:00 UTC on the day given', async () => {
    const { account } = await services().serviceAccounts.create({ name: 'azure-a', role: 'MANAGER',
      organizationId: String(orgA), expires: '2099-01-31' }, CLI_ACTOR, ALL_USERS);
    expect(account).toMatchObject({ role: 'MANAGER', organizationId: orgA, organizationName: 'Provisioned A',
      key: { expiresAt: new Date('2099-01-31T00:00:00Z') } });
  });

  it('refuses bad input by field and writes nothing', async () => {
    const { serviceAccounts } = services();
    const before = await query('SELECT count(*)::int AS n FROM users');
    const refused = async (input: Record<string, unknown>) => {
      const err = await serviceAccounts.create(input, CLI_ACTOR, ALL_USERS).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      return (err as ValidationError).fields;
    };
    expect(await refused({ name: '  ' })).toEqual({ name: 'Give the service account a name' });
    expect(await refused({ name: 'has space' })).toHaveProperty('name');
    expect(await refused({ name: 'ROOT' })).toEqual({ name: 'A user or service account already has this name' });
    expect(await refused({ name: 'root@example.com' }))
      .toEqual({ name: 'A user or service account already has this name' });
    expect(await refused({ name: 'm1', role: 'MANAGER' }))
      .toEqual({ organizationId: 'A Manager needs an organization to manage' });
    expect(await refused({ name: 'm2', role: 'MEMBER' })).toEqual({ role: 'Choose Administrator or Manager' });
    expect(await refused({ name: 'm3', organizationId: '999999' }))
      .toEqual({ organizationId: 'Choose an existing organization' });
    const today = new Date().toISOString().slice(0, 10);
    expect(await refused({ name: 'm4', expires: today })).toHaveProperty('expires');
    expect(await refused({ name: 'm5', expires: '2025-02-30' })).toEqual({ expires: 'Enter a date that exists.' });
    expect(await query('SELECT count(*)::int AS n FROM users')).toEqual(before);
  });

  it('is for the all-users scope only: a Manager can neither list, make, regenerate nor delete one', async () => {
    const { serviceAccounts } = services();
    const [{ id }] = (await serviceAccounts.list(ALL_USERS)).filter((a) => a.name === 'okta-scim');
    const actor: Actor = { type: 'user', id: manager.id, label: 'manager-a' };
    for (const attempt of [
      () => serviceAccounts.list(managerScope()),
      () => serviceAccounts.get(id, managerScope()),
      () => serviceAccounts.create({ name: 'sneaky', role: 'MANAGER', organizationId: orgA }, actor, managerScope()),
      () => serviceAccounts.regenerateKey(id, {}, actor, managerScope()),
      () => serviceAccounts.delete(id, actor, managerScope()),
    ]) {
      await expect(attempt()).rejects.toBeInstanceOf(ServiceAccountsForAdministratorsError);
    }
    expect(await query("SELECT count(*)::int AS n FROM users WHERE login = 'sneaky'")).toEqual([{ n: 0 }]);
  });

  it('keeps a Manager off a service account of their own organization on the users pages too', async () => {
    const [account] = (await services().serviceAccounts.list(ALL_USERS)).filter((a) => a.name === 'azure-a');
    const actor: Actor = { type: 'user', id: manager.id, label: 'manager-a' };
    await expect(services().lifecycle.block(account.id, actor, managerScope()))
      .rejects.toThrow(new AdministratorProtectedError('Only an Administrator can change a service account.'));
    await expect(services().users.update(account.id, { login: 'renamed' }, actor, managerScope()))
      .rejects.toBeInstanceOf(AdministratorProtectedError);
    expect(await services().users.findById(account.id)).toMatchObject({ login: 'azure-a', blocked: false });
  });

  it('leaves nothing behind when its audit event cannot be written', async () => {
    const undo = await failAuditOf(server.db.database, 'service_account.created');
    try {
      await expect(services().serviceAccounts.create({ name: 'half-made' }, CLI_ACTOR, ALL_USERS)).rejects.toThrow();
    } finally {
      await undo();
    }
    expect(await query("SELECT count(*)::int AS n FROM users WHERE login = 'half-made'")).toEqual([{ n: 0 }]);
  });
});

describe('its key and SCIM', () => {
  it('provisions, and the events it causes name the service account as their actor', async () => {
    const { account, key } = await services().serviceAccounts.create({ name: 'scim-bot' }, CLI_ACTOR, ALL_USERS);
    expect((await scim(key)).status).toBe(200);
    const since = await lastEventId();
    const created = await scim(key, 'POST', '/Users', scimUser('provisioned-ann'));
    expect(created.status).toBe(201);
    const [event] = (await eventsSince(since)).filter((e) => e.action === 'user.created');
    expect(event).toMatchObject({ actorId: account.id, actorLabel: expect.stringContaining('scim-bot'),
      targetLabel: 'provisioned-ann' });
    const [listed] = (await services().serviceAccounts.list(ALL_USERS)).filter((a) => a.id === account.id);
    expect(listed.key?.lastUsedAt).toBeInstanceOf(Date);
  });

  it('is not a user SCIM provisions: no list, read, change or delete of a service account reaches it', async () => {
    const { account, key } = await services().serviceAccounts.create({ name: 'hidden-bot' }, CLI_ACTOR, ALL_USERS);
    const listed = await scim(key, 'GET', `/Users?filter=${encodeURIComponent('userName eq "hidden-bot"')}`);
    expect(listed.body.totalResults).toBe(0);
    expect((await scim(key, 'GET', `/Users/${account.id}`)).status).toBe(404);
    const patch = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: false }] };
    expect((await scim(key, 'PATCH', `/Users/${account.id}`, patch)).status).toBe(404);
    expect((await scim(key, 'DELETE', `/Users/${account.id}`)).status).toBe(404);
    expect((await scim(key)).status).toBe(200);
  });

  it('keeps working when the person who set it up is blocked, whose own key stops', async () => {
    const { users, apiKeys, lifecycle, serviceAccounts } = services();
    const person = await users.create({ login: 'it-person', password: PASSWORD, role: 'ADMIN' }, CLI_ACTOR,
      ALL_USERS);
    const personal = await apiKeys.generate(person, CLI_ACTOR);
    const { key } = await serviceAccounts.create({ name: 'kept-running' }, { type: 'user', id: person.id,
      label: 'it-person' }, ALL_USERS);
    expect((await scim(personal)).status).toBe(200);
    await lifecycle.block(person.id, CLI_ACTOR, ALL_USERS);
    expect((await scim(personal)).status).toBe(401);
    expect((await scim(key)).status).toBe(200);
    await lifecycle.delete(person.id, CLI_ACTOR, ALL_USERS);
    expect((await scim(key)).status).toBe(200);
  });

  it('answers an expired key as it answers an unknown one (401), without counting it as used', async () => {
    const { account, key } = await services().serviceAccounts.create({ name: 'short-lived', expires: '2099-01-01' },
      CLI_ACTOR, ALL_USERS);
    expect((await scim(key)).status).toBe(200);
    await query("UPDATE api_keys SET expires_at = now() - interval '1 second', last_used_at = NULL WHERE user_id = $1",
      [account.id]);
    const expired = await scim(key);
    const unknown = await scim('foyer_unknownunknownunknownunknownunknownunknownu');
    expect(expired).toEqual(unknown);
    expect(expired.status).toBe(401);
    await expect(services().apiKeys.authenticate(key)).resolves.toBeUndefined();
    expect(await query('SELECT last_used_at FROM api_keys WHERE user_id = $1', [account.id]))
      .toEqual([{ last_used_at: null }]);
  });

  it('stops the old key at once when regenerated, audited, and the new one works', async () => {
    const { account, key: old } = await services().serviceAccounts.create({ name: 'rotated' }, CLI_ACTOR, ALL_USERS);
    const since = await lastEventId();
    const { key, account: after } = await services().serviceAccounts.regenerateKey(account.id,
      { expires: '2099-06-01' }, rootActor(), ALL_USERS);
    expect(key).not.toBe(old);
    expect((await scim(old)).status).toBe(401);
    expect((await scim(key)).status).toBe(200);
    expect(after.key).toMatchObject({ hint: `${key.slice(0, 10)}…`, expiresAt: new Date('2099-06-01T00:00:00Z') });
    expect(await eventsSince(since)).toEqual([expect.objectContaining({ action: 'service_account.key_regenerated',
      actorId: root.id, targetUserId: account.id,
      details: { replacedKeys: 1, keyExpiresAt: '2099-06-01T00:00:00.000Z' } })]);
    await expect(services().serviceAccounts.regenerateKey(root.id, {}, rootActor(), ALL_USERS))
      .rejects.toBeInstanceOf(NotFoundError);
  });

  it('stops when the service account is deleted, audited in the same transaction', async () => {
    const { account, key } = await services().serviceAccounts.create({ name: 'doomed-bot' }, CLI_ACTOR, ALL_USERS);
    const undo = await failAuditOf(server.db.database, 'service_account.deleted');
    try {
      await expect(services().serviceAccounts.delete(account.id, rootActor(), ALL_USERS)).rejects.toThrow();
    } finally {
      await undo();
    }
    expect((await scim(key)).status).toBe(200);
    const since = await lastEventId();
    await services().serviceAccounts.delete(account.id, rootActor(), ALL_USERS);
    expect((await scim(key)).status).toBe(401);
    expect(await query('SELECT count(*)::int AS n FROM users WHERE id = $1', [account.id])).toEqual([{ n: 0 }]);
    expect((await eventsSince(since)).map((e) => [e.action, e.actorId, e.targetLabel])).toEqual([
      ['user.deleted', root.id, 'doomed-bot'], ['service_account.deleted', root.id, 'doomed-bot']]);
    await expect(services().serviceAccounts.delete(root.id, rootActor(), ALL_USERS))
      .rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('no person', () => {
  it('never signs in, whatever its row holds, and wrong passwords do not lock its key out', async () => {
    const { account, key } = await services().serviceAccounts.create({ name: 'no-sign-in' }, CLI_ACTOR, ALL_USERS);
    // A password only the database could give it (no service hands one out).
    const hash = await bcrypt.hash('a known password 1', 4);
    await query('UPDATE users SET password_hash = $2 WHERE id = $1', [account.id, hash]);
    await expect(services().users.signIn('no-sign-in', 'a known password 1')).resolves.toEqual({ outcome: 'invalid' });
    for (let i = 0; i < 12; i += 1) await services().users.signIn('no-sign-in', 'wrong');
    expect(await services().users.findById(account.id)).toMatchObject({ lockedAt: null, failedSignIns: 0,
      lastSignInAt: null });
    expect((await scim(key)).status).toBe(200);
  });

  it('is given no password, sign-in link or mail', async () => {
    const { users, links, outbox } = services();
    const { account } = await services().serviceAccounts.create({ name: 'no-mail' }, CLI_ACTOR, ALL_USERS);
    for (const attempt of [
      () => links.setPassword(account.id, 'A good password 12', { mustChange: false }, rootActor(), ALL_USERS),
      () => links.forcePasswordReset(account.id, rootActor(), ALL_USERS),
      () => links.recoveryLink(account.id, rootActor(), ALL_USERS),
      () => links.emailRecoveryLink(account.id, rootActor(), ALL_USERS),
    ]) {
      await expect(attempt()).rejects.toBeInstanceOf(ServiceAccountError);
    }
    expect(await users.findById(account.id)).toMatchObject({ passwordHash: null, passwordResetRequired: false });
    // Even with an address put in its row nothing goes out: not a reset asked for by that address, nor a message.
    await query("UPDATE users SET email = 'no-mail@example.com' WHERE id = $1", [account.id]);
    await links.requestPasswordReset('no-mail@example.com', '127.0.0.1');
    await outbox.enqueue({ template: 'recovery', to: 'no-mail@example.com', userId: account.id });
    await links.requestPasswordReset('root', '127.0.0.1');
    await server.foyer.mailWorker.wake();
    const sent = await query<{ params: { identifier?: string }; userId: string | null; status: string }>(
      `SELECT params, user_id::text AS "userId", status FROM mail_outbox
       WHERE params->>'identifier' IN ('no-mail@example.com', 'root') OR user_id = $1 ORDER BY id`, [account.id]);
    expect(sent.map((m) => [m.params.identifier ?? m.userId, m.status])).toEqual([
      ['no-mail@example.com', 'dropped'], [account.id, 'dropped'], ['root', 'outbox']]);
    expect(await query('SELECT count(*)::int AS n FROM one_time_tokens WHERE user_id = $1', [account.id]))
      .toEqual([{ n: 0 }]);
  });

  it('does not count as the Administrator who can get back in', async () => {
    const { users, lifecycle } = services();
    // root is the only person who is an Administrator (it-person was deleted); several service accounts are.
    expect(await query("SELECT count(*)::int AS n FROM users WHERE role = 'ADMIN' AND service_account"))
      .not.toEqual([{ n: 0 }]);
    await expect(users.countAdmins()).resolves.toBe(1);
    await expect(lifecycle.delete(root.id, CLI_ACTOR, ALL_USERS)).rejects.toBeInstanceOf(LastAdministratorError);
    await expect(lifecycle.scheduleDeletion(root.id, 30, rootActor())).rejects.toBeInstanceOf(LastAdministratorError);
    await expect(users.changePermissions(root.id, { role: 'MEMBER' }, CLI_ACTOR, ALL_USERS))
      .rejects.toBeInstanceOf(LastAdministratorError);
    // Nor does it stand in anyone's way: one is removed or demoted although root is the only person left.
    const { account } = await services().serviceAccounts.create({ name: 'demoted' }, CLI_ACTOR, ALL_USERS);
    await expect(users.changePermissions(account.id, { role: 'MANAGER', organizationId: orgA }, CLI_ACTOR,
      ALL_USERS)).resolves.toMatchObject({ role: 'MANAGER' });
    await users.changePermissions(account.id, { role: 'ADMIN' }, CLI_ACTOR, ALL_USERS);
    await expect(services().serviceAccounts.delete(account.id, CLI_ACTOR, ALL_USERS)).resolves.toBeUndefined();
    expect(await users.findById(root.id)).toMatchObject({ role: 'ADMIN', deletionScheduledAt: null });
  });
});

describe('npm run cli -- service-account create', () => {
  const env = () => ({ DATABASE_URL: server.db.url });

  it('prints the key once, as JSON, for an account whose key works for SCIM', async () => {
    const res = await runCli(['service-account', 'create', '--name', 'cli-bot', '--role', 'MANAGER',
      '--organization', String(orgA), '--expires', '2099-12-31'], env());
    expect(res.stderr).not.toMatch(/error/);
    expect(res.code).toBe(0);
    const out = res.json<{ id: number; api_key: string }>();
    expect(out).toEqual({ id: expect.any(Number), name: 'cli-bot', role: 'MANAGER', organization_id: orgA,
      api_key: expect.stringMatching(/^foyer_/), key_hint: `${out.api_key.slice(0, 10)}…`,
      key_expires_at: '2099-12-31T00:00:00.000Z' });
    expect((await scim(out.api_key)).status).toBe(200);
    expect(await query('SELECT actor_type, action FROM audit_events WHERE target_user_id = $1',
      [String(out.id)])).toEqual([{ actor_type: 'cli', action: 'service_account.created' }]);
  });

  it('explains bad input with a usage error (2) or a refusal (1), and makes nothing', async () => {
    const noName = await runCli(['service-account', 'create'], env());
    expect(noName.code).toBe(2);
    expect(noName.stderr).toMatch(/--name is required/);
    expect(noName.stderr).toMatch(/service-account create --name N/);
    const badDay = await runCli(['service-account', 'create', '--name', 'x-bot', '--expires', 'tomorrow'], env());
    expect(badDay.code).toBe(2);
    expect(badDay.stderr).toMatch(/--expires must be a day as YYYY-MM-DD/);
    const noOrg = await runCli(['service-account', 'create', '--name', 'x-bot', '--role', 'MANAGER'], env());
    expect(noOrg.code).toBe(1);
    expect(noOrg.stdout).toBe('');
    expect(noOrg.stderr).toMatch(/organizationId: A Manager needs an organization to manage/);
    expect(await query("SELECT count(*)::int AS n FROM users WHERE login = 'x-bot'")).toEqual([{ n: 0 }]);
  });
});

describe('the console (Administrators only)', () => {
  let admin: HttpSession;
  let csrf: string;
  beforeAll(async () => {
    admin = await consoleSession(server.issuer, 'root', PASSWORD);
    csrf = await formToken(admin, '/admin/service-accounts');
  });

  const keyIn = (html: string) => /id="api-key" type="text" readonly value="(foyer_[^"]+)"/.exec(html)?.[1];

  it('lists them with role, organization and their key, linked from the navigation', async () => {
    const home = await (await admin.get('/admin')).text();
    expect(home).toContain('href="/admin/service-accounts"');
    const res = await admin.get('/admin/service-accounts');
    expect(res.status).toBe(200);
    const html = await res.text();
    const [azure] = (await services().serviceAccounts.list(ALL_USERS)).filter((a) => a.name === 'azure-a');
    const row = new RegExp(`<tr data-service-account-id="${azure.id}">[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';
    for (const text of ['azure-a', 'Manager', 'Provisioned A', azure.key!.hint, '2099-01-31 00:00 UTC', 'never']) {
      expect(row).toContain(text);
    }
  });

  it('creates one and shows its key once: a reload shows it no more and makes no other', async () => {
    const since = await lastEventId();
    const made = await admin.postForm('/admin/service-accounts',
      { _csrf: csrf, name: 'console-bot', role: 'MANAGER', organizationId: String(orgA), expires: '' });
    expect(made.status).toBe(303);
    const location = made.headers.get('location')!;
    expect(location).toMatch(/^\/admin\/service-accounts\/\d+\/key$/);
    const shown = await admin.get(location);
    expect(shown.status).toBe(200);
    expect(shown.headers.get('cache-control')).toBe('no-store');
    const key = keyIn(await shown.text());
    expect(key).toBeDefined();
    expect((await scim(key!)).status).toBe(200);
    const again = await admin.get(location);
    expect(again.status).toBe(200);
    const html = await again.text();
    expect(html).not.toContain(key);
    expect(html).toContain('This key was shown once and cannot be shown again.');
    expect(await query("SELECT count(*)::int AS n FROM users WHERE login = 'console-bot'")).toEqual([{ n: 1 }]);
    expect((await eventsSince(since)).map((e) => [e.action, e.actorId])).toEqual([['service_account.created',
      root.id]]);
  });

  it('re-renders the form with the message by the field on bad input, and refuses a form without CSRF', async () => {
    const bad = await admin.postForm('/admin/service-accounts',
      { _csrf: csrf, name: 'needs-org', role: 'MANAGER', organizationId: '', expires: '1999-01-01' });
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain('<p class="field-error" id="organizationId-error">A Manager needs an organization to manage'
      + '</p>');
    expect(html).toContain('<p class="field-error" id="expires-error">');
    expect(html).toContain('value="needs-org"');
    const forged = await admin.postForm('/admin/service-accounts', { name: 'forged-bot', role: 'ADMIN' });
    expect(forged.status).toBe(403);
    await forged.arrayBuffer();
    expect(await query("SELECT count(*)::int AS n FROM users WHERE login IN ('needs-org', 'forged-bot')"))
      .toEqual([{ n: 0 }]);
  });

  it('regenerates a key after a confirmation page, showing the new one once; the old one stops', async () => {
    const { account, key: old } = await services().serviceAccounts.create({ name: 'console-rotate' }, CLI_ACTOR,
      ALL_USERS);
    const confirm = await admin.get(`/admin/service-accounts/${account.id}/regenerate`);
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain('stops working at once');
    const tooEarly = await admin.postForm(`/admin/service-accounts/${account.id}/regenerate`,
      { _csrf: csrf, expires: '2000-01-01' });
    expect(tooEarly.status).toBe(422);
    expect(await tooEarly.text()).toContain('id="expires-error"');
    expect((await scim(old)).status).toBe(200);
    const done = await admin.postForm(`/admin/service-accounts/${account.id}/regenerate`, { _csrf: csrf, expires: '' });
    expect(done.status).toBe(303);
    const key = keyIn(await (await admin.get(done.headers.get('location')!)).text());
    expect(key).toBeDefined();
    expect(key).not.toBe(old);
    expect((await scim(old)).status).toBe(401);
    expect((await scim(key!)).status).toBe(200);
  });

  it('deletes one after a confirmation page', async () => {
    const { account, key } = await services().serviceAccounts.create({ name: 'console-doomed' }, CLI_ACTOR,
      ALL_USERS);
    const confirm = await admin.get(`/admin/service-accounts/${account.id}/delete`);
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain('Delete the service account console-doomed?');
    const done = await admin.postForm(`/admin/service-accounts/${account.id}/delete`, { _csrf: csrf });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/admin/service-accounts?done=deleted');
    expect((await scim(key)).status).toBe(401);
    const list = await (await admin.get('/admin/service-accounts?done=deleted')).text();
    expect(list).toContain('The service account was deleted; its key no longer works.');
    expect(list).not.toContain('console-doomed');
    expect((await admin.get(`/admin/service-accounts/${account.id}/delete`)).status).toBe(404);
    expect((await admin.get(`/admin/service-accounts/${root.id}/delete`)).status).toBe(404);
  });

  it('is neither offered nor open to a Manager', async () => {
    const session = await consoleSession(server.issuer, 'manager-a', PASSWORD);
    expect(await (await session.get('/admin')).text()).not.toContain('href="/admin/service-accounts"');
    const res = await session.get('/admin/service-accounts');
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Only Administrators can open this page.');
  });

  it('shows a service account on its user page as one, with the expiry of its key', async () => {
    const [azure] = (await services().serviceAccounts.list(ALL_USERS)).filter((a) => a.name === 'azure-a');
    const html = await (await admin.get(`/admin/users/${azure.id}`)).text();
    expect(html).toContain('This is a service account: it never signs in');
    expect(html).toContain('<span class="badge plain">Service account</span>');
    expect(html).toContain('2099-01-31 00:00 UTC');
    for (const [path, form] of [[`/admin/users/${azure.id}/password`, { password: 'A long password 12' }],
      [`/admin/users/${azure.id}/actions/force-reset`, {}], [`/admin/users/${azure.id}/recovery-link`, {}]] as const) {
      const res = await admin.postForm(path, { ...form, _csrf: csrf });
      expect([path, res.status]).toEqual([path, 409]);
      expect(await res.text()).toContain('This is a service account: it never signs in, so it has no password');
    }
  });
});
