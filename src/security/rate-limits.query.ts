// The statement rate-limits.ts writes itself; rate-limiter-flexible writes the rest.
export const RATE_LIMIT_TABLE = 'rate_limits';

/** The rows of the keys in $1 that have not expired at $2 (epoch milliseconds). */
export const READ_RATE_LIMITS = `SELECT key, points, expire FROM ${RATE_LIMIT_TABLE}
  WHERE key = ANY($1::varchar[]) AND (expire > $2 OR expire IS NULL)`;
