import { type Db } from '../db/database.js';
import type { Logger } from '../platform/logger.js';
import { sweepExpiredPayloads } from './payload.repository.js';
import { safeError } from '../platform/logger.js';

/**
 * Periodically deletes expired provider records (and, with `also`, what depended on them).
 * Any process may run it; deletes are idempotent.
 */
export function startPayloadSweeper({ db, intervalSeconds, logger, also }: { db: Db; intervalSeconds: number;
  logger: Logger; also?: () => Promise<number>; }) {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      const removed = await sweepExpiredPayloads(db) + (await also?.() ?? 0);
      if (removed > 0) logger.info({ removed }, 'swept expired provider records');
    } catch (err) {
      logger.warn({ err: safeError(err) }, 'sweeping expired provider records failed; will retry');
    } finally {
      running = false;
    }
  }, intervalSeconds * 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
