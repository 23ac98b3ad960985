// Deletes for good the accounts whose deletion grace period is over. Any process may run it:
// each account is deleted in its own transaction, and one already gone is skipped.
import type { UserLifecycle } from './user-lifecycle.service.js';
import type { Logger } from '../platform/logger.js';
import type { DatabaseOutage } from '../db/database-outage.js';
import { startPeriodicTask, type PeriodicTask } from '../jobs/periodic-task.js';

export function startDeletionPurge({ lifecycle, intervalSeconds, logger, outage }: { lifecycle: UserLifecycle;
  intervalSeconds: number; logger: Logger; outage?: DatabaseOutage; }): PeriodicTask {
  return startPeriodicTask({
    name: 'purging scheduled deletions', intervalMs: intervalSeconds * 1000, logger, outage,
    async run() {
      const purged = await lifecycle.purgeScheduledDeletions();
      if (purged > 0) logger.info({ purged }, 'deleted accounts whose grace period is over');
      return purged;
    },
  });
}
