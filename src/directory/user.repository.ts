// SQL for users. Identifier lookups go through the case-insensitive unique indexes.
import type { DataSource, EntityManager } from 'typeorm';
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

export function createUserRepository(dataSource: DataSource) {
  const repo = (manager?: EntityManager) => (manager ?? dataSource.manager).getRepository(UserEntity);

  return {
    async insert(data: NewUser, manager?: EntityManager): Promise<User> {
      const r = repo(manager);
      return r.save(r.create(data));
    },

    findById(id: string, manager?: EntityManager): Promise<User | null> {
      if (!/^[0-9]{1,18}$/.test(id)) return Promise.resolve(null);
      return repo(manager).findOneBy({ id });
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

    async countAdmins(): Promise<number> {
      return repo().count({ where: { role: 'ADMIN' } });
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;
