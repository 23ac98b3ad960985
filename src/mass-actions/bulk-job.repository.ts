// SQL for mass-action jobs: creating one from chosen ids or from a filter, claiming items for
// a worker (with a lease, so a crashed worker's items are picked up again), recording results.
import { type Db } from '../db/database.js';
import { DEFAULT_LEASE, type Lease } from '../jobs/lease.js';
import { createJobQueue, type JobQueue } from '../jobs/job-queue.query.js';
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

/** An item a worker holds, with the job it belongs to. */
export type ClaimedItem = BulkItem & { job: BulkJob };

const LABEL = "coalesce(u.login, u.email, u.phone_number, '#' || u.id)";
const JOB_COLUMNS = `j.id::text AS id, j.action, j.params, j.actor_id::text AS "actorId", j.actor_label AS "actorLabel",
  j.scope, j.total, j.status,
  j.created_at AS "createdAt", j.finished_at AS "finishedAt"`;

/** `lease`: items claimed by a worker that has not renewed them within it are handed out again. */
export function createBulkJobRepository(db: Db, lease: Lease = DEFAULT_LEASE) {
  const items: JobQueue<BulkItem> = createJobQueue(db, {
    table: 'bulk_job_items', key: [{ column: 'job_id', field: 'jobId' }, { column: 'user_id', field: 'userId' }],
    waiting: "status = 'pending'", held: "status = 'running'", onClaim: "status = 'running'",
    order: 'job_id, user_id', returning: 'job_id::text AS "jobId", user_id::text AS "userId", label, NULL AS error',
  }, lease);

  /** The jobs of claimed items, one statement for the batch. */
  async function withJobs(claimed: BulkItem[]): Promise<ClaimedItem[]> {
    const { rows } = await db.query<BulkJob>(`SELECT ${JOB_COLUMNS} FROM bulk_jobs j WHERE j.id = ANY($1::bigint[])`,
      [[...new Set(claimed.map((i) => i.jobId))]]);
    const byId = new Map(rows.map((job) => [job.id, job]));
    return claimed.map((item) => ({ ...item, job: byId.get(item.jobId)! }));
  }

  async function create(action: string, actor: { id?: string | null; label?: string | null }, scope: StaffScope,
    params: Record<string, unknown>, tx: Db,
    fill: (jobId: string) => Promise<number>): Promise<string> {
    const { rows } = await tx.query<{ id: string }>(
      'INSERT INTO bulk_jobs (action, actor_id, actor_label, scope, params) VALUES ($1, $2, $3, $4, $5) RETURNING '
        + 'id::text AS id',
      [action, actor.id ?? null, actor.label ?? null, JSON.stringify(scope), JSON.stringify(params)]);
    const jobId = rows[0].id;
    const total = await fill(jobId);
    await tx.query(`UPDATE bulk_jobs SET total = $2, status = CASE WHEN $2 = 0 THEN 'finished' ELSE status END,
      finished_at = CASE WHEN $2 = 0 THEN now() END WHERE id = $1`, [jobId, total]);
    return jobId;
  }

  return {
    /** A job over chosen users (those outside the scope are skipped here and never touched). */
    createForIds(action: string, actor: { id?: string | null; label?: string | null }, scope: StaffScope,
      userIds: string[], params: Record<string, unknown>, tx?: Db): Promise<string> {
      const t = tx ?? db;
      return create(action, actor, scope, params, t, async (jobId) => {
        const { conditions, values } = whereOf({ scope });
        values.push(jobId, userIds);
        const { rowCount } = await t.query(
          `INSERT INTO bulk_job_items (job_id, user_id, label)
           SELECT $${values.length - 1}, u.id, ${LABEL} FROM users u
           WHERE ${conditions.join(' AND ')} AND u.id = ANY($${values.length}::bigint[])`, values);
        return rowCount ?? 0;
      });
    },

    /** A job over every user matching a filter, resolved now in one statement (a million rows included). */
    createForFilter(action: string, actor: { id?: string | null; label?: string | null }, filter: UserFilter,
      params: Record<string, unknown>, tx?: Db): Promise<string> {
      const t = tx ?? db;
      return create(action, actor, filter.scope, params, t, async (jobId) => {
        const { conditions, values } = whereOf(filter);
        values.push(jobId);
        const { rowCount } = await t.query(
          `INSERT INTO bulk_job_items (job_id, user_id, label) SELECT $${values.length}, u.id, ${LABEL} FROM users u `
            + `WHERE ${conditions.join(' AND ')}`, values);
        return rowCount ?? 0;
      });
    },

    async find(id: string, tx?: Db): Promise<BulkJobProgress | undefined> {
      if (!/^[0-9]{1,18}$/.test(id)) return undefined;
      const { rows } = await (tx ?? db).query<BulkJobProgress>(
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

    /**
     * Claims up to `limit` open items, oldest job first (a lapsed lease counts as open), and works
     * on them while renewing their lease; false when none was open.
     */
    drain(limit: number, work: (claimed: ClaimedItem[]) => Promise<void>): Promise<boolean> {
      return items.drain(limit, async (claimed) => work(await withJobs(claimed)));
    },

    /** Records an item's outcome; inside `tx` it lands with the action's own change, or not at all. */
    async settle(item: { jobId: string; userId: string }, error: string | null, tx?: Db): Promise<void> {
      await (tx ?? db).query(`UPDATE bulk_job_items SET status = $3, error = $4 WHERE job_id = $1 AND user_id = $2`,
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
