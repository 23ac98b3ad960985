// SQL for CSV export jobs: the export_jobs row (who, what filter, how far), claimed by a
// worker with SKIP LOCKED and a lease, and the file itself kept in export_chunks.
import { type Db } from '../db/database.js';
import { DEFAULT_LEASE, type Lease } from '../jobs/lease.js';
import { createJobQueue, type JobQueue } from '../jobs/job-queue.query.js';
import type { UserFilter } from '../users/user-directory.query.js';

export interface ExportJob {
  id: string; actorId: string | null; actorLabel: string | null; total: number; rowsDone: number;
  status: 'queued' | 'running' | 'finished' | 'failed'; error: string | null; createdAt: Date; finishedAt: Date | null;
  /** Set when the file was deleted (job-retention.ts). */
  fileRemovedAt: Date | null;
  /** The download starts with a UTF-8 byte-order mark (for spreadsheets); false: plain UTF-8. */
  bom: boolean;
}

/** A job a worker has just claimed, with what it needs to write the file. */
export interface ClaimedExport {
  id: string; filter: UserFilter; columns: string[]; actor_id: string | null; actor_email: string | null; total: number;
}

const COLUMNS = `id::text AS id, actor_id::text AS "actorId", actor_label AS "actorLabel", total,
  rows_done AS "rowsDone", status, error,
  created_at AS "createdAt", finished_at AS "finishedAt", file_removed_at AS "fileRemovedAt", bom`;

/** `lease`: a worker that has not renewed its claim on a job within it is presumed dead. */
export function createExportJobRepository(db: Db, lease: Lease = DEFAULT_LEASE) {
  // A run taken up after a crash starts over, so the claim resets the progress.
  const queue: JobQueue<ClaimedExport> = createJobQueue(db, {
    table: 'export_jobs', key: [{ column: 'id', field: 'id' }],
    waiting: "status = 'queued'", held: "status = 'running'", onClaim: "status = 'running', rows_done = 0",
    order: 'id', returning: 'id::text AS id, filter, columns, actor_id::text, actor_email, total',
  }, lease);
  return {
    /** The oldest waiting export (or one whose worker went quiet), one at a time. */
    queue,

    async insert(job: { actorId: string | null; actorLabel: string | null; actorEmail: string | null;
      filter: UserFilter; columns: string[]; total: number; bom: boolean; }, tx?: Db): Promise<string> {
      const { rows } = await (tx ?? db).query<{ id: string }>(
        `INSERT INTO export_jobs (actor_id, actor_label, actor_email, filter, columns, total, bom) VALUES ($1, $2, $3, `
          + `$4, $5, $6, $7) RETURNING id::text AS id`,
        [job.actorId, job.actorLabel, job.actorEmail, JSON.stringify(job.filter), JSON.stringify(job.columns),
          job.total, job.bom]);
      return rows[0].id;
    },

    /** The job by id (an id that is not a number finds nothing). */
    async findById(id: string, tx?: Db): Promise<ExportJob | undefined> {
      if (!/^[0-9]{1,18}$/.test(id)) return undefined;
      return (await (tx ?? db).query<ExportJob>(`SELECT ${COLUMNS} FROM export_jobs WHERE id = $1`, [id])).rows[0];
    },

    /** Up to 20 chunks of the file after `seq`, in order. */
    async chunksAfter(id: string, seq: number, tx?: Db): Promise<{ seq: number; data: string }[]> {
      const { rows } = await (tx ?? db).query<{ seq: number; data: string }>(
        'SELECT seq, data FROM export_chunks WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT 20', [id, seq]);
      return rows;
    },

    /** Drops what an earlier run wrote (a run taken up after a crash starts over). */
    async removeChunks(id: string, tx?: Db): Promise<void> {
      await (tx ?? db).query('DELETE FROM export_chunks WHERE job_id = $1', [id]);
    },

    async addChunk(id: string, seq: number, data: string, tx?: Db): Promise<void> {
      await (tx ?? db).query('INSERT INTO export_chunks (job_id, seq, data) VALUES ($1, $2, $3)', [id, seq, data]);
    },

    /** Progress, which also renews the claim. */
    async progress(id: string, rowsDone: number, tx?: Db): Promise<void> {
      await (tx ?? db).query('UPDATE export_jobs SET rows_done = $2, claimed_at = now() WHERE id = $1', [id, rowsDone]);
    },

    async finish(id: string, rowsDone: number, tx?: Db): Promise<void> {
      await (tx
        ?? db).query(`UPDATE export_jobs SET status = 'finished', finished_at = now(), rows_done = $2 WHERE id = $1`,
        [id, rowsDone]);
    },

    async fail(id: string, message: string, tx?: Db): Promise<void> {
      await (tx ?? db).query(`UPDATE export_jobs SET status = 'failed', error = $2, finished_at = now() WHERE id = $1`,
        [id, message]);
    },
  };
}

export type ExportJobRepository = ReturnType<typeof createExportJobRepository>;
