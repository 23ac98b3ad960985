// SQL for users. Identifier lookups go through the case-insensitive unique indexes.
import type { DataSource, EntityManager } from 'typeorm';
import { batched, sqlOf } from '../db/sql.js';
import { UserEntity, type User } from '../db/entities/user.entity.js';
import type { IdentifierKind } from './identifiers.js';

export type NewUser = Partial<Omit<User, 'id' | 'createdAt' | 'updatedAt'>>;

const UNIQUE_INDEX_FIELD: Record<string, IdentifierKind> = {
  users_login_key: 'login',
  users_email_key: 'email',
  users_phone_number_key: 'phone_number',
};

/** Which identifier a unique violation was about, if it was one. */
export function uniqueViolationField(err: unknown): IdentifierKind | undefined {
  const e = err as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const code = e.code ?? e.driverError?.code;
  const constraint = e.constraint ?? e.driverError?.constraint;
  return code === '23505' && constraint ? UNIQUE_INDEX_FIELD[constraint] : undefined;
}

// The User shape straight from SQL, for the lookup on every token and userinfo request
// (TypeORM's entity mapping costs more than the query there).
export const USER_COLUMNS = `id::text AS id, login, email, email_verified AS "emailVerified", phone_number AS "phoneNumber",
  phone_number_verified AS "phoneNumberVerified", nickname, given_name AS "givenName", family_name AS "familyName",
  birthdate::text AS birthdate, picture, password_hash AS "passwordHash", password_updated_at AS "passwordUpdatedAt",
  custom_fields AS "customFields", role, organization_id AS "organizationId", blocked, blocked_at AS "blockedAt",
  locked_at AS "lockedAt", locked_reason AS "lockedReason", locked_until AS "lockedUntil",
  deletion_scheduled_at AS "deletionScheduledAt", deleted_at AS "deletedAt", claim_privacy AS "claimPrivacy",
  last_sign_in_at AS "lastSignInAt", invited_at AS "invitedAt", password_reset_required AS "passwordResetRequired",
  password_change_required AS "passwordChangeRequired", external_id AS "externalId", failed_sign_ins AS "failedSignIns", failed_sign_ins_since AS "failedSignInsSince", created_at AS "createdAt", updated_at AS "updatedAt"`;
const USERS_BY_ID = `SELECT ${USER_COLUMNS} FROM users WHERE id = ANY($1::bigint[])`;

const TIMESTAMP_FIELDS = ['passwordUpdatedAt', 'blockedAt', 'lockedAt', 'lockedUntil', 'deletionScheduledAt', 'deletedAt',
  'lastSignInAt', 'invitedAt', 'failedSignInsSince', 'createdAt', 'updatedAt'] as const;

/** A user selected with USER_COLUMNS but delivered as JSON (timestamps as strings). */
export function userFromJson(json: Record<string, unknown>): User {
  const user = { ...json } as Record<string, unknown>;
  for (const field of TIMESTAMP_FIELDS) if (typeof user[field] === 'string') user[field] = new Date(user[field] as string);
  return user as unknown as User;
}

const NUMERIC_ID = /^[0-9]{1,18}$/;

export function createUserRepository(dataSource: DataSource) {
  const repo = (manager?: EntityManager) => (manager ?? dataSource.manager).getRepository(UserEntity);
  const findBatched = batched(async (ids: readonly string[]) => {
    const { rows } = await sqlOf(dataSource).query<User>({ name: 'users-by-id', text: USERS_BY_ID, values: [ids] });
    const byId = new Map(rows.map((u) => [u.id, u]));
    return ids.map((id) => byId.get(id) ?? null);
  });

  return {
    async insert(data: NewUser, manager?: EntityManager): Promise<User> {
      const r = repo(manager);
      return r.save(r.create(data));
    },

    /** Inside a transaction (`manager`) through it; otherwise batched with concurrent lookups. */
    findById(id: string, manager?: EntityManager): Promise<User | null> {
      if (!NUMERIC_ID.test(id)) return Promise.resolve(null);
      return manager ? repo(manager).findOneBy({ id }) : findBatched(id);
    },

    findByIdentifier(kind: IdentifierKind, value: string): Promise<User | null> {
      const qb = repo().createQueryBuilder('u');
      if (kind === 'phone_number') qb.where('u.phone_number = :value', { value });
      else qb.where(`lower(u.${kind}) = lower(:value)`, { value });
      return qb.andWhere('u.deleted_at IS NULL').getOne();
    },

    findByLogin(login: string): Promise<User | null> {
      return this.findByIdentifier('login', login);
    },

    async update(id: string, changes: Partial<User>, manager?: EntityManager): Promise<void> {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeORM's deep-partial type rejects jsonb records
      await repo(manager).update({ id }, changes as any);
    },

    /**
     * Counts a failed sign-in in the account's window (a new window once the old one is
     * over) and returns the count; for no account it runs the same statement on no row, so
     * an unknown identifier costs the same round trip as a known one.
     */
    async countFailedSignIn(id: string | null, windowMinutes: number): Promise<number> {
      const { rows } = await sqlOf(dataSource).query<{ n: number }>({
        name: 'users-failed-sign-in',
        text: `UPDATE users SET
            failed_sign_ins = CASE WHEN failed_sign_ins_since > now() - make_interval(mins => $2) THEN failed_sign_ins + 1 ELSE 1 END,
            failed_sign_ins_since = CASE WHEN failed_sign_ins_since > now() - make_interval(mins => $2) THEN failed_sign_ins_since ELSE now() END
          WHERE id = $1 RETURNING failed_sign_ins AS n`,
        values: [id ?? '0', windowMinutes],
      });
      return rows[0]?.n ?? 0;
    },

    async countAdmins(): Promise<number> {
      return repo().count({ where: { role: 'ADMIN' } });
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;
