// The operator CLI as a real process on a real database: JSON out, clear errors, exit codes.
import bcrypt from 'bcrypt';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { runCli } from '../support/processes.js';

let db: TestDatabase;
let env: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url };
});

afterAll(async () => {
  await db?.drop();
});

describe('npm run cli', () => {
  it('creates a user and prints its id and sub', async () => {
    const res = await runCli(['user', 'create', '--login', 'frank', '--email', 'frank@example.com', '--password',
      'long enough 1',
      '--phone', '+442071838750', '--given-name', 'Frank', '--family-name', 'Castle', '--nickname', 'Punisher',
      '--role', 'ADMIN'], env);
    expect(res.stderr).not.toMatch(/error/);
    expect(res.code).toBe(0);
    const out = res.json<{ id: number; sub: string }>();
    expect(out.sub).toBe(String(out.id));
    const [row] = await db.dataSource.query('SELECT login, email, phone_number, role, given_name, password_hash FROM '
      + 'users WHERE id = $1', [out.id]);
    expect(row).toMatchObject({ login: 'frank', email: 'frank@example.com', phone_number: '+442071838750',
      role: 'ADMIN', given_name: 'Frank' });
    expect(row.password_hash).toMatch(/^\$2[aby]\$/);
  });

  it('refuses an organization id past its column and control characters with a clear usage message and exit 2',
    async () => {
      const huge = await runCli(['user', 'create', '--login', 'hugo', '--password', 'long enough 1', '--organization',
        '9223372036854775808'], env);
      expect(huge.code).toBe(2);
      expect(huge.stderr).toMatch(/--organization must be an organization id/);
      const control = await runCli(['user', 'block', 'a\u0001b'], env);
      expect(control.code).toBe(2);
      expect(control.stderr).toMatch(/<login> must not contain control characters/);
      expect(await db.dataSource.query("SELECT count(*)::int AS n FROM users WHERE login = 'hugo'"))
        .toEqual([{ n: 0 }]);
    });

  it('explains bad input with a non-zero exit and writes nothing', async () => {
    const res = await runCli(['user', 'create', '--login', 'gina', '--email', 'nope', '--password', 'short'], env);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/email: Enter a valid email address/);
    expect(res.stderr).toMatch(/password: Use at least 8 characters/);
    expect(await db.dataSource.query("SELECT count(*)::int AS n FROM users WHERE login = 'gina'")).toEqual([{ n: 0 }]);

    const duplicate = await runCli(['user', 'create', '--login', 'FRANK', '--password', 'long enough 1'], env);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toMatch(/login .* already in use/);

    const usage = await runCli(['user', 'explode'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/unknown command "user explode"/);
    expect(usage.stderr).toMatch(/Usage:/);

    const unknownOption = await runCli(['user', 'create', '--colour', 'red'], env);
    expect(unknownOption.code).toBe(2);
  });

  it('blocks and unblocks, ending the account\'s provider records', async () => {
    const [user] = await db.dataSource.query("SELECT id FROM users WHERE login = 'frank'");
    await db.dataSource.query(
      `INSERT INTO oidc_payloads (model, id, payload, account_id) VALUES ('Session', 's1', '{}', $1), ('AccessToken', `
        + `'a1', '{}', $1)`,
      [String(user.id)]);
    const blocked = await runCli(['user', 'block', 'frank'], env);
    expect(blocked.code).toBe(0);
    expect(blocked.json()).toMatchObject({ login: 'frank', blocked: true, revoked_records: 2 });
    expect(await db.dataSource.query('SELECT count(*)::int AS n FROM oidc_payloads WHERE account_id = $1',
      [String(user.id)])).toEqual([{ n: 0 }]);

    const unblocked = await runCli(['user', 'unblock', 'frank'], env);
    expect(unblocked.json()).toMatchObject({ blocked: false });
    const actions = await db.dataSource.query('SELECT action, actor_type FROM audit_events WHERE target_user_id = $1 '
      + 'ORDER BY id', [user.id]);
    expect(actions.map((a: { action: string }) => a.action)).toEqual(['user.created', 'user.blocked',
      'user.unblocked']);
    expect(actions.every((a: { actor_type: string }) => a.actor_type === 'cli')).toBe(true);

    const missing = await runCli(['user', 'block', 'nobody'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/User "nobody" not found/);
  });

  it('sets a privacy level and rejects unknown claims and levels', async () => {
    const ok = await runCli(['user', 'privacy', 'frank', 'birthdate', 'public'], env);
    expect(ok.code).toBe(0);
    expect(ok.json<{ privacy: Record<string, string> }>().privacy.birthdate).toBe('public');
    const bad = await runCli(['user', 'privacy', 'frank', 'shoe_size', 'loud'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/claim: Choose one of/);
    expect(bad.stderr).toMatch(/level: Choose one of private, on_request, public/);
  });

  it('creates confidential and public clients', async () => {
    const confidential = await runCli(['application', 'create', '--name', 'Web', '--redirect-uri', 'https://app.example.com/cb',
      '--redirect-uri', 'https://app.example.com/cb2', '--post-logout-redirect-uri', 'https://app.example.com/bye'], env);
    expect(confidential.code).toBe(0);
    const c = confidential.json<{ client_id: string; client_secret: string }>();
    expect(c.client_secret.length).toBeGreaterThanOrEqual(43);
    const [row] = await db.dataSource.query('SELECT client_secret_hash, metadata FROM clients WHERE client_id = $1',
      [c.client_id]);
    expect(row.client_secret_hash).not.toContain(c.client_secret);
    expect(row.metadata.redirect_uris).toEqual(['https://app.example.com/cb', 'https://app.example.com/cb2']);

    const pub = await runCli(['application', 'create', '--name', 'SPA', '--redirect-uri', 'http://localhost:5173/cb', '--public'], env);
    expect(pub.json()).not.toHaveProperty('client_secret');

    const machine = await runCli(['application', 'create', '--name', 'Cron', '--grant-type', 'client_credentials'],
      env);
    expect(machine.code).toBe(0);

    const audited = await db.dataSource.query('SELECT actor_type, target_label, details FROM audit_events WHERE '
      + "action = 'application.created' ORDER BY id");
    expect(audited.map((e: { target_label: string }) => e.target_label)).toEqual(['Web', 'SPA', 'Cron']);
    expect(audited[0].details.client_id).toBe(c.client_id);
    expect(JSON.stringify(audited)).not.toContain(c.client_secret);

    const bad = await runCli(['client', 'create', '--name', 'Bad', '--redirect-uri', 'not a url'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/redirect_uri: "not a url" is not an absolute URL/);
  });
});

describe('the way back for an Administrator locked out of the console', () => {
  const userRow = async () => (await db.dataSource.query('SELECT id, role, organization_id, locked_at, '
    + "failed_sign_ins, password_hash FROM users WHERE login = 'carol'"))[0];
  const cliEvents = async (action: string) => db.dataSource.query('SELECT actor_type, details FROM audit_events '
    + 'WHERE action = $1 AND target_user_id = $2 ORDER BY id', [action, (await userRow()).id]);

  beforeAll(async () => {
    const created = await runCli(['user', 'create', '--login', 'carol', '--email', 'carol@example.com', '--password',
      'first pass of hers 1', '--role', 'ADMIN'], env);
    expect(created.code).toBe(0);
    // Another Administrator, so carol is not the last one (who keeps the role).
    expect((await runCli(['user', 'create', '--login', 'dora', '--password', 'first pass of hers 1', '--role',
      'ADMIN'], env)).code).toBe(0);
  });

  it('changes a role (a Manager needs an organization), audited as the CLI', async () => {
    const [org] = await db.dataSource.query("INSERT INTO organizations (name, slug) VALUES ('CLI org', 'cli-org') "
      + 'RETURNING id');
    const noOrganization = await runCli(['user', 'role', 'carol', 'MANAGER'], env);
    expect(noOrganization.code).toBe(1);
    expect(noOrganization.stderr).toMatch(/organizationId: A Manager needs an organization/);

    const manager = await runCli(['user', 'role', 'carol', 'MANAGER', '--organization', String(org.id)], env);
    expect(manager.stderr).toBe('');
    expect(manager.code).toBe(0);
    expect(manager.json()).toEqual({ id: Number((await userRow()).id), login: 'carol', role: 'MANAGER',
      organization_id: org.id });
    // Without --organization the user keeps the one they are in.
    const admin = await runCli(['user', 'role', 'carol', 'ADMIN'], env);
    expect(admin.json()).toMatchObject({ role: 'ADMIN', organization_id: org.id });
    expect(await userRow()).toMatchObject({ role: 'ADMIN', organization_id: org.id });

    const unknown = await runCli(['user', 'role', 'carol', 'OWNER'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/the role must be MEMBER, MANAGER or ADMIN/);
    expect(await cliEvents('user.permissions_changed')).toEqual([
      { actor_type: 'cli', details: { from: { role: 'ADMIN', organizationId: null },
        to: { role: 'MANAGER', organizationId: org.id } } },
      { actor_type: 'cli', details: { from: { role: 'MANAGER', organizationId: org.id },
        to: { role: 'ADMIN', organizationId: org.id } } },
    ]);
  });

  it('unlocks, clearing the failed sign-ins', async () => {
    await db.dataSource.query("UPDATE users SET locked_at = now(), locked_reason = 'Too many failed sign-ins', "
      + "failed_sign_ins = 5 WHERE login = 'carol'");
    const res = await runCli(['user', 'unlock', 'carol'], env);
    expect(res.code).toBe(0);
    expect(res.json()).toEqual({ id: Number((await userRow()).id), login: 'carol', locked: false });
    expect(await userRow()).toMatchObject({ locked_at: null, failed_sign_ins: 0 });
    expect(await cliEvents('user.unlocked')).toEqual([{ actor_type: 'cli', details: { wasLocked: true } }]);
  });

  it('sets a password read from the first line of piped stdin, by the policy, never printing it', async () => {
    const password = 'a brand new passphrase 7';
    const res = await runCli(['user', 'set-password', 'carol'], env, `${password}\nnot this line\n`);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.json()).toEqual({ id: Number((await userRow()).id), login: 'carol', password_set: true });
    expect(res.stdout).not.toContain(password);
    const { password_hash: hash } = await userRow();
    await expect(bcrypt.compare(password, hash)).resolves.toBe(true);

    const short = await runCli(['user', 'set-password', 'carol'], env, 'short\r\n');
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/password: Use at least 8 characters/);
    const empty = await runCli(['user', 'set-password', 'carol'], env, '');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/the new password on the first line of stdin/);
    expect((await userRow()).password_hash).toBe(hash);

    const events = await cliEvents('user.password_set');
    expect(events).toEqual([{ actor_type: 'cli', details: { temporary: false, unlocked: false } }]);
    expect(JSON.stringify(events)).not.toContain(password);
  });
});
