import type { MigrationInterface, QueryRunner } from 'typeorm';

// Brute-force counters move to rate-limiter-flexible's RateLimiterPostgres (shared by every
// process): rate_limits takes the layout that library reads and writes (key, points, expire in
// epoch milliseconds). The old fixed-window counts are short-lived, so they are dropped, not kept.
export class RateLimiterPoints1732397000000 implements MigrationInterface {
  name = 'RateLimiterPoints1732397000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE rate_limits');
    await q.query(`
      CREATE TABLE rate_limits (
        key varchar(255) PRIMARY KEY,
        points integer NOT NULL DEFAULT 0,
        expire bigint
      )`);
    // The library deletes rows that expired an hour ago every five minutes.
    await q.query('CREATE INDEX rate_limits_expire_idx ON rate_limits (expire)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE rate_limits');
    await q.query(`
      CREATE TABLE rate_limits (
        key text PRIMARY KEY,
        window_started_at timestamptz NOT NULL DEFAULT now(),
        hits integer NOT NULL DEFAULT 0
      )`);
  }
}
