import type { MigrationInterface, QueryRunner } from 'typeorm';

// Where and when each provider session was used, for the profile's Sessions section: the
// provider's own Session record has neither the IP address nor the user agent.
export class SessionActivity1732290000000 implements MigrationInterface {
  name = 'SessionActivity1732290000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE session_activity (
        session_uid text PRIMARY KEY,
        account_id text NOT NULL,
        ip_address text,
        user_agent text,
        started_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX session_activity_account_idx ON session_activity (account_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE session_activity');
  }
}
