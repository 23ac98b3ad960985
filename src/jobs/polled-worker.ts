// The loop every queue worker here shares: drain the queue now when woken, and every
// interval anyway (work queued by another process, retries coming due). One drain runs at a
// time; stop() waits for it to finish.
import { isDatabaseOutage, type DatabaseOutage } from '../db/database-outage.js';
import type { Logger } from '../platform/logger.js';
import { safeError } from '../platform/logger.js';

export interface PolledWorker {
  /** Drains now (or joins the drain already running). */
  wake(): Promise<void>;
  stop(): Promise<void>;
}

/** `drainOnce` handles one batch and says whether there may be more. */
/** `outage`: told of database outages, which it logs once per outage instead of once per tick. */
export function startPolledWorker({ name, drainOnce, intervalMs, logger, outage }:
  { name: string; drainOnce: () => Promise<boolean>; intervalMs: number; logger: Logger;
    outage?: DatabaseOutage; }): PolledWorker {
  let running: Promise<void> | undefined;
  let stopped = false;

  async function drain(): Promise<void> {
    while (!stopped && (await drainOnce()));
  }

  function wake(): Promise<void> {
    running ??= drain().catch((err) => {
      if (outage?.report(err) ?? isDatabaseOutage(err)) logger.debug(`${name} paused: database unavailable`);
      else logger.warn({ err: safeError(err) }, `${name} failed; will retry`);
    }).finally(() => (running = undefined));
    return running;
  }

  const timer = setInterval(() => void wake(), intervalMs);
  timer.unref();
  return {
    wake,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
