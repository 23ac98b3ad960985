// The password policy never goes below 8 characters (NIST SP 800-63B; issue 17): the settings
// service refuses a lower minimum by its field, and a policy stored below 8 before the floor
// existed is read as 8, the rest of it kept.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { loadConfig } from '../../src/config/config.js';
import { ALL_USERS } from '../../src/platform/access.js';
import { ValidationError } from '../../src/platform/errors.js';
import { createServices } from '../../src/services.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { testEnv } from '../support/server.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(() => db?.drop());

const services = () => createServices(loadConfig(testEnv({ DATABASE_URL: db.url })), db.database);
const storedPolicy = async () => (await db.dataSource.query(
  "SELECT value FROM directory_settings WHERE name = 'password_policy'"))[0]?.value;
const policyEvents = async () => (await db.dataSource.query(
  "SELECT count(*)::int AS n FROM audit_events WHERE action = 'settings.password_policy_changed'"))[0].n;

it('refuses a minimum below 8 by the field, storing and auditing nothing', async () => {
  const { settings } = services();
  await settings.updatePasswordPolicy({ minLength: '10', forbidIdentifiers: 'on' }, CLI_ACTOR);
  const [before, events] = [await storedPolicy(), await policyEvents()];
  for (const minLength of ['7', '1']) {
    const refused = settings.updatePasswordPolicy({ minLength }, CLI_ACTOR);
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    await expect(refused).rejects.toMatchObject({ fields: { minLength: expect.stringMatching(
      /^Enter a whole number from 8 to 72: fewer than 8 characters is too weak \(NIST SP 800-63B\)/) } });
  }
  expect(await storedPolicy()).toEqual(before);
  expect(await policyEvents()).toBe(events);
  await expect(settings.updatePasswordPolicy({ minLength: '8' }, CLI_ACTOR)).resolves.toMatchObject({ minLength: 8 });
});

it('reads a policy stored below 8 as 8, keeping the rest, and every new password follows it', async () => {
  await db.dataSource.query(`UPDATE directory_settings SET value = '{"minLength": 5, "requiredClasses": ["digit"],
    "forbidIdentifiers": false}'::jsonb WHERE name = 'password_policy'`);
  const { settings, users } = services();
  expect((await settings.current()).passwordPolicy).toEqual({ minLength: 8, requiredClasses: ['digit'],
    forbidIdentifiers: false });
  await expect(users.create({ login: 'short-pw', password: 'abcdef1' }, CLI_ACTOR, ALL_USERS)).rejects
    .toMatchObject({ fields: { password: 'Use at least 8 characters' } });
  await expect(users.create({ login: 'long-pw', password: 'abcdefg1' }, CLI_ACTOR, ALL_USERS)).resolves
    .toMatchObject({ login: 'long-pw' });
});
