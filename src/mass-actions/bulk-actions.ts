// Mass actions on users (Block, Unblock, End sessions, Force password reset, add to or remove
// from a group, Delete). A selection becomes a durable job with one item per user, written in
// one transaction with its audit event; workers in any Foyer process work through the items
// (the job queue hands them out), each user in one transaction with the item's outcome, so a
// user is either fully done and counted or not touched, and a failure on one user neither
// stops nor undoes the others.
import type { Actor, AuditLog } from '../audit/audit.service.js';
import { DomainError, NotFoundError, ValidationError } from '../platform/errors.js';
import type { StaffScope } from '../platform/access.js';
import type { UserLifecycle } from '../users/user-lifecycle.service.js';
import type { UserLinks } from '../users/user-links.service.js';
import type { GroupService } from '../groups/group.service.js';
import type { Logger } from '../platform/logger.js';
import type { Db } from '../db/database.js';
import type { BulkJobProgress, BulkJobRepository, ClaimedItem } from './bulk-job.repository.js';
import { startPolledWorker, type PolledWorker } from '../jobs/polled-worker.js';
import { isDatabaseOutage, type DatabaseOutage } from '../db/database-outage.js';
import { safeError } from '../platform/logger.js';
import { ownAccountRefusal } from '../users/user.policy.js';
import { formatCount } from '../platform/format.js';
import { mayOpenJob } from '../jobs/job.policy.js';
import { createBulkSelectionQuery, type Selection, type SelectionPreview } from './bulk-selection.query.js';

const BULK_ACTIONS = ['block', 'unblock', 'end-sessions', 'reset-password', 'add-to-group', 'remove-from-group',
  'delete'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

export function isBulkAction(value: unknown): value is BulkAction {
  return typeof value === 'string' && (BULK_ACTIONS as readonly string[]).includes(value);
}

export type { Selection, SelectionPreview };

export interface Staff { actor: Actor; scope: StaffScope; isAdmin: boolean }

const MAX_IDS = 10_000;

/** The distinct ids ticked, refused when there are none or too many. */
function chosenIds(ticked: string[]): string[] {
  const ids = [...new Set(ticked.filter((id) => /^[0-9]{1,18}$/.test(id)))];
  if (ids.length === 0) {
    throw new ValidationError({ user: 'Tick at least one user, or choose all users matching the filter' });
  }
  if (ids.length > MAX_IDS) {
    throw new ValidationError({ user: `Tick at most ${MAX_IDS} users, or choose all users matching the filter` });
  }
  return ids;
}

/**
 * Deleting more than one user takes the number of users typed (`confirmedCount`, null when what
 * was typed is no number); checked against the selection as the job resolved it, so a number
 * typed for a selection that has changed since is refused too. Deleting nobody is refused.
 */
function assertDeletionConfirmed(total: number, confirmedCount: number | null | undefined): void {
  if (total === 0) throw new ValidationError({ confirm: 'None of the selected users is left to delete.' });
  if (total === 1 && confirmedCount === undefined) return;
  if (confirmedCount === total) return;
  throw new ValidationError({ confirm: confirmedCount === undefined
    ? `Type the number of users to delete, ${formatCount(total)}, to confirm.`
    : `That is not the number of users to delete. Type ${formatCount(total)} to confirm.` });
}

export function createBulkActions({ db, jobs, lifecycle, links, groups, audit }: { db: Db; jobs: BulkJobRepository;
  lifecycle: UserLifecycle; links: UserLinks; groups: GroupService; audit: AuditLog; }) {
  const selections = createBulkSelectionQuery(db);
  /** What one item asks of the user's services, inside `tx`. */
  async function act(item: ClaimedItem, actor: Actor, tx: Db): Promise<void> {
    const { job } = item;
    switch (job.action as BulkAction) {
      case 'block': await lifecycle.block(item.userId, actor, job.scope, tx); break;
      case 'unblock': await lifecycle.unblock(item.userId, actor, job.scope, tx); break;
      case 'end-sessions': await lifecycle.endSessions(item.userId, actor, job.scope, tx); break;
      case 'reset-password': await links.forcePasswordReset(item.userId, actor, job.scope, tx); break;
      case 'add-to-group': await groups.addMembers(String(job.params.groupId), [item.userId], actor, job.scope, tx);
        break;
      case 'remove-from-group': await groups.removeMembers(String(job.params.groupId), [item.userId], actor,
        job.scope, tx); break;
      case 'delete': await lifecycle.delete(item.userId, actor, job.scope, tx); break;
      default: throw new ValidationError({ action: `Unknown action ${job.action}` });
    }
  }

  /** Why this item is refused before anything is tried, or null. */
  function refusal(item: ClaimedItem): string | null {
    const { job } = item;
    if (item.userId !== job.actorId) return null;
    // Block and delete: the users policy's rule and words, as the services would refuse them.
    if (job.action === 'block' || job.action === 'delete') return ownAccountRefusal(job.action, job.scope);
    // These two only in a mass action: each would sign the staff member out mid-job (a forced reset, issue 14).
    if (job.action === 'end-sessions' || job.action === 'reset-password') {
      const what = job.action === 'end-sessions' ? 'end the sessions of' : 'force a password reset for';
      return `You cannot ${what} your own account in a mass action`;
    }
    return null;
  }

  /**
   * Does one item and records its outcome in the same transaction (an item is never done
   * without being counted, nor counted without being done); returns the reason it failed, or
   * null. A refusal by the domain rolls the action back and is recorded as the item's failure.
   */
  async function perform(item: ClaimedItem): Promise<string | null> {
    const actor: Actor = { type: 'user', id: item.job.actorId, label: item.job.actorLabel };
    const refused = refusal(item);
    if (refused === null) {
      try {
        await db.transaction(async (tx) => {
          await act(item, actor, tx);
          await jobs.settle(item, null, tx);
        });
        return null;
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        await jobs.settle(item, err.message);
        return err.message;
      }
    }
    await jobs.settle(item, refused);
    return refused;
  }

  return {
    perform,

    /**
     * What a selection reaches now, as the job would resolve it: the count, the Administrators
     * among them, whether the staff member is, and the first `limit` users.
     */
    preview(selection: Selection, staff: Staff, limit = 20): Promise<SelectionPreview> {
      return selections.preview('ids' in selection ? { ids: chosenIds(selection.ids) } : selection, staff.scope,
        staff.actor.id ?? null, limit);
    },

    /**
     * `confirmedCount`: the number of users typed to confirm a deletion (null when what was typed
     * is no number); a deletion of more than one user needs it, equal to the selection as resolved
     * in the job's own transaction, or nothing starts.
     */
    async start(action: string, selection: Selection, staff: Staff,
      options: { groupId?: string; confirmedCount?: number | null } = {}): Promise<string> {
      if (!isBulkAction(action)) throw new ValidationError({ action: 'Choose what to do with the selected users' });
      const params: Record<string, unknown> = {};
      if (action === 'add-to-group' || action === 'remove-from-group') {
        if (!options.groupId) throw new ValidationError({ group: 'Choose the group' });
        params.groupId = (await groups.get(options.groupId, staff.scope)).id;
      }
      return db.transaction(async (tx) => {
        const jobId = 'ids' in selection
          ? await jobs.createForIds(action, staff.actor, staff.scope, chosenIds(selection.ids), params, tx)
          : await jobs.createForFilter(action, staff.actor, { ...selection.filter, scope: staff.scope }, params, tx);
        const job = await jobs.find(jobId, tx);
        if (action === 'delete') assertDeletionConfirmed(job?.total ?? 0, options.confirmedCount);
        await audit.record({ actor: staff.actor, action: 'users.mass_action_started',
          details: { job: jobId, action, users: job?.total ?? 0, ...params } }, tx);
        return jobId;
      });
    },

    /** The job if this staff member may see it: Administrators all, others their own. */
    async find(jobId: string, staff: Staff): Promise<BulkJobProgress> {
      const job = await jobs.find(jobId);
      if (!job || !mayOpenJob(staff, job)) throw new NotFoundError('Job');
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
      return jobs.drain(batch, async (items) => {
        for (let i = 0; i < items.length; i += parallel) {
          await Promise.all(items.slice(i, i + parallel).map(async (item) => {
            try {
              await bulk.perform(item);
            } catch (err) {
              // Not the user's fault: left claimed, the item is taken up again once its lease lapses.
              if (isDatabaseOutage(err)) throw err;
              logger.error({ err: safeError(err), job: item.jobId, user: item.userId }, 'mass action failed on a user');
              await jobs.settle(item, 'Unexpected error; the server log has the details');
            }
          }));
        }
        for (const jobId of new Set(items.map((i) => i.jobId))) await jobs.finishIfDone(jobId);
      });
    },
  });
}
