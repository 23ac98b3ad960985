// CSV export from the users list: choose the columns and whom the file is for (a spreadsheet:
// UTF-8 with a byte-order mark, the default; a script: plain UTF-8), then the file streams
// straight from PostgreSQL in batches (constant memory, any size). Beyond `jobThreshold` users
// it runs as a job instead: a progress page, and an email with the link when the file is ready.
import { Readable } from 'node:stream';
import Router from '@koa/router';
import type { Context } from 'koa';
import { DEFAULT_COLUMNS, exportColumns } from '../provisioning/user-csv-export.js';
import type { Views } from '../platform/views.js';
import { renderConsole, staffOf } from './console-context.js';
import { NotFoundError, ValidationError } from '../platform/errors.js';
import { bigserialId } from '../platform/http/input.js';
import { idParam } from './params.input.js';
import { parseExportEncoding } from './export.input.js';
import { formatTime } from '../platform/format.js';
import { parseUserListParams, userListUrl } from './user-list.params.js';
import type { ExportJobs } from '../provisioning/export-jobs.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { UserDirectory } from '../users/user-directory.query.js';

/** The services this section uses, and no others. */
export interface ExportSectionServices {
  directory: UserDirectory;
  exports: ExportJobs;
  settings: SettingsService;
}

export function exportRoutes({ services, views, wakeExportWorker, jobThreshold }: { services: ExportSectionServices;
  views: Views; wakeExportWorker: () => void; jobThreshold: number; }): Router {
  const router = new Router();

  router.param('id', idParam(bigserialId, 'Export'));

  const filterOf = (ctx: Context) => {
    const { params, problems, refused } = parseUserListParams(ctx.query);
    if (refused) throw new ValidationError({ q: problems[0] });
    return { params,
      filter: { scope: staffOf(ctx).scope, q: params.q, status: params.status, role: params.role,
        organizationId: params.org } };
  };

  router.get('/users/export', async function chooseExportColumns(ctx) {
    const { params, filter } = filterOf(ctx);
    const columns = exportColumns((await services.settings.current()).customFields);
    const filterFields = Object.entries({ q: params.q, status: params.status, role: params.role,
      org: params.org }).filter(([, v]) => v);
    renderConsole(ctx, views, 'admin/users/export.njk', 'users', {
      columns: columns.map((c) => ({ ...c, checked: DEFAULT_COLUMNS.includes(c.key) })), filterFields,
      encoding: parseExportEncoding(ctx.query).encoding,
      count: await services.directory.countExactly(filter), backUrl: userListUrl(params),
    });
  });

  router.get('/users/export.csv', async function downloadUsersCsv(ctx) {
    const { filter } = filterOf(ctx);
    const all = exportColumns((await services.settings.current()).customFields);
    const wanted = [ctx.query.column ?? []].flat().filter((c): c is string => typeof c === 'string');
    const columns = all.filter((c) => wanted.includes(c.key));
    const chosen = columns.length ? columns : all.filter((c) => DEFAULT_COLUMNS.includes(c.key));
    const { bom } = parseExportEncoding(ctx.query);
    const count = await services.directory.countExactly(filter);
    if (count > jobThreshold) {
      const staff = staffOf(ctx);
      const jobId = await services.exports.start(filter, chosen.map((c) => c.key), count,
        { actor: staff.actor, email: staff.user.email }, bom);
      wakeExportWorker();
      ctx.status = 303;
      return ctx.redirect(`/admin/exports/${jobId}`);
    }
    const csv = await services.exports.streamNow(filter, chosen, staffOf(ctx).actor, bom);
    ctx.set('Content-Disposition', `attachment; filename="users-${new Date().toISOString().slice(0, 10)}.csv"`);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'text/csv; charset=utf-8';
    ctx.body = Readable.from(csv);
  });

  router.get('/exports/:id', async function showExport(ctx) {
    const job = await services.exports.find(ctx.params.id, staffOf(ctx));
    ctx.set('Cache-Control', 'no-store');
    renderConsole(ctx, views, 'admin/users/export-job.njk', 'users', {
      job: { ...job, created: formatTime(job.createdAt), finished: formatTime(job.finishedAt),
        removed: formatTime(job.fileRemovedAt),
        percent: job.total ? Math.floor((job.rowsDone * 100) / job.total) : 100 },
      emailed: Boolean(staffOf(ctx).user.email),
    });
  });

  router.get('/exports/:id/download', async function downloadExport(ctx) {
    const job = await services.exports.find(ctx.params.id, staffOf(ctx));
    if (job.status !== 'finished' || job.fileRemovedAt) throw new NotFoundError('Finished export');
    ctx.set('Content-Disposition', `attachment; filename="users-export-${job.id}.csv"`);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'text/csv; charset=utf-8';
    ctx.body = Readable.from(services.exports.download(job));
  });

  return router;
}
