// Export files and the staged rows of imports hold personal data. Once their job has been
// over for `days`, they are deleted; the job itself stays (who, when, how many) and its page
// says the data is gone. Run by the periodic sweeper in any process; idempotent.
import type { Sql } from '../db/sql.js';

export function jobDataSweeper(sql: Sql, days: number): () => Promise<number> {
  return async function sweepJobData(): Promise<number> {
    const { rows: exports } = await sql.query<{ n: number }>(
      `WITH expired AS (
         UPDATE export_jobs SET file_removed_at = now()
         WHERE file_removed_at IS NULL AND finished_at < now() - make_interval(days => $1) RETURNING id
       ), removed AS (DELETE FROM export_chunks c USING expired e WHERE c.job_id = e.id RETURNING 1)
       SELECT count(*)::int AS n FROM removed`, [days]);
    const { rows: imports } = await sql.query<{ n: number }>(
      `WITH expired AS (
         UPDATE import_jobs SET rows_removed_at = now()
         WHERE rows_removed_at IS NULL AND status IN ('finished', 'failed', 'cancelled') AND finished_at < now() - make_interval(days => $1) RETURNING id
       ), removed AS (DELETE FROM import_rows r USING expired e WHERE r.job_id = e.id RETURNING 1)
       SELECT count(*)::int AS n FROM removed`, [days]);
    return exports[0].n + imports[0].n;
  };
}
