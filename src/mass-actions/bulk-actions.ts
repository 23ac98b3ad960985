// Mass actions on users (Block, Unblock, End sessions, Force password reset, add to or remove
// from a group, Delete). A selection becomes a durable
// job with one item per user; workers in any Foyer process work through the items, each user
// in its own transaction (the lifecycle service's), so a user is either fully done or not
// touched, and a failure on one user neither stops nor undoes the others.
import type { Actor, AuditLog } from '../audit/audit.service.js';
import { DomainError, NotFoundError, ValidationError } from '../platform/errors.js';
import type { StaffScope } from '../platform/access.js';
import type { UserFilter } from '../users/user-directory.query.js';
import type { UserLifecycle } from '../users/user-lifecycle.service.js';
import type { UserLinks } from '../users/user-links.service.js';
import type { GroupService } from '../groups/group.service.js';
import type { Logger } from '../platform/logger.js';
import type { BulkItem, BulkJob, BulkJobProgress, BulkJobRepository } from './bulk-job.repository.js';
import { startPolledWorker, type PolledWorker } from '../jobs/polled-worker.js';
import { isDatabaseOutage, type DatabaseOutage } from '../db/database-outage.js';
import { safeError } from '../platform/logger.js';

export const BULK_ACTIONS = ['block', 'unblock', 'end-sessions', 'reset-password', 'add-to-group', 'remove-from-group',
  'delete'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

export function isBulkAction(value: unknown): value is BulkAction {
  return typeof value === 'string' && (BULK_ACTIONS as readonly string[]).includes(value);
}

export type Selection = { ids: string[] } | { filter: UserFilter };

export interface Staff { actor: Actor; scope: StaffScope; isAdmin: boolean }

const MAX_IDS = 10_000;

export function createBulkActions({ jobs, lifecycle, links, groups, audit }: { jobs: BulkJobRepository;
  lifecycle: UserLifecycle; links: UserLinks; groups: GroupService; audit: AuditLog; }) {
  /** Does one item; returns the reason it failed, or null. */
  async function perform(job: BulkJob, item: BulkItem): Promise<string | null> {
    const actor: Actor = { type: 'user', id: job.actorId, label: job.actorLabel };
    // A forced reset ends every session too (issue 14): it would sign the staff member out mid-job.
    if (item.userId === job.actorId
      && (job.action === 'block' || job.action === 'delete' || job.action === 'end-sessions'
        || job.action === 'reset-password')) {
      const what = job.action === 'end-sessions' ? 'end the sessions of'
        : job.action === 'reset-password' ? 'force a password reset for' : job.action;
      return `You cannot ${what} your own account in a mass action`;
    }
    try {
      switch (job.action as BulkAction) {
        case 'block': await lifecycle.block(item.userId, actor, job.scope); break;
        case 'unblock': await lifecycle.unblock(item.userId, actor, job.scope); break;
        case 'end-sessions': await lifecycle.endSessions(item.userId, actor, job.scope); break;
        case 'reset-password': await links.forcePasswordReset(item.userId, actor, job.scope); break;
        case 'add-to-group': await groups.addMembers(String(job.params.groupId), [item.userId], actor,
          job.scope); break;
        case 'remove-from-group': await groups.removeMembers(String(job.params.groupId), [item.userId], actor,
          job.scope); break;
        case 'delete': await lifecycle.delete(item.userId, actor, job.scope); break;
        default: return `Unknown action ${job.action}`;
      }
      return null;
    } catch (err) {
      if (err instanceof DomainError) return err.message;
      throw err;
    }
  }

  return {
    perform,

    async start(action: string, selection: Selection, staff: Staff,
      options: { groupId?: string } = {}): Promise<string> {
      if (!isBulkAction(action)) throw new ValidationError({ action: 'Choose what to do with the selected users' });
      const params: Record<string, unknown> = {};
      if (action === 'add-to-group' || action === 'remove-from-group') {
        if (!options.groupId) throw new ValidationError({ group: 'Choose the group' });
        params.groupId = (await groups.get(options.groupId, staff.scope)).id;
      }
      let jobId: string;
      if ('ids' in selection) {
        const ids = [...new Set(selection.ids.filter((id) => /^[0-9]{1,18}$/.test(id)))];
        if (ids.length === 0) {
          throw new ValidationError({ user: 'Tick at least one user, or choose all users matching the filter' });
        }
        if (ids.length > MAX_IDS) {
          throw new ValidationError({ user: `Tick at most ${MAX_IDS} users, or choose all users matching the filter` });
        }
        jobId = await jobs.createForIds(action, staff.actor, staff.scope, ids, params);
      } else {
        jobId = await jobs.createForFilter(action, staff.actor, { ...selection.filter, scope: staff.scope }, params);
      }
      const job = (await jobs.find(jobId))!;
      await audit.record({ actor: staff.actor, action: 'users.mass_action_started',
        details: { job: jobId, action, users: job.total, ...params } });
      return jobId;
    },

    /** The job if this staff member may see it: Administrators all, others their own. */
    async find(jobId: string, staff: Staff): Promise<BulkJobProgress> {
      const job = await jobs.find(jobId);
      if (!job || (!staff.isAdmin && job.actorId !== staff.actor.id)) throw new NotFoundError('Job');
      return job;
    },

    items: jobs.items,
  };
}

export type BulkActions = ReturnType<typeof createBulkActions>;

/**
 * Works through open job items in the background. Every process runs one; items are claimed
 * with SKIP LOCKED and a lease, so workers never share an item and a crashed worker's items
 * are taken up again. `wake()` starts at once instead of at the next tick.
 */
export function startBulkWorker({ jobs, bulk, logger, outage, intervalMs = 1000, batch = 50, parallel = 4 }:
  { jobs: BulkJobRepository; bulk: BulkActions; logger: Logger; outage?: DatabaseOutage; intervalMs?: number;
    batch?: number; parallel?: number; }): PolledWorker {
  return startPolledWorker({
    name: 'mass action worker', intervalMs, logger, outage,
    async drainOnce() {
      const items = await jobs.claim(batch);
      if (items.length === 0) return false;
      await jobs.whileClaimed(items, async () => {
        for (let i = 0; i < items.length; i += parallel) {
          await Promise.all(items.slice(i, i + parallel).map(async (item) => {
            let error: string | null;
            try {
              error = await bulk.perform(item.job, item);
            } catch (err) {
              // Not the user's fault: left claimed, the item is taken up again once its lease lapses.
              if (isDatabaseOutage(err)) throw err;
              logger.error({ err: safeError(err), job: item.jobId, user: item.userId }, 'mass action failed on a user');
              error = 'Unexpected error; the server log has the details';
            }
            await jobs.settle(item, error);
          }));
        }
      });
      for (const jobId of new Set(items.map((i) => i.jobId))) await jobs.finishIfDone(jobId);
      return true;
    },
  });
}
