// SQL for users. Identifier lookups go through the case-insensitive unique indexes.
import type { Db } from '../db/database.js';
import { batched } from '../db/sql.js';
import type { User } from '../db/entities/user.entity.js';
import type { IdentifierKind } from './identifiers.js';

export type NewUser = Partial<Omit<User, 'id' | 'createdAt' | 'updatedAt'>>;

const UNIQUE_INDEX_FIELD: Record<string, IdentifierKind> = {
  users_login_key: 'login',
  users_email_key: 'email',
  users_phone_number_key: 'phone_number',
};
/**
 * Raised by the trigger users_identifier_unique (migration 1732410000000) when a login is
 * another user's email address or the other way round; its column says which of the two.
 */
const IDENTIFIER_UNIQUE = 'users_identifier_unique';

/** Which identifier a unique violation was about, if it was one (pg's error carries both). */
export function uniqueViolationField(err: unknown): IdentifierKind | undefined {
  const e = err as { code?: string; constraint?: string; column?: string } | null | undefined;
  if (e?.code !== '23505' || !e.constraint) return undefined;
  if (e.constraint === IDENTIFIER_UNIQUE) return e.column === 'email' ? 'email' : 'login';
  return Object.hasOwn(UNIQUE_INDEX_FIELD, e.constraint) ? UNIQUE_INDEX_FIELD[e.constraint] : undefined;
}

/**
 * Every field of User and its column, once: USER_COLUMNS, inserts and updates are made
 * from it. The cast is what the column is selected as (bigint ids and dates as text).
 */
const FIELDS = [
  ['id', 'id', 'text'],
  ['login', 'login'],
  ['email', 'email'],
  ['emailVerified', 'email_verified'],
  ['phoneNumber', 'phone_number'],
  ['phoneNumberVerified', 'phone_number_verified'],
  ['nickname', 'nickname'],
  ['givenName', 'given_name'],
  ['familyName', 'family_name'],
  ['birthdate', 'birthdate', 'text'],
  ['picture', 'picture'],
  ['passwordHash', 'password_hash'],
  ['passwordUpdatedAt', 'password_updated_at'],
  ['customFields', 'custom_fields'],
  ['role', 'role'],
  ['organizationId', 'organization_id'],
  ['blocked', 'blocked'],
  ['blockedAt', 'blocked_at'],
  ['lockedAt', 'locked_at'],
  ['lockedReason', 'locked_reason'],
  ['lockedUntil', 'locked_until'],
  ['deletionScheduledAt', 'deletion_scheduled_at'],
  ['claimPrivacy', 'claim_privacy'],
  ['lastSignInAt', 'last_sign_in_at'],
  ['invitedAt', 'invited_at'],
  ['passwordResetRequired', 'password_reset_required'],
  ['passwordChangeRequired', 'password_change_required'],
  ['externalId', 'external_id'],
  ['serviceAccount', 'service_account'],
  ['failedSignIns', 'failed_sign_ins'],
  ['failedSignInsSince', 'failed_sign_ins_since'],
  ['createdAt', 'created_at'],
  ['updatedAt', 'updated_at'],
] as const satisfies readonly (readonly [keyof User, string, string?])[];

// Fails to compile when User gains a field the list above does not have.
type Unlisted = Exclude<keyof User, (typeof FIELDS)[number][0]>;
const everyFieldListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyFieldListed;

const COLUMN_OF: ReadonlyMap<string, string> = new Map(FIELDS.map(([field, column]) => [field, column]));
/** jsonb columns: values go as JSON text (pg would turn a JS array into a PostgreSQL array). */
const JSON_FIELDS: ReadonlySet<string> = new Set<keyof User>(['customFields', 'claimPrivacy']);

function selectExpression([field, column, cast]: readonly [string, string, string?]): string {
  const value = cast ? `${column}::${cast}` : column;
  if (field === column) return cast ? `${value} AS ${field}` : column;
  return `${value} AS "${field}"`;
}

// The User shape straight from SQL, for the lookup on every token and userinfo request
// (and everywhere else: there is no entity mapping in between).
export const USER_COLUMNS = FIELDS.map(selectExpression).join(', ');
const USERS_BY_ID = `SELECT ${USER_COLUMNS} FROM users WHERE id = ANY($1::bigint[])`;

const TIMESTAMP_FIELDS = ['passwordUpdatedAt', 'blockedAt', 'lockedAt', 'lockedUntil', 'deletionScheduledAt',
  'lastSignInAt', 'invitedAt', 'failedSignInsSince', 'createdAt', 'updatedAt'] as const;

/** A user selected with USER_COLUMNS but delivered as JSON (timestamps as strings). */
export function userFromJson(json: Record<string, unknown>): User {
  const user = { ...json } as Record<string, unknown>;
  for (const field of TIMESTAMP_FIELDS) {
    if (typeof user[field] === 'string') user[field] = new Date(user[field] as string);
  }
  return user as unknown as User;
}

/** A field's value as a statement parameter; null stays SQL NULL (also for jsonb). */
function parameter(field: string, value: unknown): unknown {
  return JSON_FIELDS.has(field) && value !== null ? JSON.stringify(value) : value;
}

/** The listed fields `data` gives a value (undefined means "not given", as it did for TypeORM). */
function givenFields(data: Record<string, unknown>): { column: string; value: unknown }[] {
  return Object.entries(data)
    .filter(([field, value]) => value !== undefined && COLUMN_OF.has(field))
    .map(([field, value]) => ({ column: COLUMN_OF.get(field)!, value: parameter(field, value) }));
}

/**
 * Locked right now, as SQL on the users table named `table` (an alias such as `u`, or `users`):
 * a lock is set and has no end or an end still to come. The same rule in TypeScript is
 * `isLocked` (src/settings/lockout-policy.ts).
 */
export function lockedSql(table: string): string {
  return `(${table}.locked_at IS NOT NULL AND (${table}.locked_until IS NULL OR ${table}.locked_until > now()))`;
}

/** `lockedSql` on the alias `u`, the one the read models use for users. */
export const LOCKED_SQL = lockedSql('u');

const NUMERIC_ID = /^[0-9]{1,18}$/;

export function createUserRepository(db: Db) {
  const findBatched = batched(async (ids: readonly string[]) => {
    const { rows } = await db.query<User>({ name: 'users-by-id', text: USERS_BY_ID, values: [ids] });
    const byId = new Map(rows.map((u) => [u.id, u]));
    return ids.map((id) => byId.get(id) ?? null);
  });

  return {
    /** Columns not given get the table's defaults (the same the entity declared: false, 0, '{}', 'MEMBER', now()). */
    async insert(data: NewUser, tx?: Db): Promise<User> {
      const given = givenFields(data as Record<string, unknown>);
      const text = given.length === 0
        ? `INSERT INTO users DEFAULT VALUES RETURNING ${USER_COLUMNS}`
        : `INSERT INTO users (${given.map((g) => g.column).join(', ')})
           VALUES (${given.map((_, i) => `$${i + 1}`).join(', ')})
           RETURNING ${USER_COLUMNS}`;
      const { rows } = await (tx ?? db).query<User>(text, given.map((g) => g.value));
      return rows[0];
    },

    /** Inside a transaction (`tx`) through it; otherwise batched with concurrent lookups. */
    async findById(id: string, tx?: Db): Promise<User | null> {
      if (!NUMERIC_ID.test(id)) return null;
      if (!tx) return findBatched(id);
      const { rows } = await tx.query<User>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
      return rows[0] ?? null;
    },

    /** The users of `ids` that exist, in one statement (ids that are not numbers find nothing). */
    async findByIds(ids: string[], tx?: Db): Promise<User[]> {
      const numeric = ids.filter((id) => NUMERIC_ID.test(id));
      if (numeric.length === 0) return [];
      return (await (tx ?? db).query<User>(USERS_BY_ID, [numeric])).rows;
    },

    /**
     * The user a typed identifier names. An e-mail-form value (kind `email`) is looked up as
     * email or as login, in one statement over both unique indexes: a login may be an email
     * address (alice@contoso.com from an IdP), and no login equals another user's email.
     */
    async findByIdentifier(kind: IdentifierKind, value: string): Promise<User | null> {
      const byLogin = 'login IS NOT NULL AND lower(login) = lower($1)';
      const where = kind === 'phone_number' ? 'phone_number = $1' : kind === 'login' ? byLogin
        : `(email IS NOT NULL AND lower(email) = lower($1)) OR (${byLogin})`;
      const { rows } = await db.query<User>(`SELECT ${USER_COLUMNS} FROM users WHERE ${where}`, [value]);
      return rows[0] ?? null;
    },

    findByLogin(login: string): Promise<User | null> {
      return this.findByIdentifier('login', login);
    },

    /** Sets the given fields; updated_at becomes now() unless it is one of them. */
    async update(id: string, changes: Partial<User>, tx?: Db): Promise<void> {
      const unknown = Object.entries(changes).filter(([field, value]) => value !== undefined
        && !COLUMN_OF.has(field)).map(([field]) => field);
      if (unknown.length) throw new Error(`Not a user field: ${unknown.join(', ')}`);
      const given = givenFields(changes as Record<string, unknown>);
      const sets = given.map((g, i) => `${g.column} = $${i + 2}`);
      if (changes.updatedAt === undefined) sets.push('updated_at = now()');
      await (tx ?? db).query(`UPDATE users SET ${sets.join(', ')} WHERE id = $1`, [id, ...given.map((g) => g.value)]);
    },

    /**
     * Counts a failed sign-in in the account's window (a new window once the old one is
     * over) and returns the count; for no account it runs the same statement on no row, so
     * an unknown identifier costs the same round trip as a known one.
     */
    async countFailedSignIn(id: string | null, windowMinutes: number): Promise<number> {
      const { rows } = await db.query<{ n: number }>({
        name: 'users-failed-sign-in',
        text: `UPDATE users SET
            failed_sign_ins = CASE WHEN failed_sign_ins_since > now() - make_interval(mins => $2)
              THEN failed_sign_ins + 1 ELSE 1 END,
            failed_sign_ins_since = CASE WHEN failed_sign_ins_since > now() - make_interval(mins => $2)
              THEN failed_sign_ins_since ELSE now() END
          WHERE id = $1 RETURNING failed_sign_ins AS n`,
        values: [id ?? '0', windowMinutes],
      });
      return rows[0]?.n ?? 0;
    },

    /**
     * Locks the account for failed sign-ins unless something else locked or blocked it
     * meanwhile; true when this call locked it.
     */
    async lockAfterFailures(id: string, lockedUntil: Date | null, reason: string, tx?: Db): Promise<boolean> {
      const { rows } = await (tx ?? db).query<{ id: string }>(
        `UPDATE users SET locked_at = now(), locked_until = $2, locked_reason = $3
          WHERE id = $1 AND NOT blocked AND NOT ${lockedSql('users')}
          RETURNING id`, [id, lockedUntil, reason]);
      return rows.length > 0;
    },

    /** Administrators who are people (a service account is none: it cannot sign in to set anything up). */
    async countAdmins(): Promise<number> {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM users WHERE role = 'ADMIN' AND NOT service_account`);
      return rows[0].n;
    },

    /**
     * Administrators who may act: not blocked, not scheduled for deletion (a deleted one has no row),
     * and people: a service account never signs in, so it is no Administrator who can get back in.
     */
    async countActiveAdmins(tx?: Db): Promise<number> {
      const { rows } = await (tx ?? db).query<{ n: number }>(
        `SELECT count(*)::int AS n FROM users WHERE role = 'ADMIN' AND NOT blocked AND deletion_scheduled_at IS NULL `
          + 'AND NOT service_account');
      return rows[0].n;
    },

    /** As countActiveAdmins, leaving out the user `id`. */
    async countOtherActiveAdmins(id: string, tx?: Db): Promise<number> {
      const { rows } = await (tx ?? db).query<{ n: number }>(
        `SELECT count(*)::int AS n FROM users WHERE role = 'ADMIN' AND id <> $1 AND NOT blocked `
          + `AND deletion_scheduled_at IS NULL AND NOT service_account`, [id]);
      return rows[0].n;
    },

    /** Accounts whose deletion grace period is over, the longest overdue first. */
    async dueForPurge(limit: number, tx?: Db): Promise<string[]> {
      const { rows } = await (tx ?? db).query<{ id: string }>(
        'SELECT id::text AS id FROM users WHERE deletion_scheduled_at <= now() ORDER BY deletion_scheduled_at LIMIT $1',
        [limit]);
      return rows.map((r) => r.id);
    },

    /** Deletes the row for good (one-time links and memberships go with it, by foreign key). */
    async deleteById(id: string, tx?: Db): Promise<void> {
      await (tx ?? db).query('DELETE FROM users WHERE id = $1', [id]);
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;
