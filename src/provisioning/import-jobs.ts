// CSV imports as durable jobs. The upload is staged row by row in import_rows; a worker (in
// any process) then runs the dry run, which writes nothing to the directory, and after the
// admin confirms, applies the rows in batches. Progress is counted as it goes, failed rows
// keep their errors, and a crashed worker's job is taken up again where it stopped (a row
// already applied matches its user and changes nothing).
import type { Readable } from 'node:stream';
import type { Actor, AuditLog } from '../audit/audit.service.js';
import { type Db } from '../db/database.js';
import { readCsv, type CsvDelimiter } from './csv-reader.js';
import { NotFoundError, ValidationError } from '../platform/errors.js';
import type { PasswordHasher } from '../users/password.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { StaffScope } from '../platform/access.js';
import { checkHeader, HASHED_PASSWORD_CELL, PASSWORD_MODES, type CellError, type Cells,
  type PasswordMode } from './user-import-row.js';
import type { StagedRow } from './user-import.plan.js';
import type { FileTally, UserImporter } from './user-import.service.js';
import type { Logger } from '../platform/logger.js';
import type { QueuedMessage } from '../mail/outbox.repository.js';
import { startPolledWorker, type PolledWorker } from '../jobs/polled-worker.js';
import { createImportRowStore, type ImportRowStore } from './import-rows.repository.js';
import { createImportJobRepository, type ImportJob, type ImportSummary } from './import-job.repository.js';
import { DEFAULT_LEASE, type Lease } from '../jobs/lease.js';
import { listedJobs, mayOpenJob } from '../jobs/job.policy.js';
import type { DatabaseOutage } from '../db/database-outage.js';

export type { ImportJob, ImportStatus, ImportSummary } from './import-job.repository.js';

const BATCH = 1000;

export interface ImportJobDeps {
  db: Db; importer: UserImporter; settings: SettingsService; hasher: PasswordHasher; audit: AuditLog;
  enqueue: (m: QueuedMessage) => Promise<string>; wakeMail: () => void;
  /** A worker that has not renewed its claim for this long is presumed dead (the job is taken up where it stopped). */
  lease?: Lease;
}

interface Staff { actor: Actor; email: string | null; scope: StaffScope; isAdmin: boolean }

/** A row with more or fewer cells than the header has columns, said with the likely cause. */
function cellCountProblem(cells: string[], columns: number, delimiter: CsvDelimiter): string {
  const other = delimiter === ',' ? ';' : ',';
  const problem = `This row has ${cells.length} cell${cells.length === 1 ? '' : 's'}; the header names ${columns} `
    + `column${columns === 1 ? '' : 's'}`;
  // Split by the other separator, the row would fit the header: it was written with that one.
  const asOther = cells.reduce((n, c) => n + c.split(other).length, 0);
  return cells.length < columns && asOther === columns
    ? `${problem}. The file separates its cells with "${delimiter}" (as its first line does), but this row seems to `
      + `use "${other}": use the same separator on every line`
    : problem;
}

export function createImportJobs(deps: ImportJobDeps) {
  const { db } = deps;
  const lease = deps.lease ?? DEFAULT_LEASE;
  const rows: ImportRowStore = createImportRowStore(db);
  const jobs = createImportJobRepository(db, lease);

  async function find(id: string, staff: Pick<Staff, 'actor' | 'isAdmin'>): Promise<ImportJob> {
    const job = await jobs.findById(id);
    if (!job || !mayOpenJob(staff, job)) throw new NotFoundError('Import');
    return job;
  }

  /** The dry run of every row; passwords given are checked here and kept only as bcrypt hashes from now on. */
  async function analyze(job: { id: string; scope: StaffScope; mode: PasswordMode; actor: Actor }): Promise<void> {
    const file: FileTally = { seen: new Map() };
    const organizations = new Set<string>();
    const groups = new Set<string>();
    let done = 0;
    for await (const batch of rows.batches(job.id)) {
      const { plans, references } = await deps.importer.dryRun(batch, job.scope, job.mode, file, job.actor);
      references.organizations.forEach((o) => organizations.add(o));
      references.groups.forEach((g) => groups.add(g));
      const cellsOf = new Map(batch.map((r) => [r.rowNo, r.cells]));
      const results = await Promise.all(plans.map(async (p) => {
        const cells: Cells = { ...cellsOf.get(p.rowNo) };
        if (p.action === 'create' && job.mode === 'given' && cells.password) {
          cells[HASHED_PASSWORD_CELL] = await deps.hasher.hash(cells.password);
        }
        delete cells.password;
        return { rowNo: p.rowNo, action: p.action, changes: p.changes, errors: p.errors, userId: p.userId ?? null,
          cells };
      }));
      await rows.recordPlans(job.id, results);
      done += batch.length;
      await jobs.analyzed(job.id, done);
    }
    const counts = await rows.countBy(job.id, 'action');
    const summary: ImportSummary = {
      create: counts.create ?? 0, update: counts.update ?? 0, unchanged: counts.unchanged ?? 0,
      error: counts.error ?? 0,
      newOrganizations: [...organizations], newGroups: [...groups],
    };
    // Only if nobody cancelled it meanwhile.
    await jobs.ready(job.id, summary);
  }

  async function apply(job: { id: string; scope: StaffScope; mode: PasswordMode; actor: Actor; email: string | null;
    total: number; }): Promise<void> {
    // Counted once here (a resumed job has some rows done), then batch by batch.
    await jobs.countApplied(job.id);
    for await (const batch of rows.batches(job.id, { pendingOnly: true })) {
      const valid = batch.filter((r) => r.action !== 'error');
      const outcomes = valid.length ? await deps.importer.apply(valid, job.scope, job.mode, job.actor, job.id) : [];
      const refused = batch.filter((r) => r.action === 'error').map((r) => ({ rowNo: r.rowNo,
        outcome: 'failed' as const, errors: r.planErrors }));
      await rows.recordOutcomes(job.id, [...outcomes, ...refused]);
      await jobs.addApplied(job.id, batch.length);
    }
    const counts = await rows.countBy(job.id, 'outcome');
    await rows.forgetPasswords(job.id);
    const summary: ImportSummary = { ...(await jobs.summaryOf(job.id)), created: counts.created ?? 0,
      updated: counts.updated ?? 0, unchangedApplied: counts.unchanged ?? 0, failed: counts.failed ?? 0 };
    await db.transaction(async (tx) => {
      await jobs.finish(job.id, summary, tx);
      await deps.audit.record({ actor: job.actor, action: 'users.imported',
        details: { import: job.id, rows: job.total, created: summary.created, updated: summary.updated,
          unchanged: summary.unchangedApplied, failed: summary.failed } }, tx);
    });
    if (job.email && job.actor.id) {
      await deps.enqueue({
        template: 'import-finished', to: job.email, userId: job.actor.id,
        params: { rows: job.total, created: summary.created, updated: summary.updated,
          unchanged: summary.unchangedApplied, failed: summary.failed, path: `/admin/imports/${job.id}` },
      });
      deps.wakeMail();
    }
  }

  return {
    find,
    rows,

    /** The latest imports this staff member may see: Administrators everyone's, others their own. */
    async recent(staff: Pick<Staff, 'actor' | 'isAdmin'>, limit = 10): Promise<ImportJob[]> {
      const whose = listedJobs(staff);
      return jobs.recent(whose.all, whose.all ? null : whose.actorId, limit);
    },

    /**
     * Stages an uploaded file; a file that cannot be imported at all is refused with its reasons,
     * and nothing stays behind.
     */
    async stage(file: Readable, fileName: string, rawMode: string | undefined, staff: Staff): Promise<string> {
      const mode = PASSWORD_MODES.find((m) => m === rawMode);
      if (!mode) throw new ValidationError({ mode: 'Choose how the imported users get their passwords' });
      const jobId = await jobs.insert({
        actorId: staff.actor.id ?? null, actorLabel: staff.actor.label ?? null, actorEmail: staff.email,
        scope: staff.scope,
        fileName: fileName.slice(0, 200) || 'upload.csv', passwordMode: mode,
      });
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
            await jobs.setColumns(jobId, header);
            continue;
          }
          const errors: CellError[] = record.cells.length === header.length ? []
            : [{ column: '', message: cellCountProblem(record.cells, header.length, record.delimiter) }];
          pending.push({ rowNo: record.rowNo,
            cells: Object.fromEntries(header.map((h, i) => [h, record.cells[i] ?? ''])), errors });
          total += 1;
          if (pending.length === BATCH) {
            await rows.stage(jobId, pending);
            pending = [];
          }
        }
        if ((file as { truncated?: boolean }).truncated) {
          throw new ValidationError({ file: 'The file is larger than the upload limit; split it into smaller files' });
        }
        if (!header) throw new ValidationError({ file: 'The file is empty: the first line must name the columns' });
        if (total === 0) throw new ValidationError({ file: 'The file names its columns but has no rows to import' });
        await rows.stage(jobId, pending);
        await rows.analyze();
        await jobs.staged(jobId, total);
        return jobId;
      } catch (err) {
        await jobs.delete(jobId);
        throw err;
      }
    },

    /** Starts applying a finished dry run. */
    async confirm(id: string, staff: Staff): Promise<void> {
      const job = await find(id, staff);
      await db.transaction(async (tx) => {
        if (!(await jobs.markQueued(job.id, tx))) {
          throw new ValidationError({ import: 'This import is not waiting for confirmation' });
        }
        await deps.audit.record({ actor: staff.actor, action: 'users.import_confirmed',
          details: { import: job.id, rows: job.total, passwords: job.passwordMode, file: job.fileName } }, tx);
      });
    },

    /** Drops an import that has not started writing; its staged rows (and any passwords in them) go. */
    async cancel(id: string, staff: Staff): Promise<void> {
      const job = await find(id, staff);
      await db.transaction(async (tx) => {
        if (!(await jobs.cancel(job.id, tx))) {
          throw new ValidationError({ import: 'This import has already started and cannot be cancelled' });
        }
        await rows.removeAll(job.id, tx);
        await deps.audit.record({ actor: staff.actor, action: 'users.import_cancelled',
          details: { import: job.id, rows: job.total } }, tx);
      });
    },

    /**
     * Runs the oldest dry run or confirmed import waiting (or one whose worker went quiet); false
     * when there is none.
     */
    runOne(): Promise<boolean> {
      // The claim is renewed while it runs: a batch (bcrypt for given passwords) may take longer than the lease.
      return jobs.queue.drain(1, async ([job]) => {
        const base = { id: job.id, scope: job.scope, mode: job.password_mode,
          actor: { type: 'user' as const, id: job.actor_id, label: job.actor_label } };
        if (job.status === 'analyzing') await analyze(base);
        else await apply({ ...base, email: job.actor_email, total: job.total });
      }, async ([job], err) => {
        await jobs.fail(job.id, String((err as Error).message).slice(0, 500));
        await rows.forgetPasswords(job.id);
      });
    },
  };
}

export type ImportJobs = ReturnType<typeof createImportJobs>;

export function startImportWorker({ jobs, logger, outage, intervalMs = 2000 }: { jobs: ImportJobs; logger: Logger;
  outage?: DatabaseOutage; intervalMs?: number; }): PolledWorker {
  return startPolledWorker({ name: 'import worker', intervalMs, logger, outage, drainOnce: () => jobs.runOne() });
}

export type { StagedRow };
