// CSV import from the users list: upload a file and choose how passwords are handled; a
// worker runs the dry run (nothing written to the directory) and the page shows each row's
// outcome and error; the admin confirms, the worker applies it with a progress bar, and the
// rows that failed can be downloaded as a CSV to fix and upload again. The template and that
// file start with a UTF-8 byte-order mark, as they are opened in spreadsheets (which would
// otherwise garble non-ASCII names and save them back garbled); the reader drops it.
import { Readable } from 'node:stream';
import Router from '@koa/router';
import type { Context } from 'koa';
import { NotFoundError, ValidationError } from '../platform/errors.js';
import { importColumns, type PasswordMode } from '../provisioning/user-import-row.js';
import { UTF8_BOM, withBom } from '../provisioning/user-csv-export.js';
import { receiveCsvUpload } from '../platform/http/csv-upload.js';
import { bigserialId } from '../platform/http/input.js';
import { idParam } from './params.input.js';
import type { Views } from '../platform/views.js';
import type { ImportRowFilter } from '../provisioning/import-rows.repository.js';
import type { ImportJob } from '../provisioning/import-jobs.js';
import { renderConsole, staffOf } from './console-context.js';
import { formatTime } from '../platform/format.js';
import { parseImportPageQuery } from './import.input.js';
import type { ImportJobs } from '../provisioning/import-jobs.js';
import type { SettingsService } from '../settings/settings.service.js';

/** The services this section uses, and no others. */
export interface ImportSectionServices {
  imports: ImportJobs;
  settings: SettingsService;
}

const PAGE = 100;
const STATUS_LABELS: Record<ImportJob['status'], string> = {
  uploading: 'Uploading', analyzing: 'Dry run running', ready: 'Waiting for confirmation', queued: 'Waiting to start',
  running: 'Importing',
  finished: 'Finished', failed: 'Stopped by an error', cancelled: 'Cancelled',
};
const FILTERS: ImportRowFilter[] = ['all', 'create', 'update', 'unchanged', 'error', 'failed'];
const MODE_LABELS: Record<PasswordMode, string> = {
  invite: 'Send each new user an invitation to choose a password',
  given: 'Set the passwords in the password column (the password policy applies)',
  hash: 'Import existing bcrypt hashes from the password_hash column',
};

export function importRoutes({ services, views, wakeImportWorker, maxBytes }: { services: ImportSectionServices;
  views: Views; wakeImportWorker: () => void; maxBytes: number; }): Router {
  const router = new Router();
  router.param('id', idParam(bigserialId, 'Import'));
  const { imports } = services;

  async function renderUploadForm(ctx: Context, values: { mode?: string }, errors: Record<string, string> = {},
    status = 200): Promise<void> {
    const { customFields } = await services.settings.current();
    const recent = (await imports.recent(staffOf(ctx))).map(present);
    renderConsole(ctx, views, 'admin/users/import.njk', 'users', {
      recent, statusLabels: STATUS_LABELS,
      modes: Object.entries(MODE_LABELS).map(([value, label]) => ({ value, label })),
      values: { mode: 'invite', ...values }, errors,
      columns: importColumns(customFields), maxMegabytes: Math.floor(maxBytes / 1024 / 1024),
    }, status);
  }

  router.get('/users/import', async function importForm(ctx) {
    await renderUploadForm(ctx, {});
  });

  router.get('/users/import/template.csv', async function importTemplate(ctx) {
    const { customFields } = await services.settings.current();
    ctx.set('Content-Disposition', 'attachment; filename="users-import-template.csv"');
    ctx.type = 'text/csv; charset=utf-8';
    ctx.body = `${UTF8_BOM}${importColumns(customFields).filter((c) => c !== 'password'
      && c !== 'password_hash').join(',')}\r\n`;
  });

  router.post('/users/import', async function uploadImport(ctx) {
    const staff = staffOf(ctx);
    let mode: string | undefined;
    try {
      const id = await receiveCsvUpload(ctx, maxBytes, (file, fileName, fields) => {
        mode = fields.mode;
        return imports.stage(file, fileName, fields.mode,
          { actor: staff.actor, email: staff.user.email, scope: staff.scope, isAdmin: staff.isAdmin });
      });
      wakeImportWorker();
      ctx.status = 303;
      ctx.redirect(`/admin/imports/${id}`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      await renderUploadForm(ctx, { mode }, err.fields, 422);
    }
  });

  router.get('/imports/:id', async function showImport(ctx) {
    const job = await imports.find(ctx.params.id, staffOf(ctx));
    const applied = ['queued', 'running', 'finished'].includes(job.status);
    const { show: requested, after } = parseImportPageQuery(ctx.query);
    const filter: ImportRowFilter = requested ?? (job.status === 'finished' ? 'failed' : 'all');
    const listed = (job.status === 'ready' || job.status === 'finished') && !job.rowsRemovedAt
      ? await imports.rows.page(job.id, filter, after, PAGE) : [];
    ctx.set('Cache-Control', 'no-store');
    renderConsole(ctx, views, 'admin/users/import-job.njk', 'users', {
      job: present(job), applied, filter, after,
      filters: FILTERS.filter((f) => (job.status === 'finished' ? true : f !== 'failed')),
      rows: listed.map((r) => ({
        rowNo: r.rowNo, userId: r.userId,
        who: r.cells.login || r.cells.email || r.cells.phone_number || '(no identifier)',
        action: r.action, outcome: r.outcome, changes: (r.changes ?? []).join(', '),
        errors: (job.status === 'finished' && r.outcome ? r.outcomeErrors ?? [] : r.errors).map((e) => (e.column
          ? `${e.column}: ${e.message}` : e.message)),
      })),
      nextAfter: listed.length === PAGE ? listed[listed.length - 1].rowNo : null,
      modeLabel: MODE_LABELS[job.passwordMode],
    });
  });

  router.post('/imports/:id/confirm', async function confirmImport(ctx) {
    const staff = staffOf(ctx);
    await imports.confirm(ctx.params.id, { ...staff, email: staff.user.email });
    wakeImportWorker();
    ctx.status = 303;
    ctx.redirect(`/admin/imports/${ctx.params.id}`);
  });

  router.post('/imports/:id/cancel', async function cancelImport(ctx) {
    const staff = staffOf(ctx);
    await imports.cancel(ctx.params.id, { ...staff, email: staff.user.email });
    ctx.status = 303;
    ctx.redirect(`/admin/imports/${ctx.params.id}`);
  });

  router.get('/imports/:id/errors.csv', async function downloadImportErrors(ctx) {
    const job = await imports.find(ctx.params.id, staffOf(ctx));
    if (job.rowsRemovedAt) throw new NotFoundError("This import's rows");
    ctx.set('Content-Disposition', `attachment; filename="import-${job.id}-errors.csv"`);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'text/csv; charset=utf-8';
    ctx.body = Readable.from(withBom(imports.rows.errorsCsv(job.id, job.columns, job.status === 'finished'), true));
  });

  return router;
}

function present(job: ImportJob) {
  const s = job.summary;
  const working = job.status === 'analyzing' || job.status === 'queued' || job.status === 'running';
  const done = job.status === 'analyzing' ? job.analyzed : job.applied;
  return {
    ...job, working, done, created: formatTime(job.createdAt), finished: formatTime(job.finishedAt),
    removed: formatTime(job.rowsRemovedAt),
    percent: job.total ? Math.floor((done * 100) / job.total) : 100,
    counts: { create: s.create ?? 0, update: s.update ?? 0, unchanged: s.unchanged ?? 0, error: s.error ?? 0 },
    results: { created: s.created ?? 0, updated: s.updated ?? 0, unchanged: s.unchangedApplied ?? 0,
      failed: s.failed ?? 0 },
    newOrganizations: s.newOrganizations ?? [], newGroups: s.newGroups ?? [],
  };
}
