// Large CSV exports as jobs: a worker (in any process) writes the file into PostgreSQL in
// chunks as it streams the rows, reporting progress; the admin is emailed a link to the
// download page when it is done. A crashed run is taken up again from the start.
import type { Actor, AuditLog } from '../audit/audit.service.js';
import type { Sql } from '../db/sql.js';
import { NotFoundError } from '../platform/errors.js';
import { exportColumns, exportUsersCsv } from './user-csv-export.js';
import type { UserFilter } from '../users/user-directory.query.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { Logger } from '../platform/logger.js';
import type { QueuedMessage } from '../mail/outbox.repository.js';
import { startPolledWorker, type PolledWorker } from '../jobs/polled-worker.js';
import { DEFAULT_LEASE, leaseInterval, whileLeased, type Lease } from '../jobs/lease.js';
import { isDatabaseOutage, type DatabaseOutage } from '../db/database-outage.js';

export interface ExportJob {
  id: string; actorId: string | null; actorLabel: string | null; total: number; rowsDone: number;
  status: 'queued' | 'running' | 'finished' | 'failed'; error: string | null; createdAt: Date; finishedAt: Date | null;
  /** Set when the file was deleted (job-retention.ts). */
  fileRemovedAt: Date | null;
}

const COLUMNS = `id::text AS id, actor_id::text AS "actorId", actor_label AS "actorLabel", total, rows_done AS "rowsDone", status, error,
  created_at AS "createdAt", finished_at AS "finishedAt", file_removed_at AS "fileRemovedAt"`;

export function createExportJobs({ sql, settings, audit, enqueue, wakeMail, lease = DEFAULT_LEASE }:
  { sql: Sql; settings: SettingsService; audit: AuditLog; enqueue: (m: QueuedMessage) => Promise<string>; wakeMail: () => void; lease?: Lease }) {
  /** Writes the file from the start (a run taken up after a crash starts over), then mails its link. */
  async function write(job: { id: string; filter: UserFilter; columns: string[]; actor_id: string | null; actor_email: string | null }): Promise<void> {
    await sql.query('DELETE FROM export_chunks WHERE job_id = $1', [job.id]);
    const all = exportColumns((await settings.current()).customFields);
    const columns = all.filter((c) => job.columns.includes(c.key));
    let seq = 0;
    let done = 0;
    for await (const chunk of exportUsersCsv(sql, job.filter, columns, (n) => (done = n))) {
      await sql.query('INSERT INTO export_chunks (job_id, seq, data) VALUES ($1, $2, $3)', [job.id, seq, chunk]);
      await sql.query('UPDATE export_jobs SET rows_done = $2, claimed_at = now() WHERE id = $1', [job.id, done]);
      seq += 1;
    }
    await sql.query(`UPDATE export_jobs SET status = 'finished', finished_at = now(), rows_done = $2 WHERE id = $1`, [job.id, done]);
    if (job.actor_email && job.actor_id) {
      await enqueue({ template: 'export-ready', to: job.actor_email, userId: job.actor_id, params: { rows: done, path: `/admin/exports/${job.id}` } });
      wakeMail();
    }
  }

  return {
    async start(filter: UserFilter, columns: string[], total: number, staff: { actor: Actor; email: string | null }): Promise<string> {
      const { rows } = await sql.query<{ id: string }>(
        `INSERT INTO export_jobs (actor_id, actor_label, actor_email, filter, columns, total) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id::text AS id`,
        [staff.actor.id ?? null, staff.actor.label ?? null, staff.email, JSON.stringify(filter), JSON.stringify(columns), total]);
      await audit.record({ actor: staff.actor, action: 'users.exported', details: { job: rows[0].id, rows: total, columns, filter: { ...filter, scope: undefined } } });
      return rows[0].id;
    },

    /** The job if this staff member may see it: Administrators all, others their own. */
    async find(id: string, staff: { actor: Actor; isAdmin: boolean }): Promise<ExportJob> {
      const job = /^[0-9]{1,18}$/.test(id) ? (await sql.query<ExportJob>(`SELECT ${COLUMNS} FROM export_jobs WHERE id = $1`, [id])).rows[0] : undefined;
      if (!job || (!staff.isAdmin && job.actorId !== staff.actor.id)) throw new NotFoundError('Export');
      return job;
    },

    /** The finished file, chunk by chunk. */
    async *download(id: string): AsyncGenerator<string> {
      let seq = -1;
      for (;;) {
        const { rows } = await sql.query<{ seq: number; data: string }>(
          'SELECT seq, data FROM export_chunks WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT 20', [id, seq]);
        if (rows.length === 0) return;
        for (const row of rows) yield row.data;
        seq = rows[rows.length - 1].seq;
      }
    },

    /** Runs the oldest waiting job (or one whose worker went quiet); false when there is none. */
    async runOne(): Promise<boolean> {
      const { rows } = await sql.query<{ id: string; filter: UserFilter; columns: string[]; actor_id: string | null; actor_email: string | null; total: number }>(
        `UPDATE export_jobs SET status = 'running', claimed_at = now(), rows_done = 0 WHERE id = (
           SELECT id FROM export_jobs WHERE status = 'queued' OR (status = 'running' AND claimed_at < now() - ${leaseInterval(lease)})
           ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING id::text AS id, filter, columns, actor_id::text, actor_email, total`);
      const job = rows[0];
      if (!job) return false;
      // Renewed while it runs, besides each chunk: one chunk of a slow query may take longer than the lease.
      const renew = () => sql.query(`UPDATE export_jobs SET claimed_at = now() WHERE id = $1 AND status = 'running'`, [job.id]);
      try {
        await whileLeased(lease, renew, () => write(job));
      } catch (err) {
        // An outage is no verdict on the export: left claimed, it is run again once its lease lapses.
        if (isDatabaseOutage(err)) throw err;
        await sql.query(`UPDATE export_jobs SET status = 'failed', error = $2, finished_at = now() WHERE id = $1`, [job.id, String((err as Error).message).slice(0, 500)]);
        throw err;
      }
      return true;
    },
  };
}

export type ExportJobs = ReturnType<typeof createExportJobs>;

export function startExportWorker({ jobs, logger, outage, intervalMs = 2000 }: { jobs: ExportJobs; logger: Logger; outage?: DatabaseOutage; intervalMs?: number }): PolledWorker {
  return startPolledWorker({ name: 'export worker', intervalMs, logger, outage, drainOnce: () => jobs.runOne() });
}
