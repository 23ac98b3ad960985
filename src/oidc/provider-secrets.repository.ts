// SQL for provider_secrets: the signing keys, cookie keys and CSRF secret, one row each.
import type { Db } from '../db/database.js';

export function createProviderSecretsRepository(db: Db) {
  return {
    async read(name: string): Promise<unknown> {
      return (await db.query<{ value: unknown }>('SELECT value FROM provider_secrets WHERE name = $1',
        [name])).rows[0]?.value;
    },

    /** Stores `value` unless a row of that name exists (two processes racing on a new database). */
    async insertIfMissing(name: string, value: unknown): Promise<void> {
      await db.query('INSERT INTO provider_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING',
        [name, JSON.stringify(value)]);
    },

    /** Replaces the row's value only if it still holds `expected`. */
    async replace(name: string, value: unknown, expected: unknown): Promise<void> {
      await db.query('UPDATE provider_secrets SET value = $2 WHERE name = $1 AND value = $3::jsonb',
        [name, JSON.stringify(value), JSON.stringify(expected)]);
    },
  };
}

type ProviderSecretsRepository = ReturnType<typeof createProviderSecretsRepository>;
export type { ProviderSecretsRepository };
