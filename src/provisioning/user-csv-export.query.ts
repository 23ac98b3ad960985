// SQL of the CSV export (user-csv-export.ts): one keyset batch of the users matching a
// filter, with one cell per chosen column.
import { type Db } from '../db/database.js';
import { whereOf, type UserFilter } from '../users/user-directory.query.js';

/**
 * The groups cell: the user's group names in name order, separated by `;`, each with `\` before
 * a `;` or `\` in it (`Ops, on-call\; EU`), so a name with a separator imports back whole
 * (user-import-row.ts reads it).
 */
export const GROUPS_CELL_SQL = `(SELECT string_agg(replace(replace(g.name, '\\', '\\\\'), ';', '\\;'), ';'
    ORDER BY g.name)
  FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = u.id)`;

/** A row of a batch: the user's id (`_id`, the keyset) and the columns' cells as `c0`, `c1`, …. */
export type ExportRow = Record<string, string | null> & { _id: string };

/**
 * Up to `limit` users matching `filter` with an id above `after`, in id order; `columns` are SQL
 * expressions over `u`.
 */
export async function exportBatch(db: Db, filter: UserFilter, columns: { sql: string }[], after: string,
  limit: number): Promise<ExportRow[]> {
  const { conditions, values } = whereOf(filter);
  const select = columns.map((c, i) => `${c.sql} AS c${i}`).join(', ');
  const { rows } = await db.query<ExportRow>(
    `SELECT u.id::text AS _id, ${select} FROM users u
       WHERE ${conditions.join(' AND ')} AND u.id > $${values.length + 1}::bigint
       ORDER BY u.id LIMIT ${limit}`, [...values, after]);
  return rows;
}
