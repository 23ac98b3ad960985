// The audit log: newest first, filtered by user, actor, action and time, keyset-paginated.
// Managers see the events of their organization's users only (scope in the query).
import Router from '@koa/router';
import type { AuditQuery } from '../audit/audit.query.js';
import type { UserService } from '../directory/user.service.js';
import type { Views } from '../http/views.js';
import { renderConsole, staffOf } from './console-context.js';
import { formatTime } from './user.presenter.js';

const PAGE_SIZE = 50;

/** "2026-11-22" or "2026-11-22T08:30" as UTC; undefined (with a message) when unreadable. */
function parseTime(raw: string, endOfDay: boolean): Date | undefined {
  if (!raw) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}))?$/.exec(raw.trim());
  if (!m) return undefined;
  const d = new Date(`${m[1]}T${m[2] ?? '00:00'}:00Z`);
  if (Number.isNaN(d.getTime())) return undefined;
  // A bare end date includes that whole day.
  if (endOfDay && !m[2]) d.setUTCDate(d.getUTCDate() + 1);
  return d;
}

export function eventRoutes({ events, users, views }: { events: AuditQuery; users: UserService; views: Views }): Router {
  const router = new Router();

  router.get('/events', async function listEvents(ctx) {
    const text = (k: string) => (typeof ctx.query[k] === 'string' ? (ctx.query[k] as string).trim().slice(0, 320) : '');
    const filters = { user: text('user'), actor: text('actor'), action: text('action'), from: text('from'), to: text('to') };
    const problems: string[] = [];
    const [targetUserId, actorId] = await Promise.all([
      filters.user ? users.resolveId(filters.user) : undefined,
      filters.actor ? users.resolveId(filters.actor) : undefined,
    ]);
    if (filters.user && !targetUserId) problems.push(`No user "${filters.user}" was found.`);
    if (filters.actor && !actorId) problems.push(`No actor "${filters.actor}" was found.`);
    const from = parseTime(filters.from, false);
    const to = parseTime(filters.to, true);
    if (filters.from && !from) problems.push('Write the start as YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC).');
    if (filters.to && !to) problems.push('Write the end as YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC).');

    // An identifier that matches nobody must not widen the filter to everyone.
    const page = problems.some((p) => p.startsWith('No '))
      ? { rows: [], next: undefined, prev: undefined }
      : await events.list({
        scope: staffOf(ctx).scope, targetUserId, actorId, action: filters.action || undefined, from, to,
        before: text('before') || undefined, after: text('after') || undefined, limit: PAGE_SIZE,
      });
    const link = (cursor: Record<string, string>) => {
      const qs = new URLSearchParams(Object.entries({ ...filters, ...cursor }).filter(([, v]) => v));
      return `/admin/events${qs.size ? `?${qs}` : ''}`;
    };
    renderConsole(ctx, views, 'admin/events/list.njk', 'events', {
      // A Manager sees only events about users, so only those actions are offered.
      filters, problems, actions: (await events.actions()).filter((a) => staffOf(ctx).isAdmin || a.startsWith('user.')),
      rows: page.rows.map((e) => ({ ...e, when: formatTime(e.occurredAt), detailsText: JSON.stringify(e.details) })),
      next: page.next ? link({ before: page.next }) : undefined,
      prev: page.prev ? link({ after: page.prev }) : undefined,
      newest: text('before') || text('after') ? link({}) : undefined,
    });
  });

  return router;
}
