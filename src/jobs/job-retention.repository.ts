// SQL of the job data retention (job-retention.ts): each statement stamps the jobs over for
// `days` and deletes their data in one go, answering how many rows of data went.
import { type Db } from '../db/database.js';

export function createJobRetentionRepository(db: Db) {
  return {
    /** Deletes the files of exports finished more than `days` ago; the number of chunks deleted. */
    async removeExportFiles(days: number, tx?: Db): Promise<number> {
      const { rows: exports } = await (tx ?? db).query<{ n: number }>(
        `WITH expired AS (
         UPDATE export_jobs SET file_removed_at = now()
         WHERE file_removed_at IS NULL AND finished_at < now() - make_interval(days => $1) RETURNING id
       ), removed AS (DELETE FROM export_chunks c USING expired e WHERE c.job_id = e.id RETURNING 1)
       SELECT count(*)::int AS n FROM removed`, [days]);
      return exports[0].n;
    },

    /** Deletes the staged rows of imports over more than `days` ago; the number of rows deleted. */
    async removeImportRows(days: number, tx?: Db): Promise<number> {
      const { rows: imports } = await (tx ?? db).query<{ n: number }>(
        `WITH expired AS (
         UPDATE import_jobs SET rows_removed_at = now()
         WHERE rows_removed_at IS NULL AND status IN ('finished', 'failed', 'cancelled')
           AND finished_at < now() - make_interval(days => $1) RETURNING id
       ), removed AS (DELETE FROM import_rows r USING expired e WHERE r.job_id = e.id RETURNING 1)
       SELECT count(*)::int AS n FROM removed`, [days]);
      return imports[0].n;
    },
  };
}

export type JobRetentionRepository = ReturnType<typeof createJobRetentionRepository>;
