// Mass actions from the users list: ticked users or every user matching the filter →
// a confirmation stating the count → a durable job → its progress and result page.
import Router from '@koa/router';
import type { Context } from 'koa';
import { ValidationError } from '../platform/errors.js';
import { isBulkAction, type BulkAction, type Selection } from '../mass-actions/bulk-actions.js';
import type { Views } from '../platform/views.js';
import { formOf, renderConsole, staffOf } from './console-context.js';
import { userListUrl } from './user-list.params.js';
import { parseMassActionForm, type MassActionForm } from './bulk.input.js';
import { idParam } from './params.input.js';
import { bigserialId } from '../platform/http/input.js';
import { formatTime } from '../platform/format.js';
import type { GroupService } from '../groups/group.service.js';
import type { BulkActions } from '../mass-actions/bulk-actions.js';
import type { UserDirectory } from '../users/user-directory.query.js';

/** The services this section uses, and no others. */
export interface BulkSectionServices {
  bulk: BulkActions;
  directory: UserDirectory;
  groups: GroupService;
}

const WORDS: Record<BulkAction, { verb: string; explain: string; danger: boolean }> = {
  block: { verb: 'Block', explain: 'They can no longer sign in and are signed out everywhere.', danger: true },
  unblock: { verb: 'Unblock', explain: 'They can sign in again.', danger: false },
  'end-sessions': { verb: 'End all sessions of',
    explain: 'Every session and token of theirs ends in every app; they can sign in again.', danger: false },
  'add-to-group': { verb: 'Add to the group',
    explain: 'They become members of the group; apps asking for the groups scope see it.', danger: false },
  'remove-from-group': { verb: 'Remove from the group', explain: 'They stop being members of the group.',
    danger: false },
  'reset-password': { verb: 'Force a password reset for',
    explain: 'They are signed out everywhere at once: every session, grant and token of theirs ends in every app. '
      + 'They cannot sign in until they choose a new password with the link we email them.', danger: true },
  delete: { verb: 'Delete',
    explain: 'They are deleted for good with their sessions and tokens. This cannot be undone; consider blocking '
      + 'instead.', danger: true },
};
const SHOWN_ITEMS = 500;

/** The selection a parsed form names: ticked ids, or `all=1` with the list's filter fields. */
function selectionOf({ all, ids, filterQuery, params }: MassActionForm,
  ctx: Context): { selection: Selection; filterQuery: Record<string, string>; backUrl: string } {
  const backUrl = userListUrl(params);
  if (all) {
    return {
      selection: { filter: { scope: staffOf(ctx).scope, q: params.q, status: params.status, role: params.role,
        organizationId: params.org } },
      filterQuery, backUrl,
    };
  }
  return { selection: { ids }, filterQuery, backUrl };
}

/** The form parsed, or undefined after answering 422 with what was wrong. */
function parsedForm(ctx: Context, views: Views): MassActionForm | undefined {
  try {
    return parseMassActionForm(formOf(ctx));
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    renderConsole(ctx, views, 'admin/users/bulk-confirm.njk', 'users',
      { problem: Object.values(err.fields).join(' '), backUrl: '/admin/users' }, 422);
    return undefined;
  }
}

export function bulkRoutes({ services, views, wakeBulkWorker }: { services: BulkSectionServices; views: Views;
  wakeBulkWorker: () => void; }): Router {
  const { bulk, directory } = services;
  const router = new Router();
  router.param('id', idParam(bigserialId, 'Mass action'));

  router.post('/users/bulk/confirm', async function confirmMassAction(ctx) {
    const form = parsedForm(ctx, views);
    if (!form) return;
    const { action } = form;
    const { selection, filterQuery, backUrl } = selectionOf(form, ctx);
    const ids = 'ids' in selection ? selection.ids : [];
    const problem = !isBulkAction(action) ? 'Choose what to do with the selected users.'
      : 'ids' in selection && ids.length === 0 ? 'Tick at least one user, or choose all users matching the filter.'
      : undefined;
    if (problem) {
      return renderConsole(ctx, views, 'admin/users/bulk-confirm.njk', 'users', { problem, backUrl }, 422);
    }
    const { groupId } = form;
    const needsGroup = action === 'add-to-group' || action === 'remove-from-group';
    if (needsGroup && !groupId) {
      return renderConsole(ctx, views, 'admin/users/bulk-confirm.njk', 'users',
        { problem: 'Choose the group.', backUrl }, 422);
    }
    const group = needsGroup ? await services.groups.get(groupId, staffOf(ctx).scope) : undefined;
    const count = 'ids' in selection ? ids.length : await directory.countExactly(selection.filter);
    renderConsole(ctx, views, 'admin/users/bulk-confirm.njk', 'users', {
      action, words: WORDS[action as BulkAction], count, ids, all: !('ids' in selection), filterQuery, backUrl, group,
    });
  });

  router.post('/users/bulk', async function startMassAction(ctx) {
    const form = parsedForm(ctx, views);
    if (!form) return;
    const { selection, backUrl } = selectionOf(form, ctx);
    let jobId: string;
    try {
      jobId = await bulk.start(form.action, selection, staffOf(ctx), { groupId: form.groupId || undefined });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderConsole(ctx, views, 'admin/users/bulk-confirm.njk', 'users',
        { problem: Object.values(err.fields).join(' '), backUrl }, 422);
    }
    wakeBulkWorker();
    ctx.status = 303;
    ctx.redirect(`/admin/jobs/${jobId}`);
  });

  router.get('/jobs/:id', async function showMassAction(ctx) {
    const job = await bulk.find(ctx.params.id, staffOf(ctx));
    const finished = job.status === 'finished';
    const [failed, done] = finished
      ? await Promise.all([bulk.items(job.id, 'failed', SHOWN_ITEMS), bulk.items(job.id, 'done', SHOWN_ITEMS)]) : [[],
        []];
    ctx.set('Cache-Control', 'no-store');
    renderConsole(ctx, views, 'admin/users/bulk-job.njk', 'users', {
      job: { ...job, created: formatTime(job.createdAt), finished: formatTime(job.finishedAt),
        percent: job.total ? Math.floor(((job.done + job.failed) * 100) / job.total) : 100 },
      words: isBulkAction(job.action) ? WORDS[job.action] : { verb: job.action }, finishedJob: finished, failed, done,
      shown: SHOWN_ITEMS,
    });
  });

  return router;
}
