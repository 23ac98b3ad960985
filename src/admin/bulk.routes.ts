// Mass actions from the users list: ticked users or every user matching the filter →
// a confirmation stating the count → a durable job → its progress and result page. A deletion
// of more than one user is confirmed by typing the number of users; its confirmation lists the
// first users affected and how many Administrators are among them.
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
import { formatCount, formatTime } from '../platform/format.js';
import type { GroupService } from '../groups/group.service.js';
import { MASS_ACTION_WORDS as WORDS, presentDeletion } from './bulk.presenter.js';
import type { BulkActions } from '../mass-actions/bulk-actions.js';
import type { UserDirectory } from '../users/user-directory.query.js';

/** The services this section uses, and no others. */
export interface BulkSectionServices {
  bulk: BulkActions;
  directory: UserDirectory;
  groups: GroupService;
}

const SHOWN_ITEMS = 500;
/** How many of the users a deletion reaches its confirmation names. */
const PREVIEWED = 20;

/** A mass action the form names completely, with what its confirmation shows. */
interface MassActionRequest {
  action: BulkAction;
  selection: Selection;
  ids: string[];
  all: boolean;
  filterQuery: Record<string, string>;
  backUrl: string;
  group?: { id: string; name: string };
}

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

  /** A complete request, or undefined after answering 422 with what is missing. */
  async function completeRequest(ctx: Context, form: MassActionForm): Promise<MassActionRequest | undefined> {
    const { action, groupId } = form;
    const { selection, filterQuery, backUrl } = selectionOf(form, ctx);
    const ids = 'ids' in selection ? selection.ids : [];
    const needsGroup = action === 'add-to-group' || action === 'remove-from-group';
    const problem = !isBulkAction(action) ? 'Choose what to do with the selected users.'
      : 'ids' in selection && ids.length === 0 ? 'Tick at least one user, or choose all users matching the filter.'
      : needsGroup && !groupId ? 'Choose the group.'
      : undefined;
    if (problem || !isBulkAction(action)) {
      renderConsole(ctx, views, 'admin/users/bulk-confirm.njk', 'users', { problem, backUrl }, 422);
      return undefined;
    }
    const group = needsGroup ? await services.groups.get(groupId, staffOf(ctx).scope) : undefined;
    return { action, selection, ids, all: !('ids' in selection), filterQuery, backUrl, group };
  }

  /**
   * The confirmation of a complete request, counted now; a deletion names the first users it
   * reaches and takes the number typed (`errors.confirm` says why what was typed was refused).
   */
  async function renderConfirmation(ctx: Context, request: MassActionRequest, typed = '',
    errors: Record<string, string> = {}, status = 200): Promise<void> {
    const { action, selection, backUrl } = request;
    const preview = action === 'delete' ? await bulk.preview(selection, staffOf(ctx), PREVIEWED) : undefined;
    const count = preview ? preview.total : 'ids' in selection ? request.ids.length
      : await directory.countExactly(selection.filter);
    if (preview && count === 0) {
      return renderConsole(ctx, views, 'admin/users/bulk-confirm.njk', 'users',
        { problem: 'None of the selected users is left to delete.', backUrl }, 422);
    }
    renderConsole(ctx, views, 'admin/users/bulk-confirm.njk', 'users', {
      ...request, words: WORDS[action], count, countText: formatCount(count),
      deletion: preview ? presentDeletion(preview) : undefined, typed, errors,
    }, status);
  }

  router.post('/users/bulk/confirm', async function confirmMassAction(ctx) {
    const form = parsedForm(ctx, views);
    if (!form) return;
    const request = await completeRequest(ctx, form);
    if (!request) return;
    try {
      await renderConfirmation(ctx, request);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      renderConsole(ctx, views, 'admin/users/bulk-confirm.njk', 'users',
        { problem: Object.values(err.fields).join(' '), backUrl: request.backUrl }, 422);
    }
  });

  router.post('/users/bulk', async function startMassAction(ctx) {
    const form = parsedForm(ctx, views);
    if (!form) return;
    const { selection, backUrl } = selectionOf(form, ctx);
    let jobId: string;
    try {
      jobId = await bulk.start(form.action, selection, staffOf(ctx), { groupId: form.groupId || undefined,
        confirmedCount: form.confirmedCount });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      if (err.fields.confirm) {
        // The number typed is not that of the selection as it is now: the confirmation again, with why.
        const request = await completeRequest(ctx, form);
        if (request) await renderConfirmation(ctx, request, form.confirmText, { confirm: err.fields.confirm }, 422);
        return;
      }
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
        totalText: formatCount(job.total),
        percent: job.total ? Math.floor(((job.done + job.failed) * 100) / job.total) : 100 },
      words: isBulkAction(job.action) ? WORDS[job.action] : { verb: job.action }, finishedJob: finished, failed, done,
      shown: SHOWN_ITEMS,
    });
  });

  return router;
}
