// The hand-written migrations on a fresh, empty database: all the way up, all the way
// down, up again; and the constraints the directory relies on being enforced by the schema.
import type { DataSource } from 'typeorm';
import { ApplicationAuditActions1732400000000 } from '../../migrations/1732400000000-application-audit-actions.js';
import { migrations } from '../../migrations/index.js';
import { createDataSource } from '../../src/db/data-source.js';
import { createEmptyDatabase } from '../support/database.js';

const SCHEMA_TABLES = ['api_keys', 'audit_events', 'bulk_job_items', 'bulk_jobs', 'client_members', 'clients',
  'consents', 'custom_fields', 'directory_settings', 'export_chunks', 'export_jobs', 'group_members', 'groups',
  'import_jobs', 'import_rows', 'mail_outbox', 'oidc_payloads', 'one_time_tokens', 'organizations', 'profile_photos',
  'provider_secrets', 'rate_limits', 'session_activity', 'users'];

let empty: Awaited<ReturnType<typeof createEmptyDatabase>>;
let dataSource: DataSource;

beforeAll(async () => {
  empty = await createEmptyDatabase();
  dataSource = createDataSource({ url: empty.url, poolSize: 2 });
  await dataSource.initialize();
});

afterAll(async () => {
  if (dataSource?.isInitialized) await dataSource.destroy();
  await empty?.drop();
});

/** The schema's own tables, without TypeORM's bookkeeping table. */
async function tables(): Promise<string[]> {
  const rows: { table_name: string }[] = await dataSource.query(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_name <> 'migrations' ORDER BY table_name`);
  return rows.map((r) => r.table_name);
}

async function undoAll(): Promise<void> {
  for (let i = 0; i < migrations.length; i++) await dataSource.undoLastMigration({ transaction: 'each' });
}

/** Inserts a user row straight into the table, bypassing every check the service makes. */
function insertUser(columns: Record<string, string | null>): Promise<unknown> {
  const names = Object.keys(columns);
  const values = Object.values(columns);
  if (names.length === 0) return dataSource.query('INSERT INTO users DEFAULT VALUES');
  return dataSource.query(
    `INSERT INTO users (${names.join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})`, values);
}

const violation = (code: string,
  constraint: string) => ({ driverError: expect.objectContaining({ code, constraint }) });

describe('migrations', () => {
  it('start from a database without any tables', async () => {
    await expect(tables()).resolves.toEqual([]);
  });

  it('go up, down and up again', async () => {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    // TypeORM runs them in the order of their timestamps: the list must be in that order too.
    expect(applied.map((m) => m.name)).toEqual(migrations.map((M) => new M().name));
    await expect(tables()).resolves.toEqual(SCHEMA_TABLES);
    await expect(dataSource.showMigrations()).resolves.toBe(false);

    await undoAll();
    await expect(tables()).resolves.toEqual([]);
    await expect(dataSource.showMigrations()).resolves.toBe(true);

    await dataSource.runMigrations({ transaction: 'each' });
    await expect(tables()).resolves.toEqual(SCHEMA_TABLES);
    await expect(dataSource.showMigrations()).resolves.toBe(false);
  });
});

describe('schema constraints', () => {
  beforeAll(async () => {
    await dataSource.runMigrations({ transaction: 'each' });
  });

  afterEach(async () => {
    await dataSource.query('DELETE FROM users');
  });

  it('undo every later migration one by one, keeping the users table of the first', async () => {
    const columns = async () => (await dataSource.query(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'users' AND column_name IN "
        + "('invited_at', 'search_text', 'failed_sign_ins') ORDER BY 1",
    )).map((r: { column_name: string }) => r.column_name);
    await expect(columns()).resolves.toEqual(['failed_sign_ins', 'invited_at', 'search_text']);
    for (let left = migrations.length; left > 1; left -= 1) {
      await dataSource.undoLastMigration({ transaction: 'each' });
      await expect(tables()).resolves.toContain('users');
    }
    await expect(columns()).resolves.toEqual([]);
    await expect(tables()).resolves.toEqual(SCHEMA_TABLES.filter((t) => !['api_keys', 'bulk_job_items',
      'client_members', 'consents', 'bulk_jobs', 'custom_fields', 'directory_settings', 'export_chunks', 'export_jobs',
      'group_members', 'groups', 'import_jobs', 'import_rows', 'mail_outbox', 'profile_photos', 'rate_limits',
      'session_activity'].includes(t)));
    await dataSource.runMigrations({ transaction: 'each' });
    await expect(columns()).resolves.toEqual(['failed_sign_ins', 'invited_at', 'search_text']);
  });

  it('renames past application events with the events written from now on, and back', async () => {
    // Down to just before ApplicationAuditActions (later migrations come after it in the list).
    const later = migrations.length - migrations.indexOf(ApplicationAuditActions1732400000000);
    for (let i = 0; i < later; i += 1) await dataSource.undoLastMigration({ transaction: 'each' });
    await dataSource.query("INSERT INTO audit_events (actor_type, action) VALUES ('system', 'client.created'), "
      + "('system', 'client.member_set'), ('system', 'user.created')");
    const actions = async () => (await dataSource.query('SELECT action FROM audit_events ORDER BY id'))
      .map((r: { action: string }) => r.action);
    await dataSource.runMigrations({ transaction: 'each' });
    await expect(actions()).resolves.toEqual(['application.created', 'application.member_set', 'user.created']);
    for (let i = 0; i < later; i += 1) await dataSource.undoLastMigration({ transaction: 'each' });
    await expect(actions()).resolves.toEqual(['client.created', 'client.member_set', 'user.created']);
    await dataSource.runMigrations({ transaction: 'each' });
    await dataSource.query('DELETE FROM audit_events');
  });

  it('keeps a lower-cased search text of every identifier and name', async () => {
    const [row] = await dataSource.query(
      `INSERT INTO users (login, email, phone_number, nickname, given_name, family_name)
       VALUES ('SearchMe', 'Find.Me@Example.com', '+14155550199', 'Nick', 'Given', 'Family') RETURNING search_text`);
    expect(row.search_text).toBe('searchme find.me@example.com +14155550199 nick given family');
    await dataSource.query("DELETE FROM users WHERE login = 'SearchMe'");
  });

  it('refuses a user without login, email or phone number', async () => {
    await expect(insertUser({})).rejects.toMatchObject(violation('23514', 'users_has_identifier'));
    await expect(insertUser({ nickname: 'nobody' })).rejects.toMatchObject(violation('23514', 'users_has_identifier'));
    await expect(insertUser({ login: 'somebody' })).resolves.toBeDefined();
  });

  it('refuses two logins that differ only in case', async () => {
    await insertUser({ login: 'Alice' });
    await expect(insertUser({ login: 'aLICE' })).rejects.toMatchObject(violation('23505', 'users_login_key'));
    await expect(insertUser({ login: 'alice2' })).resolves.toBeDefined();
  });

  it('refuses two emails that differ only in case', async () => {
    await insertUser({ email: 'Alice@Example.com' });
    await expect(insertUser({ email: 'alice@example.COM' })).rejects.toMatchObject(violation('23505',
      'users_email_key'));
  });

  it('allows many users without a login (the unique index is partial)', async () => {
    await insertUser({ email: 'one@example.com' });
    await expect(insertUser({ email: 'two@example.com' })).resolves.toBeDefined();
  });

  it('accepts only E.164 phone numbers', async () => {
    for (const phone of ['(415) 555-0123', '4155550123', '+1 415 555 0123', '+0123456789']) {
      await expect(insertUser({ phone_number: phone })).rejects.toMatchObject(violation('23514', 'users_phone_e164'));
    }
    await expect(insertUser({ phone_number: '+14155550123' })).resolves.toBeDefined();
  });

  it('accepts only the known roles', async () => {
    await expect(insertUser({ login: 'root',
      role: 'ROOT' })).rejects.toMatchObject({ driverError: expect.objectContaining({ code: '23514' }) });
    await expect(insertUser({ login: 'boss', role: 'ADMIN' })).resolves.toBeDefined();
  });
});

describe('service accounts migration (1732420000000)', () => {
  beforeAll(async () => {
    await dataSource.runMigrations({ transaction: 'each' });
  });

  afterAll(async () => {
    await dataSource.query('DELETE FROM users');
  });

  const column = async (table: string, name: string) => (await dataSource.query(
    'SELECT data_type, is_nullable, column_default FROM information_schema.columns WHERE table_name = $1 '
      + 'AND column_name = $2', [table, name]))[0];

  it('marks service accounts and lets keys expire; down stops both before it forgets them, and up works again',
    async () => {
      // Down to just before ServiceAccounts (later migrations come after it in the list).
      const later = migrations.length - migrations.findIndex((M) => new M().name === 'ServiceAccounts1732420000000');
      expect(await column('users', 'service_account')).toEqual({ data_type: 'boolean', is_nullable: 'NO',
        column_default: 'false' });
      expect(await column('api_keys', 'expires_at')).toEqual({ data_type: 'timestamp with time zone',
        is_nullable: 'YES', column_default: null });
      const [person] = await dataSource.query(
        "INSERT INTO users (login, role) VALUES ('person', 'ADMIN') RETURNING id");
      const [bot] = await dataSource.query(
        "INSERT INTO users (login, role, service_account) VALUES ('bot', 'ADMIN', true) RETURNING id");
      await dataSource.query(`INSERT INTO api_keys (user_id, key_hash, hint, expires_at) VALUES
        ($1, 'h-person', 'p', NULL), ($2, 'h-bot', 'b', now() + interval '1 day')`, [person.id, bot.id]);

      for (let i = 0; i < later; i += 1) await dataSource.undoLastMigration({ transaction: 'each' });
      expect(await column('users', 'service_account')).toBeUndefined();
      expect(await column('api_keys', 'expires_at')).toBeUndefined();
      // The code before it cannot tell a service account from a person nor honour an expiry.
      expect(await dataSource.query('SELECT login, blocked FROM users ORDER BY login')).toEqual([
        { login: 'bot', blocked: true }, { login: 'person', blocked: false }]);
      expect(await dataSource.query('SELECT key_hash FROM api_keys')).toEqual([{ key_hash: 'h-person' }]);

      await dataSource.runMigrations({ transaction: 'each' });
      expect(await dataSource.query('SELECT login, service_account FROM users ORDER BY login')).toEqual([
        { login: 'bot', service_account: false }, { login: 'person', service_account: false }]);
    });
});
