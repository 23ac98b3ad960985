// The data `npm run bench:scim` needs before it measures: the directory at its size (seeded as
// bench:admin seeds it), what the requests ask for (seeded logins, common family names, users
// to put in a group), and an Administrator's SCIM API key, made as an operator makes one
// (`npm run cli -- service-account create`: a service account with role ADMIN).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { CLI_ACTOR } from '../src/audit/audit.service.js';
import { loadConfig } from '../src/config/config.js';
import { connectDatabase } from '../src/db/connect.js';
import { ALL_USERS } from '../src/platform/access.js';
import { createServices } from '../src/services.js';

export interface DirectorySample {
  /** Logins of users picked at random over the whole table. */
  logins: string[];
  /** The most common family names (as `name.familyName eq` matches them: case-insensitively), most common first. */
  familyNames: { name: string; users: number }[];
  /** Ids of users picked at random (people, not service accounts), for the group. */
  memberIds: string[];
}

export async function sampleDirectory(pool: pg.Pool, wanted: { logins: number; familyNames: number;
  members: number; }): Promise<DirectorySample> {
  const { rows: logins } = await pool.query<{ login: string }>(
    `SELECT login FROM users WHERE login IS NOT NULL AND NOT service_account AND deletion_scheduled_at IS NULL
     ORDER BY random() LIMIT $1`,
    [wanted.logins]);
  const { rows: familyNames } = await pool.query<{ name: string; users: number }>(
    `SELECT min(family_name) AS name, count(*)::int AS users FROM users WHERE family_name IS NOT NULL
     GROUP BY lower(family_name) ORDER BY users DESC, name LIMIT $1`, [wanted.familyNames]);
  const { rows: members } = await pool.query<{ id: string }>(
    'SELECT id::text AS id FROM users WHERE NOT service_account AND deletion_scheduled_at IS NULL ORDER BY random() '
      + 'LIMIT $1', [wanted.members]);
  return { logins: logins.map((r) => r.login), familyNames, memberIds: members.map((r) => r.id) };
}

/**
 * A new service account with role ADMIN and its API key, made through Foyer's services as
 * `npm run cli -- service-account create --name N` makes it. A new name each run: a reused
 * DATABASE_URL still holds the previous run's account.
 */
export async function issueAdministratorKey(databaseUrl: string): Promise<{ name: string; key: string }> {
  const config = loadConfig({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' });
  const db = await connectDatabase(config, () => undefined, 2);
  try {
    const name = `bench-scim-${randomBytes(4).toString('hex')}`;
    const { key } = await createServices(config, db.database).serviceAccounts.create({ name, role: 'ADMIN' },
      CLI_ACTOR, ALL_USERS);
    return { name, key };
  } finally {
    await db.close();
  }
}
