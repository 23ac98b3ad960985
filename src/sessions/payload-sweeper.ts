import { type Db } from '../db/database.js';
import type { Logger } from '../platform/logger.js';
import type { DatabaseOutage } from '../db/database-outage.js';
import { sweepExpiredPayloads } from './payload.repository.js';
import { startPeriodicTask, type PeriodicTask } from '../jobs/periodic-task.js';

/**
 * Periodically deletes expired provider records (and, with `also`, what depended on them).
 * Any process may run it; deletes are idempotent.
 */
export function startPayloadSweeper({ db, intervalSeconds, logger, outage, also }: { db: Db;
  intervalSeconds: number; logger: Logger; outage?: DatabaseOutage; also?: () => Promise<number>; }): PeriodicTask {
  return startPeriodicTask({
    name: 'sweeping expired provider records', intervalMs: intervalSeconds * 1000, logger, outage,
    async run() {
      const removed = await sweepExpiredPayloads(db) + (await also?.() ?? 0);
      if (removed > 0) logger.info({ removed }, 'swept expired provider records');
      return removed;
    },
  });
}
