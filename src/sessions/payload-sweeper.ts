import type { Sql } from '../db/sql.js';
import type { Logger } from '../platform/logger.js';
import { sweepExpiredPayloads } from './payload.repository.js';
import { safeError } from '../platform/logger.js';

/**
 * Periodically deletes expired provider records (and, with `also`, what depended on them).
 * Any process may run it; deletes are idempotent.
 */
export function startPayloadSweeper({ sql, intervalSeconds, logger, also }: { sql: Sql; intervalSeconds: number; logger: Logger; also?: () => Promise<number> }) {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      const removed = await sweepExpiredPayloads(sql) + (await also?.() ?? 0);
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
