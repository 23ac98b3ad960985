// One page of a SCIM list: how many resources match, and the ids of the page asked for
// (startIndex is 1-based, as SCIM counts). Users and Groups share it.
import type { Db } from '../../db/database.js';

export interface ScimPageQuery {
  /** WHERE conditions over the table's alias, with `values` as their parameters. */
  conditions: string[];
  values: unknown[];
  /** An expression of the resource's sortable attributes; the id when none. */
  sortColumn?: string;
  descending: boolean;
  startIndex: number;
  count: number;
}

/** `from` is the table and its alias ("users u"); ties are broken by `<alias>.id`. */
export async function scimPage(db: Db, from: string, query: ScimPageQuery, nulls: 'default' | 'last' = 'default'):
  Promise<{ total: number; ids: string[] }> {
  const id = `${from.split(' ')[1]}.id`;
  const where = query.conditions.length ? `WHERE ${query.conditions.join(' AND ')}` : '';
  const direction = `${query.descending ? 'DESC' : 'ASC'}${nulls === 'last' ? ' NULLS LAST' : ''}`;
  const order = `${query.sortColumn ?? id} ${direction}, ${id}`;
  const [{ rows: total }, { rows: ids }] = await Promise.all([
    db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${from} ${where}`, query.values),
    db.query<{ id: string }>(
      `SELECT ${id}::text AS id FROM ${from} ${where} ORDER BY ${order}
       OFFSET ${query.startIndex - 1} LIMIT ${query.count}`,
      query.values),
  ]);
  return { total: total[0].n, ids: ids.map((r) => r.id) };
}
