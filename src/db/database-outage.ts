// "The database is unreachable" recognised in one place, and told once per outage.
// Such an error is not a bug in the request: every caller answers 503 with Retry-After
// (pages, JSON, SCIM, the provider's OAuth endpoints) and leaves the logging to the
// monitor below, which writes one line when the outage starts and one when the database
// answers again, instead of a line with a stack for every request and every worker tick.
// Recovery needs nothing from here: the pg pool opens fresh connections on the next query.
import type pg from 'pg';
import type { Logger } from '../platform/logger.js';

/** What clients are told to wait before retrying, in seconds. */
export const RETRY_AFTER_SECONDS = 5;

// SQLSTATE classes and codes that mean "no usable server", not "bad statement":
// 08 connection exception, 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now,
// 53300 too many connections.
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300)$/;
// Socket and name-resolution errors of net / dns while reaching the server.
const UNAVAILABLE_ERRNO = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH',
  'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN',
]);
// pg and pg-pool say these without a code (checked against pg 8: a dropped connection, a
// connect that timed out, a pool with no free client within connectionTimeoutMillis).
const UNAVAILABLE_MESSAGE = /^(Connection terminated( unexpectedly| due to connection timeout)?|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable|Connection timed out)$/;

/**
 * True when `err` says PostgreSQL could not be reached or dropped the connection, as pg
 * throws it or as TypeORM wraps it (QueryFailedError's `driverError`), an AggregateError of
 * several addresses, or a `cause`.
 */
export function isDatabaseOutage(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  const e = err as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && (UNAVAILABLE_SQLSTATE.test(e.code) || UNAVAILABLE_ERRNO.has(e.code))) return true;
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseOutage(inner, depth + 1))) return true;
  return isDatabaseOutage(e.driverError, depth + 1) || isDatabaseOutage(e.cause, depth + 1);
}

/**
 * A short label of the outage for the log: the code or pg's message, never the error object (no
 * bound values, no context).
 */
function reasonOf(err: unknown, depth = 0): string {
  const e = (err ?? {}) as { code?: unknown; message?: unknown; driverError?: unknown; errors?: unknown[] };
  if (typeof e.code === 'string') return e.code;
  if (depth < 3 && e.driverError) return reasonOf(e.driverError, depth + 1);
  if (depth < 3 && Array.isArray(e.errors) && e.errors.length) return reasonOf(e.errors[0], depth + 1);
  return typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message) ? e.message : 'unreachable';
}

export interface DatabaseOutage {
  /** Notes `err`; true when it is an outage (then it is logged here, once per outage, and the caller logs nothing). */
  report(err: unknown): boolean;
  /** Whether an outage is under way (between its first error and the first successful probe). */
  readonly down: boolean;
  stop(): void;
}

/**
 * One per Foyer process. While down, it probes the database every `probeMs` so that the
 * "back" line is written when the database answers, whether or not requests come in.
 */
export function createDatabaseOutageMonitor({ pool, logger, probeMs = 1000 }: { pool: pg.Pool; logger: Logger;
  probeMs?: number; }): DatabaseOutage {
  let since: number | undefined;
  let probe: NodeJS.Timeout | undefined;
  let stopped = false;

  async function check(): Promise<void> {
    probe = undefined;
    if (stopped || since === undefined) return;
    try {
      await pool.query('SELECT 1');
      logger.info({ downSeconds: Math.round((Date.now() - since) / 100) / 10 }, 'database is back: serving again');
      since = undefined;
    } catch {
      schedule();
    }
  }

  function schedule(): void {
    if (stopped || probe) return;
    probe = setTimeout(() => void check(), probeMs);
    probe.unref();
  }

  const monitor: DatabaseOutage = {
    report(err) {
      if (!isDatabaseOutage(err)) return false;
      if (since === undefined && !stopped) {
        since = Date.now();
        logger.warn({ reason: reasonOf(err), retryAfterSeconds: RETRY_AFTER_SECONDS },
          'database unavailable: answering 503 until it is back');
        schedule();
      }
      return true;
    },
    get down() {
      return since !== undefined;
    },
    stop() {
      stopped = true;
      clearTimeout(probe);
      pool.off('error', onPoolError);
    },
  };
  // An idle pooled connection that drops (server restart, network cut) is the first sign of
  // an outage when no request is running; pg emits it here (TypeORM listens too, quietly).
  const onPoolError = (err: Error) => void monitor.report(err);
  pool.on('error', onPoolError);
  return monitor;
}

/** The body of a 503 for JSON clients (Foyer's APIs and the provider's OAuth endpoints alike). */
export const TEMPORARILY_UNAVAILABLE = {
  error: 'temporarily_unavailable',
  error_description: 'The service is briefly unavailable. Try again shortly.',
} as const;

declare module 'koa' {
  interface DefaultContext {
    /** Set once in app.ts (app.context), so the error handlers can report outages. */
    databaseOutage?: DatabaseOutage;
  }
}
