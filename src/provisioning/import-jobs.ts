// CSV imports as durable jobs. The upload is staged row by row in import_rows; a worker (in
// any process) then runs the dry run, which writes nothing to the directory, and after the
// admin confirms, applies the rows in batches. Progress is counted as it goes, failed rows
// keep their errors, and a crashed worker's job is taken up again where it stopped (a row
// already applied matches its user and changes nothing).
import type { Readable } from 'node:stream';
import type { Actor, AuditLog } from '../audit/audit.service.js';
import type { Sql } from '../db/sql.js';
import { readCsv } from './csv-reader.js';
import { NotFoundError, ValidationError } from '../platform/errors.js';
import type { PasswordHasher } from '../users/password.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { StaffScope } from '../users/staff-scope.js';
import { checkHeader, HASHED_PASSWORD_CELL, PASSWORD_MODES, type CellError, type Cells, type PasswordMode } from './user-import-row.js';
import type { StagedRow } from './user-import.plan.js';
import type { UserImporter } from './user-import.service.js';
import type { Logger } from '../platform/logger.js';
import type { QueuedMessage } from '../mail/outbox.repository.js';
import { startPolledWorker, type PolledWorker } from '../jobs/polled-worker.js';
import { createImportRowStore, type ImportRowStore } from './import-rows.repository.js';
import { DEFAULT_LEASE, leaseInterval, whileLeased, type Lease } from '../jobs/lease.js';
import { isDatabaseOutage, type DatabaseOutage } from '../db/database-outage.js';

export type ImportStatus = 'uploading' | 'analyzing' | 'ready' | 'queued' | 'running' | 'finished' | 'failed' | 'cancelled';

export interface ImportSummary {
  create?: number; update?: number; unchanged?: number; error?: number;
  created?: number; updated?: number; unchangedApplied?: number; failed?: number;
  newOrganizations?: string[]; newGroups?: string[];
}

export interface ImportJob {
  id: string; actorId: string | null; actorLabel: string | null; fileName: string; columns: string[]; passwordMode: PasswordMode;
  total: number; analyzed: number; applied: number; summary: ImportSummary; status: ImportStatus; error: string | null;
  createdAt: Date; confirmedAt: Date | null; finishedAt: Date | null;
  /** Set when the staged rows were deleted (job-retention.ts). */
  rowsRemovedAt: Date | null;
}

const COLUMNS = `id::text AS id, actor_id::text AS "actorId", actor_label AS "actorLabel", file_name AS "fileName", columns,
  password_mode AS "passwordMode", total, analyzed, applied, summary, status, error, created_at AS "createdAt",
  confirmed_at AS "confirmedAt", finished_at AS "finishedAt", rows_removed_at AS "rowsRemovedAt"`;
const BATCH = 1000;

export interface ImportJobDeps {
  sql: Sql; importer: UserImporter; settings: SettingsService; hasher: PasswordHasher; audit: AuditLog;
  enqueue: (m: QueuedMessage) => Promise<string>; wakeMail: () => void;
  /** A worker that has not renewed its claim for this long is presumed dead (the job is taken up where it stopped). */
  lease?: Lease;
}

interface Staff { actor: Actor; email: string | null; scope: StaffScope; isAdmin: boolean }

export function createImportJobs(deps: ImportJobDeps) {
  const { sql } = deps;
  const lease = deps.lease ?? DEFAULT_LEASE;
  const LEASE = leaseInterval(lease);
  const rows: ImportRowStore = createImportRowStore(sql);

  const setJob = (id: string, set: string, values: unknown[] = []) => sql.query(`UPDATE import_jobs SET ${set} WHERE id = $1`, [id, ...values]);

  async function find(id: string, staff: Pick<Staff, 'actor' | 'isAdmin'>): Promise<ImportJob> {
    const job = /^[0-9]{1,18}$/.test(id) ? (await sql.query<ImportJob>(`SELECT ${COLUMNS} FROM import_jobs WHERE id = $1`, [id])).rows[0] : undefined;
    if (!job || (!staff.isAdmin && job.actorId !== staff.actor.id)) throw new NotFoundError('Import');
    return job;
  }

  /** The dry run of every row; passwords given are checked here and kept only as bcrypt hashes from now on. */
  async function analyze(job: { id: string; scope: StaffScope; mode: PasswordMode }): Promise<void> {
    const seen = new Map<string, number>();
    const organizations = new Set<string>();
    const groups = new Set<string>();
    let done = 0;
    for await (const batch of rows.batches(job.id)) {
      const { plans, references } = await deps.importer.dryRun(batch, job.scope, job.mode, seen);
      references.organizations.forEach((o) => organizations.add(o));
      references.groups.forEach((g) => groups.add(g));
      const cellsOf = new Map(batch.map((r) => [r.rowNo, r.cells]));
      const results = await Promise.all(plans.map(async (p) => {
        const cells: Cells = { ...cellsOf.get(p.rowNo) };
        if (p.action === 'create' && job.mode === 'given' && cells.password) cells[HASHED_PASSWORD_CELL] = await deps.hasher.hash(cells.password);
        delete cells.password;
        return { rowNo: p.rowNo, action: p.action, changes: p.changes, errors: p.errors, userId: p.userId ?? null, cells };
      }));
      await rows.recordPlans(job.id, results);
      done += batch.length;
      await setJob(job.id, 'analyzed = $2, claimed_at = now()', [done]);
    }
    const counts = await rows.countBy(job.id, 'action');
    const summary: ImportSummary = {
      create: counts.create ?? 0, update: counts.update ?? 0, unchanged: counts.unchanged ?? 0, error: counts.error ?? 0,
      newOrganizations: [...organizations], newGroups: [...groups],
    };
    // Only if nobody cancelled it meanwhile.
    await sql.query(`UPDATE import_jobs SET status = 'ready', summary = $2, claimed_at = NULL WHERE id = $1 AND status = 'analyzing'`, [job.id, JSON.stringify(summary)]);
  }

  async function apply(job: { id: string; scope: StaffScope; mode: PasswordMode; actor: Actor; email: string | null; total: number }): Promise<void> {
    // Counted once here (a resumed job has some rows done), then batch by batch.
    await setJob(job.id, 'applied = (SELECT count(*) FROM import_rows WHERE job_id = $1 AND outcome IS NOT NULL)');
    for await (const batch of rows.batches(job.id, { pendingOnly: true })) {
      const valid = batch.filter((r) => r.action !== 'error');
      const outcomes = valid.length ? await deps.importer.apply(valid, job.scope, job.mode, job.actor, job.id) : [];
      const refused = batch.filter((r) => r.action === 'error').map((r) => ({ rowNo: r.rowNo, outcome: 'failed' as const, errors: r.planErrors }));
      await rows.recordOutcomes(job.id, [...outcomes, ...refused]);
      await setJob(job.id, 'applied = applied + $2, claimed_at = now()', [batch.length]);
    }
    const counts = await rows.countBy(job.id, 'outcome');
    await rows.forgetPasswords(job.id);
    const { rows: [current] } = await sql.query<{ summary: ImportSummary }>('SELECT summary FROM import_jobs WHERE id = $1', [job.id]);
    const summary: ImportSummary = { ...current.summary, created: counts.created ?? 0, updated: counts.updated ?? 0, unchangedApplied: counts.unchanged ?? 0, failed: counts.failed ?? 0 };
    await setJob(job.id, `status = 'finished', finished_at = now(), summary = $2, claimed_at = NULL`, [JSON.stringify(summary)]);
    await deps.audit.record({ actor: job.actor, action: 'users.imported', details: { import: job.id, rows: job.total, created: summary.created, updated: summary.updated, unchanged: summary.unchangedApplied, failed: summary.failed } });
    if (job.email && job.actor.id) {
      await deps.enqueue({
        template: 'import-finished', to: job.email, userId: job.actor.id,
        params: { rows: job.total, created: summary.created, updated: summary.updated, unchanged: summary.unchangedApplied, failed: summary.failed, path: `/admin/imports/${job.id}` },
      });
      deps.wakeMail();
    }
  }

  return {
    find,
    rows,

    /** The latest imports this staff member may see: Administrators everyone's, others their own. */
    async recent(staff: Pick<Staff, 'actor' | 'isAdmin'>, limit = 10): Promise<ImportJob[]> {
      const { rows: jobs } = await sql.query<ImportJob>(
        `SELECT ${COLUMNS} FROM import_jobs WHERE $1::boolean OR actor_id = $2 ORDER BY id DESC LIMIT $3`, [staff.isAdmin, staff.actor.id ?? null, limit]);
      return jobs;
    },

    /** Stages an uploaded file; a file that cannot be imported at all is refused with its reasons, and nothing stays behind. */
    async stage(file: Readable, fileName: string, rawMode: string | undefined, staff: Staff): Promise<string> {
      const mode = PASSWORD_MODES.find((m) => m === rawMode);
      if (!mode) throw new ValidationError({ mode: 'Choose how the imported users get their passwords' });
      const { rows: [job] } = await sql.query<{ id: string }>(
        `INSERT INTO import_jobs (actor_id, actor_label, actor_email, scope, file_name, columns, password_mode) VALUES ($1, $2, $3, $4, $5, '[]', $6) RETURNING id::text AS id`,
        [staff.actor.id ?? null, staff.actor.label ?? null, staff.email, JSON.stringify(staff.scope), fileName.slice(0, 200) || 'upload.csv', mode]);
      try {
        const { customFields } = await deps.settings.current();
        let header: string[] | undefined;
        let pending: { rowNo: number; cells: Cells; errors: CellError[] }[] = [];
        let total = 0;
        for await (const record of readCsv(file)) {
          if (!header) {
            header = record.cells.map((h) => h.trim());
            const problems = checkHeader(header, customFields, mode);
            if (problems.length) throw new ValidationError({ file: problems.join('. ') });
            await setJob(job.id, 'columns = $2', [JSON.stringify(header)]);
            continue;
          }
          const errors: CellError[] = record.cells.length === header.length ? []
            : [{ column: '', message: `This row has ${record.cells.length} cells; the header names ${header.length} columns` }];
          pending.push({ rowNo: record.rowNo, cells: Object.fromEntries(header.map((h, i) => [h, record.cells[i] ?? ''])), errors });
          total += 1;
          if (pending.length === BATCH) {
            await rows.stage(job.id, pending);
            pending = [];
          }
        }
        if ((file as { truncated?: boolean }).truncated) throw new ValidationError({ file: 'The file is larger than the upload limit; split it into smaller files' });
        if (!header) throw new ValidationError({ file: 'The file is empty: the first line must name the columns' });
        if (total === 0) throw new ValidationError({ file: 'The file names its columns but has no rows to import' });
        await rows.stage(job.id, pending);
        await rows.analyze();
        await setJob(job.id, `status = 'analyzing', total = $2`, [total]);
        return job.id;
      } catch (err) {
        await sql.query('DELETE FROM import_jobs WHERE id = $1', [job.id]);
        throw err;
      }
    },

    /** Starts applying a finished dry run. */
    async confirm(id: string, staff: Staff): Promise<void> {
      const job = await find(id, staff);
      const { rowCount } = await sql.query(`UPDATE import_jobs SET status = 'queued', confirmed_at = now() WHERE id = $1 AND status = 'ready'`, [job.id]);
      if (!rowCount) throw new ValidationError({ import: 'This import is not waiting for confirmation' });
      await deps.audit.record({ actor: staff.actor, action: 'users.import_confirmed', details: { import: job.id, rows: job.total, passwords: job.passwordMode, file: job.fileName } });
    },

    /** Drops an import that has not started writing; its staged rows (and any passwords in them) go. */
    async cancel(id: string, staff: Staff): Promise<void> {
      const job = await find(id, staff);
      const { rowCount } = await sql.query(`UPDATE import_jobs SET status = 'cancelled', finished_at = now() WHERE id = $1 AND status IN ('analyzing', 'ready')`, [job.id]);
      if (!rowCount) throw new ValidationError({ import: 'This import has already started and cannot be cancelled' });
      await sql.query('DELETE FROM import_rows WHERE job_id = $1', [job.id]);
      await deps.audit.record({ actor: staff.actor, action: 'users.import_cancelled', details: { import: job.id, rows: job.total } });
    },

    /** Runs the oldest dry run or confirmed import waiting (or one whose worker went quiet); false when there is none. */
    async runOne(): Promise<boolean> {
      const { rows: claimed } = await sql.query<{ id: string; status: ImportStatus; scope: StaffScope; password_mode: PasswordMode; actor_id: string | null; actor_label: string | null; actor_email: string | null; total: number }>(
        `UPDATE import_jobs SET status = CASE WHEN status = 'queued' THEN 'running' ELSE status END, claimed_at = now() WHERE id = (
           SELECT id FROM import_jobs
           WHERE (status IN ('analyzing', 'running') AND (claimed_at IS NULL OR claimed_at < now() - ${LEASE})) OR status = 'queued'
           ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING id::text AS id, status, scope, password_mode, actor_id::text, actor_label, actor_email, total`);
      const job = claimed[0];
      if (!job) return false;
      const base = { id: job.id, scope: job.scope, mode: job.password_mode };
      // Renewed while it runs: a batch (bcrypt for given passwords) may take longer than the lease.
      const renew = () => sql.query(`UPDATE import_jobs SET claimed_at = now() WHERE id = $1 AND status IN ('analyzing', 'running') AND claimed_at IS NOT NULL`, [job.id]);
      try {
        await whileLeased(lease, renew, async () => {
          if (job.status === 'analyzing') await analyze(base);
          else await apply({ ...base, actor: { type: 'user', id: job.actor_id, label: job.actor_label }, email: job.actor_email, total: job.total });
        });
      } catch (err) {
        // An outage is no verdict on the import: left claimed, it is taken up again where it stopped.
        if (isDatabaseOutage(err)) throw err;
        await setJob(job.id, `status = 'failed', error = $2, finished_at = now()`, [String((err as Error).message).slice(0, 500)]);
        await rows.forgetPasswords(job.id);
        throw err;
      }
      return true;
    },
  };
}

export type ImportJobs = ReturnType<typeof createImportJobs>;

export function startImportWorker({ jobs, logger, outage, intervalMs = 2000 }: { jobs: ImportJobs; logger: Logger; outage?: DatabaseOutage; intervalMs?: number }): PolledWorker {
  return startPolledWorker({ name: 'import worker', intervalMs, logger, outage, drainOnce: () => jobs.runOne() });
}

export type { StagedRow };
