// SQL of the SCIM Users endpoint beyond what the user service does: the externalId a
// provisioning system keeps on a user, and the filtered, sorted page of user ids a list asks for.
import { type Db } from '../../db/database.js';
import { scimPage, type ScimPageQuery } from './scim-page.query.js';

export function createScimUserRepository(db: Db) {
  return {
    async setExternalId(userId: string, externalId: string | null, tx?: Db): Promise<void> {
      await (tx ?? db).query('UPDATE users SET external_id = $2, updated_at = now() WHERE id = $1',
        [userId, externalId]);
    },

    /**
     * Holds the user's row until `tx` ends, so concurrent writes to one user take turns and
     * none is lost; false when there is no such user.
     */
    async lock(userId: string, tx: Db): Promise<boolean> {
      const { rows } = await tx.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [userId]);
      return rows.length > 0;
    },

    /** How many users match and the ids of one page (sortColumn from SORTABLE). */
    page: (query: ScimPageQuery, tx?: Db) => scimPage(tx ?? db, 'users u', query, 'last'),
  };
}

export type ScimUserRepository = ReturnType<typeof createScimUserRepository>;
