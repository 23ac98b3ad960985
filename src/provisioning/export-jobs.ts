// Large CSV exports as jobs: a worker (in any process) writes the file into PostgreSQL in
// chunks as it streams the rows, reporting progress; the admin is emailed a link to the
// download page when it is done. A crashed run is taken up again from the start. The job
// keeps whether the download starts with a byte-order mark (the chunks are the CSV alone).
import type { Actor, AuditLog } from '../audit/audit.service.js';
import { type Db } from '../db/database.js';
import { NotFoundError } from '../platform/errors.js';
import { exportColumns, exportUsersCsv, UTF8_BOM, withBom, type ExportColumn } from './user-csv-export.js';
import type { UserFilter } from '../users/user-directory.query.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { Logger } from '../platform/logger.js';
import type { QueuedMessage } from '../mail/outbox.repository.js';
import { startPolledWorker, type PolledWorker } from '../jobs/polled-worker.js';
import { DEFAULT_LEASE, type Lease } from '../jobs/lease.js';
import { mayOpenJob } from '../jobs/job.policy.js';
import { createExportJobRepository, type ClaimedExport, type ExportJob } from './export-job.repository.js';
import type { DatabaseOutage } from '../db/database-outage.js';

export type { ExportJob } from './export-job.repository.js';

export function createExportJobs({ db, settings, audit, enqueue, wakeMail, lease = DEFAULT_LEASE }:
  { db: Db; settings: SettingsService; audit: AuditLog; enqueue: (m: QueuedMessage) => Promise<string>;
    wakeMail: () => void; lease?: Lease; }) {
  const jobs = createExportJobRepository(db, lease);

  /** Writes the file from the start (a run taken up after a crash starts over), then mails its link. */
  async function write(job: ClaimedExport): Promise<void> {
    await jobs.removeChunks(job.id);
    const all = exportColumns((await settings.current()).customFields);
    const columns = all.filter((c) => job.columns.includes(c.key));
    let seq = 0;
    let done = 0;
    for await (const chunk of exportUsersCsv(db, job.filter, columns, (n) => (done = n))) {
      await jobs.addChunk(job.id, seq, chunk);
      await jobs.progress(job.id, done);
      seq += 1;
    }
    await jobs.finish(job.id, done);
    if (job.actor_email && job.actor_id) {
      await enqueue({ template: 'export-ready', to: job.actor_email, userId: job.actor_id,
        params: { rows: done, path: `/admin/exports/${job.id}` } });
      wakeMail();
    }
  }

  return {
    /** An export small enough to stream in the request: audited as it starts. `bom`: for spreadsheets. */
    async streamNow(filter: UserFilter, columns: ExportColumn[], actor: Actor,
      bom: boolean): Promise<AsyncGenerator<string>> {
      await audit.record({ actor, action: 'users.exported',
        details: { filter: { ...filter, scope: undefined }, columns: columns.map((c) => c.key), bom } });
      return withBom(exportUsersCsv(db, filter, columns), bom);
    },

    async start(filter: UserFilter, columns: string[], total: number,
      staff: { actor: Actor; email: string | null }, bom: boolean): Promise<string> {
      return db.transaction(async (tx) => {
        const id = await jobs.insert({ actorId: staff.actor.id ?? null, actorLabel: staff.actor.label ?? null,
          actorEmail: staff.email, filter, columns, total, bom }, tx);
        await audit.record({ actor: staff.actor, action: 'users.exported',
          details: { job: id, rows: total, columns, filter: { ...filter, scope: undefined }, bom } }, tx);
        return id;
      });
    },

    /** The job if this staff member may see it: Administrators all, others their own. */
    async find(id: string, staff: { actor: Actor; isAdmin: boolean }): Promise<ExportJob> {
      const job = await jobs.findById(id);
      if (!job || !mayOpenJob(staff, job)) throw new NotFoundError('Export');
      return job;
    },

    /** The finished file, chunk by chunk, after the byte-order mark if the job was made with one. */
    async *download(job: Pick<ExportJob, 'id' | 'bom'>): AsyncGenerator<string> {
      const { id } = job;
      if (job.bom) yield UTF8_BOM;
      let seq = -1;
      for (;;) {
        const rows = await jobs.chunksAfter(id, seq);
        if (rows.length === 0) return;
        for (const row of rows) yield row.data;
        seq = rows[rows.length - 1].seq;
      }
    },

    /** Runs the oldest waiting job (or one whose worker went quiet); false when there is none. */
    runOne(): Promise<boolean> {
      // The claim is renewed while it runs, besides each chunk: a chunk of a slow query may outlast the lease.
      return jobs.queue.drain(1, ([job]) => write(job),
        ([job], err) => jobs.fail(job.id, String((err as Error).message).slice(0, 500)));
    },
  };
}

export type ExportJobs = ReturnType<typeof createExportJobs>;

export function startExportWorker({ jobs, logger, outage, intervalMs = 2000 }: { jobs: ExportJobs; logger: Logger;
  outage?: DatabaseOutage; intervalMs?: number; }): PolledWorker {
  return startPolledWorker({ name: 'export worker', intervalMs, logger, outage, drainOnce: () => jobs.runOne() });
}
