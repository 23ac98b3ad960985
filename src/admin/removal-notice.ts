// The users list after a delete. The redirect carries only the user's id (never a name: text
// from the URL is never shown, see src/platform/http/notices.ts); who it was is read back from the
// audit event the staff member's own delete wrote, so a crafted link names nobody. The label
// is the login (or #id), as every event about a deleted user keeps.
import type { Context } from 'koa';
import type { AuditQuery } from '../audit/audit.query.js';
import { ALL_USERS } from '../platform/access.js';
import { firstOf, staffOf } from './console-context.js';

const ID = /^[0-9]{1,18}$/;

export async function removalNotice(ctx: Context, events: AuditQuery): Promise<string | undefined> {
  const { actor } = staffOf(ctx);
  const id = firstOf(ctx.query.deleted);
  if (!ID.test(id) || !actor.id) return undefined;
  // The user row is gone: the event is the only place that still knows the label.
  const { rows } = await events.list({ scope: ALL_USERS, targetUserId: id, actorId: actor.id, action: 'user.deleted',
    limit: 1 });
  return rows[0]?.targetLabel ? `${rows[0].targetLabel} was deleted.` : undefined;
}
