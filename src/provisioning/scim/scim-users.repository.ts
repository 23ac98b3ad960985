// SQL of the SCIM Users endpoint beyond what the user service does: the externalId a
// provisioning system keeps on a user, and the filtered, sorted page of user ids a list asks for.
import { type Db } from '../../db/database.js';

export function createScimUserRepository(db: Db) {
  return {
    async setExternalId(userId: string, externalId: string | null, tx?: Db): Promise<void> {
      await (tx ?? db).query('UPDATE users SET external_id = $2, updated_at = now() WHERE id = $1',
        [userId, externalId]);
    },

    /**
     * The number of users matching `conditions` (over alias `u`, with `values` as their
     * parameters) and the ids of one page of them, ordered by `sortColumn` (an expression of
     * SORTABLE; the id when none), ties by id.
     */
    async page(
      { conditions, values, sortColumn, descending, startIndex, count }:
      { conditions: string[]; values: unknown[]; sortColumn?: string; descending: boolean; startIndex: number;
        count: number; },
      tx?: Db,
    ): Promise<{ total: number; ids: string[] }> {
      const where = conditions.join(' AND ');
      const order = `${sortColumn ?? 'u.id'} ${descending ? 'DESC' : 'ASC'} NULLS LAST, u.id`;
      const [{ rows: total }, { rows: ids }] = await Promise.all([
        (tx ?? db).query<{ n: number }>(`SELECT count(*)::int AS n FROM users u WHERE ${where}`, values),
        (tx
          ?? db).query<{ id: string }>(`SELECT u.id::text AS id FROM users u WHERE ${where} ORDER BY ${order} OFFSET `
            + `${startIndex - 1} LIMIT ${count}`, values),
      ]);
      return { total: total[0].n, ids: ids.map((r) => r.id) };
    },
  };
}

export type ScimUserRepository = ReturnType<typeof createScimUserRepository>;
