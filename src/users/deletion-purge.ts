// Deletes for good the accounts whose deletion grace period is over. Any process may run it:
// each account is deleted in its own transaction, and one already gone is skipped.
import type { UserLifecycle } from './user-lifecycle.service.js';
import type { Logger } from '../platform/logger.js';
import { safeError } from '../platform/logger.js';

export function startDeletionPurge({ lifecycle, intervalSeconds, logger }: { lifecycle: UserLifecycle;
  intervalSeconds: number; logger: Logger; }) {
  let running = false;
  const run = async () => {
    if (running) return 0;
    running = true;
    try {
      const purged = await lifecycle.purgeScheduledDeletions();
      if (purged > 0) logger.info({ purged }, 'deleted accounts whose grace period is over');
      return purged;
    } catch (err) {
      logger.warn({ err: safeError(err) }, 'purging scheduled deletions failed; will retry');
      return 0;
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void run(), intervalSeconds * 1000);
  timer.unref();
  return { run, stop: () => clearInterval(timer) };
}
