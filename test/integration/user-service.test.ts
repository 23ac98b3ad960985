// The user aggregate on a real PostgreSQL, wired the way the server wires it.
import { CLI_ACTOR, createAuditLog } from '../../src/audit/audit.service.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { ValidationError } from '../../src/platform/errors.js';
import { createPasswordHasher, type PasswordHasher } from '../../src/users/password.js';
import { createOrganizationRepository } from '../../src/organizations/organization.repository.js';
import { createSettingsRepository } from '../../src/settings/settings.repository.js';
import { createSettingsService } from '../../src/settings/settings.service.js';
import { createUserRepository } from '../../src/users/user.repository.js';
import { ALL_USERS } from '../../src/platform/access.js';
import { createUserService, LastAdministratorError, type CreateUserInput,
  type UserService } from '../../src/users/user.service.js';
import { createServices } from '../../src/services.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { testEnv } from '../support/server.js';

const PASSWORD = 'correct horse battery';

let db: TestDatabase;
let config: Config;
let users: UserService;
let lifecycle: ReturnType<typeof createServices>['lifecycle'];
let serial = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  config = loadConfig(testEnv({ DATABASE_URL: db.url }));
  ({ users, lifecycle } = createServices(config, db.database));
});

afterAll(async () => {
  await db?.drop();
});

/** A valid new user with identifiers nobody else has. */
function newUser(overrides: Partial<CreateUserInput> = {}): CreateUserInput {
  serial += 1;
  return { login: `user${serial}`, email: `user${serial}@example.com`, password: PASSWORD, ...overrides };
}

const createUser = (overrides: Partial<CreateUserInput> = {}) => users.create(newUser(overrides), CLI_ACTOR, ALL_USERS);

async function setColumns(id: string, assignments: string): Promise<void> {
  await db.dataSource.query(`UPDATE users SET ${assignments} WHERE id = $1`, [id]);
}

async function fieldsOf(attempt: Promise<unknown>): Promise<Record<string, string>> {
  const err = await attempt.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ValidationError);
  return (err as ValidationError).fields;
}

async function auditEvents(userId: string, action: string): Promise<{ details: Record<string, unknown> }[]> {
  return db.dataSource.query('SELECT details FROM audit_events WHERE target_user_id = $1 AND action = $2 ORDER BY id',
    [userId, action]);
}

/** The service as services.ts builds it, with some parts swapped for tests. */
function serviceWith(parts: { hasher?: PasswordHasher }): UserService {
  return createUserService({
    db: db.database,
    users: createUserRepository(db.database),
    organizations: createOrganizationRepository(db.database),
    settings: createSettingsService({ db: db.database, settings: createSettingsRepository(db.database),
      audit: createAuditLog(db.database) }),
    hasher: parts.hasher ?? createPasswordHasher({ cost: config.bcryptCost }),
    audit: createAuditLog(db.database),
    privacyDefaults: config.privacyDefaults,
    defaultPhoneRegion: 'US',
  });
}

/** The real hasher, counting how often a password is compared. */
function countingHasher(): PasswordHasher & { verifyCalls: number } {
  const real = createPasswordHasher({ cost: 4 });
  const counting = {
    verifyCalls: 0,
    hash: (password: string) => real.hash(password),
    verify(password: string, hash: string | null | undefined) {
      counting.verifyCalls += 1;
      return real.verify(password, hash);
    },
  };
  return counting;
}

describe('create', () => {
  it('needs at least one identifier', async () => {
    expect((await fieldsOf(users.create({ password: PASSWORD, nickname: 'ghost' }, CLI_ACTOR, ALL_USERS))).login).toMatch(/at least one/);
  });

  it('rejects a bad email and a bad phone number', async () => {
    expect(await fieldsOf(createUser({ email: 'not-an-email' }))).toHaveProperty('email');
    expect(await fieldsOf(createUser({ phoneNumber: '555-01' }))).toHaveProperty('phone_number');
  });

  it('rejects passwords that are too short or over 72 bytes', async () => {
    expect((await fieldsOf(createUser({ password: 'short' }))).password).toMatch(/at least 8/);
    expect((await fieldsOf(createUser({ password: 'a'.repeat(73) }))).password).toMatch(/72 bytes/);
    expect((await fieldsOf(createUser({ password: '€'.repeat(25) }))).password).toMatch(/72 bytes/);
  });

  it('rejects a login or email already taken in another case, and keeps no trace of the attempt', async () => {
    await createUser({ login: 'Dinah', email: 'Dinah@Example.com' });
    expect((await fieldsOf(createUser({ login: 'dINAH' }))).login).toMatch(/already in use/);
    expect((await fieldsOf(createUser({ email: 'dinah@EXAMPLE.com' }))).email).toMatch(/already in use/);
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM users WHERE lower(login) = 'dinah' OR `
      + `lower(email) = 'dinah@example.com'`);
    expect(n).toBe(1);
  });

  it('stores the phone number in E.164, hashes the password and records the creation', async () => {
    const user = await createUser({ phoneNumber: '(415) 555-0199' });
    const [row] = await db.dataSource.query('SELECT phone_number, password_hash FROM users WHERE id = $1', [user.id]);
    expect(row.phone_number).toBe('+14155550199');
    expect(row.password_hash).toMatch(/^\$2[aby]\$04\$/);
    expect(await auditEvents(user.id, 'user.created')).toHaveLength(1);
  });
});

describe('signIn', () => {
  let carol: Awaited<ReturnType<typeof createUser>>;

  beforeAll(async () => {
    carol = await createUser({ login: 'carol', email: 'Carol@Example.com', phoneNumber: '+14155550123' });
  });

  it.each([
    ['login', 'carol'],
    ['email in another case', 'cAROL@example.COM'],
    ['phone in international form', '+1 415 555 0123'],
    ['phone in national form', '(415) 555-0123'],
    ['phone with dashes', '415-555-0123'],
  ])('accepts the %s', async (_kind, identifier) => {
    await expect(users.signIn(identifier, PASSWORD)).resolves.toMatchObject({ outcome: 'ok', user: { id: carol.id } });
  });

  it('records the time of a successful sign-in', async () => {
    await setColumns(carol.id, 'last_sign_in_at = NULL');
    await users.signIn('carol', PASSWORD);
    expect((await users.findById(carol.id))?.lastSignInAt).toBeInstanceOf(Date);
  });

  it('says the same for a wrong password and an unknown identifier', async () => {
    await expect(users.signIn('carol', 'wrong horse battery')).resolves.toEqual({ outcome: 'invalid' });
    await expect(users.signIn('nobody-here', PASSWORD)).resolves.toEqual({ outcome: 'invalid' });
    await expect(users.signIn('', PASSWORD)).resolves.toEqual({ outcome: 'invalid' });
  });

  it('tells a blocked user so, but only with the right password', async () => {
    const user = await createUser();
    await setColumns(user.id, 'blocked = true, blocked_at = now()');
    await expect(users.signIn(user.login!, PASSWORD)).resolves.toMatchObject({ outcome: 'blocked' });
    await expect(users.signIn(user.login!, 'wrong horse battery')).resolves.toEqual({ outcome: 'invalid' });
  });

  it('tells a locked user until when, and lets them in once the lock has run out', async () => {
    const user = await createUser();
    await setColumns(user.id, `locked_at = now(), locked_until = now() + interval '1 hour'`);
    const [{ locked_until: until }] = await db.dataSource.query('SELECT locked_until FROM users WHERE id = $1',
      [user.id]);
    await expect(users.signIn(user.login!, PASSWORD)).resolves.toMatchObject({ outcome: 'locked', until });

    await setColumns(user.id, `locked_until = now() - interval '1 minute'`);
    await expect(users.signIn(user.login!, PASSWORD)).resolves.toMatchObject({ outcome: 'ok' });
  });

  it('does not know a deleted user', async () => {
    const user = await createUser();
    await expect(users.signIn(user.login!, PASSWORD)).resolves.toMatchObject({ outcome: 'ok' });
    await lifecycle.delete(user.id, CLI_ACTOR, ALL_USERS);
    await expect(users.signIn(user.login!, PASSWORD)).resolves.toEqual({ outcome: 'invalid' });
    await expect(users.signIn(user.email!, PASSWORD)).resolves.toEqual({ outcome: 'invalid' });
  });

  it('offers a user scheduled for deletion the restore step, only with the right password', async () => {
    const user = await createUser();
    await setColumns(user.id, "deletion_scheduled_at = now() + interval '3 days'");
    await expect(users.signIn(user.login!, PASSWORD)).resolves.toMatchObject({ outcome: 'deletion_scheduled',
      at: expect.any(Date) });
    await expect(users.signIn(user.login!, 'wrong password')).resolves.toEqual({ outcome: 'invalid' });
  });

  describe('costs exactly one bcrypt compare', () => {
    let hasher: ReturnType<typeof countingHasher>;
    let service: UserService;
    let noPassword: Awaited<ReturnType<typeof createUser>>;

    beforeAll(async () => {
      noPassword = await createUser({ password: undefined });
    });

    beforeEach(() => {
      hasher = countingHasher();
      service = serviceWith({ hasher });
    });

    it.each([
      ['an unknown identifier', () => 'nobody-at-all'],
      ['an identifier that is not one', () => '   '],
      ['a wrong password', () => 'carol'],
      ['a user without a password', () => noPassword.login!],
    ])('for %s', async (_case, identifier) => {
      await expect(service.signIn(identifier(), 'wrong horse battery')).resolves.toEqual({ outcome: 'invalid' });
      expect(hasher.verifyCalls).toBe(1);
    });

    it('for the right password', async () => {
      await expect(service.signIn('carol', PASSWORD)).resolves.toMatchObject({ outcome: 'ok' });
      expect(hasher.verifyCalls).toBe(1);
    });
  });
});

describe('findActive', () => {
  const set = (assignments: string) => (id: string) => setColumns(id, assignments);
  it.each([
    ['blocked', set('blocked = true')],
    ['locked', set(`locked_at = now(), locked_until = now() + interval '1 hour'`)],
    ['locked without end', set('locked_at = now()')],
    ['deleted', (id: string) => lifecycle.delete(id, CLI_ACTOR, ALL_USERS).then(() => undefined)],
    ['scheduled for deletion', set('deletion_scheduled_at = now()')],
  ])('does not return a %s user', async (_state, makeIt) => {
    const user = await createUser();
    await expect(users.findActive(user.id)).resolves.toMatchObject({ id: user.id });
    await makeIt(user.id);
    await expect(users.findActive(user.id)).resolves.toBeUndefined();
  });

  it('returns a user whose lock has run out', async () => {
    const user = await createUser();
    await setColumns(user.id, `locked_at = now() - interval '2 hours', locked_until = now() - interval '1 hour'`);
    await expect(users.findActive(user.id)).resolves.toMatchObject({ id: user.id });
  });
});

describe('setPrivacy', () => {
  it('rejects an unknown claim or level', async () => {
    const user = await createUser();
    expect(await fieldsOf(users.setPrivacy(user.id, 'shoe_size', 'public', CLI_ACTOR,
      ALL_USERS))).toHaveProperty('claim');
    expect(await fieldsOf(users.setPrivacy(user.id, 'email', 'secret', CLI_ACTOR, ALL_USERS))).toHaveProperty('level');
    expect(await auditEvents(user.id, 'user.privacy_changed')).toEqual([]);
  });

  it('stores the new level and records the change from and to', async () => {
    const user = await createUser();
    expect(config.privacyDefaults.email).toBe('on_request');

    const levels = await users.setPrivacy(user.id, 'email', 'public', CLI_ACTOR, ALL_USERS);
    expect(levels).toEqual({ ...config.privacyDefaults, email: 'public' });
    await users.setPrivacy(user.id, 'email', 'private', CLI_ACTOR, ALL_USERS);

    const [row] = await db.dataSource.query('SELECT claim_privacy FROM users WHERE id = $1', [user.id]);
    expect(row.claim_privacy).toEqual({ email: 'private' });
    expect(await auditEvents(user.id, 'user.privacy_changed')).toEqual([
      { details: { claim: 'email', from: 'on_request', to: 'public' } },
      { details: { claim: 'email', from: 'public', to: 'private' } },
    ]);
  });
});

describe('console changes', () => {
  // One set of services, as one process has: settings changes are seen at once by its user service.
  let svc: ReturnType<typeof createServices>;
  beforeAll(() => {
    svc = createServices(config, db.database);
  });
  const services = () => svc;

  it('applies the password policy set in settings to every new password, and names what is missing', async () => {
    const { settings } = services();
    await settings.updatePasswordPolicy({ minLength: '12', requiredClasses: ['digit', 'upper'],
      forbidIdentifiers: 'on' }, CLI_ACTOR);
    try {
      expect((await fieldsOf(svc.users.create(newUser({ password: 'only lowercase words' }), CLI_ACTOR,
        ALL_USERS))).password).toBe('Include a digit, an upper-case letter');
      expect((await fieldsOf(svc.users.create(newUser({ login: 'ringo', password: 'Ringo Starr 1940' }), CLI_ACTOR, ALL_USERS))).password).toMatch(/login or email/);
      expect((await fieldsOf(svc.users.create(newUser({ password: 'Short 1' }), CLI_ACTOR, ALL_USERS))).password).toMatch(/at least 12/);
      await expect(svc.users.create(newUser({ password: 'Perfectly Fine 42' }), CLI_ACTOR,
        ALL_USERS)).resolves.toHaveProperty('id');
      const [event] = await db.dataSource.query('SELECT details FROM audit_events WHERE action = '
        + "'settings.password_policy_changed' ORDER BY id DESC LIMIT 1");
      expect(event.details.to).toEqual({ minLength: 12, requiredClasses: ['digit', 'upper'], forbidIdentifiers: true });
    } finally {
      await settings.updatePasswordPolicy({ minLength: '8', forbidIdentifiers: 'on' }, CLI_ACTOR);
    }
  });

  it('edits the profile, unverifies a changed email and audits the field names only', async () => {
    const user = await svc.users.create(newUser({ emailVerified: true, givenName: 'Old' }), CLI_ACTOR, ALL_USERS);
    const updated = await svc.users.update(user.id,
      { login: user.login!, email: `new-${user.email}`, givenName: 'New' }, CLI_ACTOR, ALL_USERS);
    expect(updated).toMatchObject({ givenName: 'New', emailVerified: false });
    const [event] = await auditEvents(user.id, 'user.updated');
    expect(event.details).toEqual({ fields: ['email', 'givenName', 'emailVerified'] });
  });

  it('keeps at least one active Administrator', async () => {
    const { organizations } = services();
    const org = await organizations.create(`Last admin ${serial}`, CLI_ACTOR, { kind: 'all' });
    await db.dataSource.query("UPDATE users SET role = 'MEMBER' WHERE role = 'ADMIN'");
    const only = await svc.users.create(newUser({ role: 'ADMIN' }), CLI_ACTOR, ALL_USERS);
    await expect(svc.users.changePermissions(only.id, { role: 'MANAGER', organizationId: org.id }, CLI_ACTOR,
      ALL_USERS))
      .rejects.toBeInstanceOf(LastAdministratorError);
    const second = await svc.users.create(newUser({ role: 'ADMIN' }), CLI_ACTOR, ALL_USERS);
    await expect(svc.users.changePermissions(only.id, { role: 'MANAGER', organizationId: org.id }, CLI_ACTOR,
      ALL_USERS))
      .resolves.toMatchObject({ role: 'MANAGER', organizationId: org.id });
    expect((await auditEvents(only.id, 'user.permissions_changed'))[0].details).toEqual({
      from: { role: 'ADMIN', organizationId: null }, to: { role: 'MANAGER', organizationId: org.id },
    });
    expect(second.role).toBe('ADMIN');
  });
});
