// The audit log: newest first, filtered by user, actor, action and time, keyset-paginated.
// Managers see the events of their organization's users only (scope in the query).
import { detailsText } from './event.presenter.js';
import Router from '@koa/router';
import type { AuditEventRow, AuditQuery } from '../audit/audit.query.js';
import type { UserService } from '../users/user.service.js';
import type { Views } from '../platform/views.js';
import { renderConsole, staffOf } from './console-context.js';
import { formatTime } from '../platform/format.js';
import { parseEventFilters } from './events.input.js';
import { mayOpenJob } from '../jobs/job.policy.js';
import type { Staff } from './console-context.js';

const PAGE_SIZE = 50;
const JOB_ID = /^[0-9]{1,18}$/;

/**
 * The page of the job an event belongs to, when its details name one and this staff member may
 * open it (the job's events are recorded by whoever started it): a mass action's start, an
 * export job, and an import with the users it created or changed.
 */
function jobLinkOf(e: AuditEventRow, staff: Staff): { url: string; label: string } | undefined {
  const details = e.details ?? {};
  const id = (key: string) => (JOB_ID.test(String(details[key] ?? '')) ? String(details[key]) : undefined);
  const job = id('job');
  const imported = id('import');
  let link: { url: string; label: string } | undefined;
  if (job && e.action === 'users.mass_action_started') {
    link = { url: `/admin/jobs/${job}`, label: `Mass action ${job}` };
  } else if (job && e.action === 'users.exported') {
    link = { url: `/admin/exports/${job}`, label: `Export ${job}` };
  } else if (imported) {
    link = { url: `/admin/imports/${imported}`, label: `Import ${imported}` };
  }
  return link && mayOpenJob({ actor: staff.actor, isAdmin: staff.isAdmin }, { actorId: e.actorId }) ? link : undefined;
}

export function eventRoutes({ events, users, views }: { events: AuditQuery; users: UserService;
  views: Views; }): Router {
  const router = new Router();

  router.get('/events', async function listEvents(ctx) {
    const { filters, from, to, before, after, problems, refused } = parseEventFilters(ctx.query);
    const [targetUserId, actorId] = await Promise.all([
      filters.user ? users.resolveId(filters.user) : undefined,
      filters.actor ? users.resolveId(filters.actor) : undefined,
    ]);
    if (filters.user && !targetUserId) problems.push(`No user "${filters.user}" was found.`);
    if (filters.actor && !actorId) problems.push(`No actor "${filters.actor}" was found.`);

    // An identifier that matches nobody, or a filter refused, must not widen the list to everyone.
    const page = refused || problems.some((p) => p.startsWith('No '))
      ? { rows: [], next: undefined, prev: undefined }
      : await events.list({
        scope: staffOf(ctx).scope, targetUserId, actorId, action: filters.action || undefined, from, to,
        before, after, limit: PAGE_SIZE,
      });
    const link = (cursor: Record<string, string>) => {
      const qs = new URLSearchParams(Object.entries({ ...filters, ...cursor }).filter(([, v]) => v));
      return `/admin/events${qs.size ? `?${qs}` : ''}`;
    };
    renderConsole(ctx, views, 'admin/events/list.njk', 'events', {
      // A Manager sees only events about users, so only those actions are offered.
      filters, problems, actions: (await events.actions()).filter((a) => staffOf(ctx).isAdmin || a.startsWith('user.')),
      rows: page.rows.map((e) => ({ ...e, when: formatTime(e.occurredAt), detailsText: detailsText(e.details),
        job: jobLinkOf(e, staffOf(ctx)) })),
      next: page.next ? link({ before: page.next }) : undefined,
      prev: page.prev ? link({ after: page.prev }) : undefined,
      newest: before || after ? link({}) : undefined,
    }, refused ? 422 : 200);
  });

  return router;
}
