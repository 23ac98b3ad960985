// The one job queue. Mail, mass-action items, imports and exports keep their rows in tables of
// their own, because what a row says is domain state (a message, a user's outcome, an import's
// summary, an export's file); this module alone decides how any of those rows is handed to a
// worker. A claim is an UPDATE … FOR UPDATE SKIP LOCKED that stamps claimed_at, so two workers
// never get the same row; a row held by a worker whose claim is older than the lease is handed
// out again, so the work of a process that died is taken up; and while a worker works, its
// claim is renewed (lease.ts). Progress, retries and results stay with each kind of work.
//
// pg-boss was weighed and not used: it keeps its jobs in a schema of its own, created outside
// migrations/, and its job rows would duplicate the state these tables already hold.
import { type Db } from '../db/database.js';
import { isDatabaseOutage } from '../db/database-outage.js';
import { leaseInterval, whileLeased, type Lease } from './lease.js';

/** How one table of work is claimed. Every string is a constant of the caller, never input. */
export interface QueueTable<Row> {
  table: string;
  /** The key columns (bigint) and the field of a claimed row that carries each. */
  key: readonly { column: string; field: keyof Row & string }[];
  /** Rows waiting for a worker. */
  waiting: string;
  /** Rows a worker holds; one whose claim is older than the lease is taken over. */
  held: string;
  /** What a claim sets besides claimed_at, e.g. `status = 'sending', attempts = attempts + 1`. */
  onClaim: string;
  /**
   * The order rows are handed out in: column names of the table, comma-separated (each may be
   * followed by DESC). The claimed rows are ordered by the columns themselves, never by what
   * `returning` calls them (`id::text AS id` would sort as text: 12 before 9).
   */
  order: string;
  /** The claimed row as the worker reads it: a select list over the table's columns. */
  returning: string;
}

export interface JobQueue<Row> {
  /** Hands out up to `limit` rows, waiting ones and lapsed ones, in the table's order. */
  claim(limit: number): Promise<Row[]>;
  /** Runs `work` while renewing the claim on `rows`. */
  whileClaimed<T>(rows: Row[], work: () => Promise<T>): Promise<T>;
  /**
   * Claims up to `limit` rows and works on them while holding the claim; false when nothing
   * was waiting. When `work` throws, `onFailure` records the verdict, except for a database
   * outage, which is no verdict on the work: the rows stay claimed and are taken up again.
   */
  drain(limit: number, work: (rows: Row[]) => Promise<void>,
    onFailure?: (rows: Row[], err: unknown) => Promise<void>): Promise<boolean>;
}

export function createJobQueue<Row>(db: Db, spec: QueueTable<Row>, lease: Lease): JobQueue<Row> {
  const columns = spec.key.map((k) => k.column).join(', ');
  const keyArrays = spec.key.map((_, i) => `$${i + 1}::bigint[]`).join(', ');
  const claimedOrder = spec.order.split(',').map((column) => `claimed.${column.trim()}`).join(', ');
  const claimSql = `WITH claimed AS (
      UPDATE ${spec.table} SET ${spec.onClaim}, claimed_at = now()
      WHERE (${columns}) IN (
        SELECT ${columns} FROM ${spec.table}
        WHERE (${spec.waiting}) OR ((${spec.held}) AND claimed_at < now() - ${leaseInterval(lease)})
        ORDER BY ${spec.order} LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING *)
    SELECT ${spec.returning} FROM claimed ORDER BY ${claimedOrder}`;
  const renewSql = `UPDATE ${spec.table} SET claimed_at = now()
    WHERE (${columns}) IN (SELECT * FROM unnest(${keyArrays})) AND (${spec.held})`;

  function renew(rows: Row[]) {
    return db.query(renewSql, spec.key.map((k) => rows.map((row) => String(row[k.field]))));
  }

  const queue: JobQueue<Row> = {
    async claim(limit) {
      return (await db.query<Row>(claimSql, [limit])).rows;
    },

    whileClaimed: (rows, work) => whileLeased(lease, () => renew(rows), work),

    async drain(limit, work, onFailure) {
      const rows = await queue.claim(limit);
      if (rows.length === 0) return false;
      try {
        await queue.whileClaimed(rows, () => work(rows));
      } catch (err) {
        if (!isDatabaseOutage(err)) await onFailure?.(rows, err);
        throw err;
      }
      return true;
    },
  };
  return queue;
}
