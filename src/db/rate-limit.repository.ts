// Fixed-window counters in PostgreSQL, shared by every Foyer process: "at most N per window".
import { createHash } from 'node:crypto';
import type { Sql } from './sql.js';

export function createRateLimiter(sql: Sql) {
  return {
    /**
     * Counts one hit for `key` and says whether it is within `limit` per `windowSeconds`.
     * Keys are stored hashed: they may hold what someone typed (an email address).
     */
    async hit(key: string, limit: number, windowSeconds: number): Promise<boolean> {
      const hashed = createHash('sha256').update(key).digest('hex');
      const { rows } = await sql.query<{ hits: number }>(
        `INSERT INTO rate_limits (key, window_started_at, hits) VALUES ($1, now(), 1)
         ON CONFLICT (key) DO UPDATE SET
           hits = CASE WHEN rate_limits.window_started_at < now() - make_interval(secs => $2) THEN 1 ELSE rate_limits.hits + 1 END,
           window_started_at = CASE WHEN rate_limits.window_started_at < now() - make_interval(secs => $2) THEN now() ELSE rate_limits.window_started_at END
         RETURNING hits`, [hashed, windowSeconds]);
      return rows[0].hits <= limit;
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
