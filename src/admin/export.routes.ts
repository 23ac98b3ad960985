// CSV export from the users list: choose the columns, then the file streams straight from
// PostgreSQL in batches (constant memory, any size). The filter is the list's own.
import { Readable } from 'node:stream';
import Router from '@koa/router';
import type { Context } from 'koa';
import { DEFAULT_COLUMNS, exportColumns, exportUsersCsv } from '../directory/user-csv-export.js';
import type { Services } from '../services.js';
import type { Views } from '../http/views.js';
import { renderConsole, staffOf } from './console-context.js';
import { parseUserListParams, userListUrl } from './user-list.params.js';

export function exportRoutes({ services, views }: { services: Services; views: Views }): Router {
  const router = new Router();

  const filterOf = (ctx: Context) => {
    const { params } = parseUserListParams(ctx.query);
    return { params, filter: { scope: staffOf(ctx).scope, q: params.q, status: params.status, role: params.role, organizationId: params.org } };
  };

  router.get('/users/export', async function chooseExportColumns(ctx) {
    const { params, filter } = filterOf(ctx);
    const columns = exportColumns((await services.settings.current()).customFields);
    const filterFields = Object.entries({ q: params.q, status: params.status, role: params.role, org: params.org }).filter(([, v]) => v);
    renderConsole(ctx, views, 'admin/users/export.njk', 'users', {
      columns: columns.map((c) => ({ ...c, checked: DEFAULT_COLUMNS.includes(c.key) })), filterFields,
      count: await services.directory.countExactly(filter), backUrl: userListUrl(params),
    });
  });

  router.get('/users/export.csv', async function downloadUsersCsv(ctx) {
    const { filter } = filterOf(ctx);
    const all = exportColumns((await services.settings.current()).customFields);
    const wanted = [ctx.query.column ?? []].flat().filter((c): c is string => typeof c === 'string');
    const columns = all.filter((c) => wanted.includes(c.key));
    const chosen = columns.length ? columns : all.filter((c) => DEFAULT_COLUMNS.includes(c.key));
    await services.audit.record({ actor: staffOf(ctx).actor, action: 'users.exported', details: { filter: { ...filter, scope: undefined }, columns: chosen.map((c) => c.key) } });
    ctx.set('Content-Disposition', `attachment; filename="users-${new Date().toISOString().slice(0, 10)}.csv"`);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'text/csv; charset=utf-8';
    ctx.body = Readable.from(exportUsersCsv(services.sql, filter, chosen));
  });

  return router;
}
