// SQL for the import_jobs table: a CSV import's row of state (who, which file, how far the
// dry run and the apply got, the summary), claimed by a worker with SKIP LOCKED and a lease.
// The staged rows themselves are in import-rows.repository.ts.
import { type Db } from '../db/database.js';
import { DEFAULT_LEASE, type Lease } from '../jobs/lease.js';
import { createJobQueue, type JobQueue } from '../jobs/job-queue.query.js';
import type { PasswordMode } from './user-import-row.js';
import type { StaffScope } from '../platform/access.js';

export type ImportStatus = 'uploading' | 'analyzing' | 'ready' | 'queued' | 'running' | 'finished' | 'failed'
  | 'cancelled';

export interface ImportSummary {
  create?: number; update?: number; unchanged?: number; error?: number;
  created?: number; updated?: number; unchangedApplied?: number; failed?: number;
  newOrganizations?: string[]; newGroups?: string[];
}

export interface ImportJob {
  id: string; actorId: string | null; actorLabel: string | null; fileName: string; columns: string[];
  passwordMode: PasswordMode;
  total: number; analyzed: number; applied: number; summary: ImportSummary; status: ImportStatus; error: string | null;
  createdAt: Date; confirmedAt: Date | null; finishedAt: Date | null;
  /** Set when the staged rows were deleted (job-retention.ts). */
  rowsRemovedAt: Date | null;
}

/** A job a worker has just claimed, with what it needs to run it. */
export interface ClaimedImport {
  id: string; status: ImportStatus; scope: StaffScope; password_mode: PasswordMode;
  actor_id: string | null; actor_label: string | null; actor_email: string | null; total: number;
}

const COLUMNS = `id::text AS id, actor_id::text AS "actorId", actor_label AS "actorLabel", file_name AS "fileName",
  columns,
  password_mode AS "passwordMode", total, analyzed, applied, summary, status, error, created_at AS "createdAt",
  confirmed_at AS "confirmedAt", finished_at AS "finishedAt", rows_removed_at AS "rowsRemovedAt"`;

/** `lease`: a worker that has not renewed its claim on a job within it is presumed dead. */
export function createImportJobRepository(db: Db, lease: Lease = DEFAULT_LEASE) {
  // A dry run waits as 'analyzing' without a claim; a confirmed import as 'queued', which the claim makes 'running'.
  const queue: JobQueue<ClaimedImport> = createJobQueue(db, {
    table: 'import_jobs', key: [{ column: 'id', field: 'id' }],
    waiting: "status = 'queued' OR (status IN ('analyzing', 'running') AND claimed_at IS NULL)",
    held: "status IN ('analyzing', 'running') AND claimed_at IS NOT NULL",
    onClaim: "status = CASE WHEN status = 'queued' THEN 'running' ELSE status END", order: 'id',
    returning: 'id::text AS id, status, scope, password_mode, actor_id::text, actor_label, actor_email, total',
  }, lease);
  const setJob = (id: string, set: string, values: unknown[] = [],
    tx?: Db) => (tx ?? db).query(`UPDATE import_jobs SET ${set} WHERE id = $1`, [id, ...values]);

  return {
    /** The oldest dry run or confirmed import waiting (or one whose worker went quiet), one at a time. */
    queue,

    /** The job by id (an id that is not a number finds nothing). */
    async findById(id: string, tx?: Db): Promise<ImportJob | undefined> {
      if (!/^[0-9]{1,18}$/.test(id)) return undefined;
      return (await (tx ?? db).query<ImportJob>(`SELECT ${COLUMNS} FROM import_jobs WHERE id = $1`, [id])).rows[0];
    },

    /** The latest jobs: everyone's (`all`), else those of `actorId`. */
    async recent(all: boolean, actorId: string | null, limit: number, tx?: Db): Promise<ImportJob[]> {
      const { rows } = await (tx ?? db).query<ImportJob>(
        // import_jobs.id, not id: the select list's id is text, and ordered by it 9 comes before 12.
        `SELECT ${COLUMNS} FROM import_jobs WHERE $1::boolean OR actor_id = $2 ORDER BY import_jobs.id DESC `
          + 'LIMIT $3',
        [all, actorId, limit]);
      return rows;
    },

    async insert(job: { actorId: string | null; actorLabel: string | null; actorEmail: string | null; scope: StaffScope;
      fileName: string; passwordMode: PasswordMode; }, tx?: Db): Promise<string> {
      const { rows: [created] } = await (tx ?? db).query<{ id: string }>(
        `INSERT INTO import_jobs (actor_id, actor_label, actor_email, scope, file_name, columns, password_mode) VALUES `
          + `($1, $2, $3, $4, $5, '[]', $6) RETURNING id::text AS id`,
        [job.actorId, job.actorLabel, job.actorEmail, JSON.stringify(job.scope), job.fileName, job.passwordMode]);
      return created.id;
    },

    async delete(id: string, tx?: Db): Promise<void> {
      await (tx ?? db).query('DELETE FROM import_jobs WHERE id = $1', [id]);
    },

    async setColumns(id: string, header: string[], tx?: Db): Promise<void> {
      await setJob(id, 'columns = $2', [JSON.stringify(header)], tx);
    },

    /** The file is staged: the dry run may start. */
    async staged(id: string, total: number, tx?: Db): Promise<void> {
      await setJob(id, `status = 'analyzing', total = $2`, [total], tx);
    },

    /** Dry-run progress, which also renews the claim. */
    async analyzed(id: string, done: number, tx?: Db): Promise<void> {
      await setJob(id, 'analyzed = $2, claimed_at = now()', [done], tx);
    },

    /** The dry run is done; only if nobody cancelled it meanwhile. */
    async ready(id: string, summary: ImportSummary, tx?: Db): Promise<void> {
      await (tx
        ?? db).query(`UPDATE import_jobs SET status = 'ready', summary = $2, claimed_at = NULL WHERE id = $1 AND `
          + `status = 'analyzing'`, [id, JSON.stringify(summary)]);
    },

    /** Counts the rows already applied (a resumed job has some). */
    async countApplied(id: string, tx?: Db): Promise<void> {
      await setJob(id, 'applied = (SELECT count(*) FROM import_rows WHERE job_id = $1 AND outcome IS NOT NULL)', [],
        tx);
    },

    /** Apply progress, which also renews the claim. */
    async addApplied(id: string, rows: number, tx?: Db): Promise<void> {
      await setJob(id, 'applied = applied + $2, claimed_at = now()', [rows], tx);
    },

    async summaryOf(id: string, tx?: Db): Promise<ImportSummary> {
      const { rows: [current] } = await (tx
        ?? db).query<{ summary: ImportSummary }>('SELECT summary FROM import_jobs WHERE id = $1', [id]);
      return current.summary;
    },

    async finish(id: string, summary: ImportSummary, tx?: Db): Promise<void> {
      await setJob(id, `status = 'finished', finished_at = now(), summary = $2, claimed_at = NULL`,
        [JSON.stringify(summary)], tx);
    },

    async fail(id: string, message: string, tx?: Db): Promise<void> {
      await setJob(id, `status = 'failed', error = $2, finished_at = now()`, [message], tx);
    },

    /** Queues a finished dry run for applying; false when it was not waiting for that. */
    async markQueued(id: string, tx?: Db): Promise<boolean> {
      const { rowCount } = await (tx
        ?? db).query(`UPDATE import_jobs SET status = 'queued', confirmed_at = now() WHERE id = $1 AND status = `
          + `'ready'`, [id]);
      return Boolean(rowCount);
    },

    /** Cancels a job that has not started writing; false when it has. */
    async cancel(id: string, tx?: Db): Promise<boolean> {
      const { rowCount } = await (tx
        ?? db).query(`UPDATE import_jobs SET status = 'cancelled', finished_at = now() WHERE id = $1 AND status IN `
          + `('analyzing', 'ready')`, [id]);
      return Boolean(rowCount);
    },
  };
}

export type ImportJobRepository = ReturnType<typeof createImportJobRepository>;
