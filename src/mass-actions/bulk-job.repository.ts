// SQL for mass-action jobs: creating one from chosen ids or from a filter, claiming items for
// a worker (with a lease, so a crashed worker's items are picked up again), recording results.
import { type Db } from '../db/database.js';
import { DEFAULT_LEASE, leaseInterval, whileLeased, type Lease } from '../jobs/lease.js';
import type { StaffScope } from '../platform/access.js';
import { whereOf, type UserFilter } from '../users/user-directory.query.js';

export interface BulkJob {
  id: string;
  action: string;
  /** What the action needs besides the user, e.g. `{ groupId }` for group membership. */
  params: Record<string, unknown>;
  actorId: string | null;
  actorLabel: string | null;
  scope: StaffScope;
  total: number;
  status: 'running' | 'finished';
  createdAt: Date;
  finishedAt: Date | null;
}

export interface BulkJobProgress extends BulkJob {
  done: number;
  failed: number;
}

export interface BulkItem { jobId: string; userId: string; label: string | null; error: string | null }

const LABEL = "coalesce(u.login, u.email, u.phone_number, '#' || u.id)";
const JOB_COLUMNS = `j.id::text AS id, j.action, j.params, j.actor_id::text AS "actorId", j.actor_label AS "actorLabel",
  j.scope, j.total, j.status,
  j.created_at AS "createdAt", j.finished_at AS "finishedAt"`;

/** `lease`: items claimed by a worker that has not renewed them within it are handed out again. */
export function createBulkJobRepository(db: Db, lease: Lease = DEFAULT_LEASE) {
  const LEASE = leaseInterval(lease);
  async function create(action: string, actor: { id?: string | null; label?: string | null }, scope: StaffScope,
    params: Record<string, unknown>,
    fill: (jobId: string) => Promise<number>): Promise<string> {
    const { rows } = await db.query<{ id: string }>(
      'INSERT INTO bulk_jobs (action, actor_id, actor_label, scope, params) VALUES ($1, $2, $3, $4, $5) RETURNING '
        + 'id::text AS id',
      [action, actor.id ?? null, actor.label ?? null, JSON.stringify(scope), JSON.stringify(params)]);
    const jobId = rows[0].id;
    const total = await fill(jobId);
    await db.query(`UPDATE bulk_jobs SET total = $2, status = CASE WHEN $2 = 0 THEN 'finished' ELSE status END,
      finished_at = CASE WHEN $2 = 0 THEN now() END WHERE id = $1`, [jobId, total]);
    return jobId;
  }

  return {
    /** A job over chosen users (those outside the scope are skipped here and never touched). */
    createForIds(action: string, actor: { id?: string | null; label?: string | null }, scope: StaffScope,
      userIds: string[], params: Record<string, unknown> = {}): Promise<string> {
      return create(action, actor, scope, params, async (jobId) => {
        const { conditions, values } = whereOf({ scope });
        values.push(jobId, userIds);
        const { rowCount } = await db.query(
          `INSERT INTO bulk_job_items (job_id, user_id, label)
           SELECT $${values.length - 1}, u.id, ${LABEL} FROM users u
           WHERE ${conditions.join(' AND ')} AND u.id = ANY($${values.length}::bigint[])`, values);
        return rowCount ?? 0;
      });
    },

    /** A job over every user matching a filter, resolved now in one statement (a million rows included). */
    createForFilter(action: string, actor: { id?: string | null; label?: string | null }, filter: UserFilter,
      params: Record<string, unknown> = {}): Promise<string> {
      return create(action, actor, filter.scope, params, async (jobId) => {
        const { conditions, values } = whereOf(filter);
        values.push(jobId);
        const { rowCount } = await db.query(
          `INSERT INTO bulk_job_items (job_id, user_id, label) SELECT $${values.length}, u.id, ${LABEL} FROM users u `
            + `WHERE ${conditions.join(' AND ')}`, values);
        return rowCount ?? 0;
      });
    },

    async find(id: string): Promise<BulkJobProgress | undefined> {
      if (!/^[0-9]{1,18}$/.test(id)) return undefined;
      const { rows } = await db.query<BulkJobProgress>(
        `SELECT ${JOB_COLUMNS},
           (SELECT count(*)::int FROM bulk_job_items i WHERE i.job_id = j.id AND i.status = 'done') AS done,
           (SELECT count(*)::int FROM bulk_job_items i WHERE i.job_id = j.id AND i.status = 'failed') AS failed
         FROM bulk_jobs j WHERE j.id = $1`, [id]);
      return rows[0];
    },

    async items(jobId: string, status: 'done' | 'failed', limit: number): Promise<BulkItem[]> {
      const { rows } = await db.query<BulkItem>(
        `SELECT job_id::text AS "jobId", user_id::text AS "userId", label, error FROM bulk_job_items
         WHERE job_id = $1 AND status = $2 ORDER BY user_id LIMIT $3`, [jobId, status, limit]);
      return rows;
    },

    /** Hands out up to `limit` open items, oldest job first; a lapsed lease counts as open. */
    async claim(limit: number): Promise<(BulkItem & { job: BulkJob })[]> {
      const { rows } = await db.query<BulkItem & { job: BulkJob }>(
        `WITH claimed AS (
           UPDATE bulk_job_items SET status = 'running', claimed_at = now()
           WHERE (job_id, user_id) IN (
             SELECT job_id, user_id FROM bulk_job_items
             WHERE status = 'pending' OR (status = 'running' AND claimed_at < now() - ${LEASE})
             ORDER BY job_id, user_id LIMIT $1 FOR UPDATE SKIP LOCKED)
           RETURNING job_id, user_id, label)
         SELECT c.job_id::text AS "jobId", c.user_id::text AS "userId", c.label, NULL AS error,
           (SELECT row_to_json(x) FROM (SELECT ${JOB_COLUMNS} FROM bulk_jobs j WHERE j.id = c.job_id) x) AS job
         FROM claimed c ORDER BY c.job_id, c.user_id`, [limit]);
      return rows;
    },

    /** Runs `work` on claimed items, renewing their lease meanwhile (a dead process's items lapse within the lease). */
    whileClaimed<T>(items: { jobId: string; userId: string }[], work: () => Promise<T>): Promise<T> {
      const keys = JSON.stringify(items.map((i) => ({ job_id: i.jobId, user_id: i.userId })));
      return whileLeased(lease, () => db.query(
        `UPDATE bulk_job_items b SET claimed_at = now()
         FROM jsonb_to_recordset($1::jsonb) AS k(job_id bigint, user_id bigint)
         WHERE b.job_id = k.job_id AND b.user_id = k.user_id AND b.status = 'running'`, [keys]), work);
    },

    async settle(item: { jobId: string; userId: string }, error: string | null): Promise<void> {
      await db.query(`UPDATE bulk_job_items SET status = $3, error = $4 WHERE job_id = $1 AND user_id = $2`,
        [item.jobId, item.userId, error === null ? 'done' : 'failed', error]);
    },

    /** Marks the job finished once nothing of it is open. */
    async finishIfDone(jobId: string): Promise<void> {
      await db.query(
        `UPDATE bulk_jobs SET status = 'finished', finished_at = now() WHERE id = $1 AND status = 'running'
           AND NOT EXISTS (SELECT 1 FROM bulk_job_items
                           WHERE job_id = $1 AND status IN ('pending', 'running'))`, [jobId]);
    },
  };
}

export type BulkJobRepository = ReturnType<typeof createBulkJobRepository>;
