// Periodic upkeep (purging accounts whose grace period is over, sweeping expired provider
// records and old job data) on the same loop as the queue workers: one run at a time, on an
// interval, an outage logged once. Each run is idempotent, so every process may run it.
import type { DatabaseOutage } from '../db/database-outage.js';
import type { Logger } from '../platform/logger.js';
import { startPolledWorker } from './polled-worker.js';

export interface PeriodicTask {
  /** Runs now (or joins the run in progress); how many things it removed, 0 when it failed. */
  run(): Promise<number>;
  stop(): Promise<void>;
}

export function startPeriodicTask({ name, intervalMs, logger, outage, run }: { name: string; intervalMs: number;
  logger: Logger; outage?: DatabaseOutage; run: () => Promise<number>; }): PeriodicTask {
  let removed = 0;
  const worker = startPolledWorker({
    name, intervalMs, logger, outage,
    async drainOnce() {
      removed = 0;
      removed = await run();
      return false;
    },
  });
  return {
    async run() {
      await worker.wake();
      return removed;
    },
    stop: worker.stop,
  };
}
