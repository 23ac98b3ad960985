// An application's page: its settings, its people, and the users who granted it with the
// users list's row actions. Shared by the routes that re-render it after a form error.
import type { Context } from 'koa';
import type { Views } from '../platform/views.js';
import { mayChange } from '../users/user.policy.js';
import { presentApplication } from './application.presenter.js';
import { parseApplicationPageQuery } from './applications.input.js';
import { firstOf, renderConsole, staffOf } from './console-context.js';
import { ACTION_NOTICES, availableActions } from './user-actions.js';
import { statusBadges, userStatusSource } from './user.presenter.js';
import { formatTime } from '../platform/format.js';
import { publicName } from '../users/public-name.js';
import { noticeFor } from '../platform/http/notices.js';
import type { ApplicationService } from '../applications/application.service.js';

/** The services this section uses, and no others. */
export interface ApplicationPageServices {
  applications: ApplicationService;
}

const PAGE_SIZE = 50;
const NOTICES: Record<string, string> = {
  saved: 'Your changes were saved.',
  deactivated: 'The application is deactivated: its tokens stopped working and it cannot get new ones.',
  activated: 'The application is active again.', 'member-set': 'The person was added to the application.',
  'member-removed': 'The person was removed from the application.',
};

/** After a row action on one of the app's users (block, end sessions, ...), taken from the Users section. */
function userNotice(done: string): string | undefined {
  if (done === 'deleted') return 'The user was deleted.';
  if (done === 'invitation-cancelled') return 'The invitation was cancelled.';
  return noticeFor(ACTION_NOTICES, done);
}

export async function renderApplicationPage(ctx: Context, services: ApplicationPageServices, views: Views,
  extra: Record<string, unknown> = {}, status = 200): Promise<void> {
  const { applications } = services;
  const { viewer, scope, appsOnly, user: staffUser } = staffOf(ctx);
  const { after } = parseApplicationPageQuery(ctx.query);
  const { record, access, members,
    granted } = await applications.overview(ctx.params.id, viewer, { after, limit: PAGE_SIZE });
  const back = `/admin/apps/${record.clientId}`;
  renderConsole(ctx, views, 'admin/apps/show.njk', 'apps', {
    app: presentApplication(record), access, members, memberErrors: {}, memberValues: {},
    // The last owner has no Remove button: removing them is always refused.
    ownerCount: members.filter((m) => m.role === 'owner').length,
    users: granted.rows.map(({ user, grantedAt }) => {
      // Row actions only where the staff member could take them from the users list too.
      const changeable = !appsOnly && mayChange(scope, user);
      return {
        id: user.id, name: publicName(user), login: user.login ?? '', email: user.email ?? '',
        badges: statusBadges(userStatusSource(user)),
        granted: formatTime(grantedAt),
        actions: changeable ? availableActions(userStatusSource(user), user.id === staffUser.id)
          .filter((a) => !a.href) : [],
        linkable: changeable,
      };
    }),
    back, next: granted.next ? `${back}?after=${encodeURIComponent(granted.next)}#users` : undefined,
    first: after ? `${back}#users` : undefined,
    notice: noticeFor(NOTICES, ctx.query.done)
      ?? userNotice(firstOf(ctx.query.user_done as string | string[] | undefined))
        ?? (ctx.query.created ? 'The application was created.' : undefined),
    ...extra,
  }, status);
}
